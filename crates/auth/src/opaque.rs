//! Opaque bearer secrets: refresh tokens, service-account keys, wall-board
//! tokens.
//!
//! A token looks like `{prefix}_{lookup}_{secret}`, for example
//! `rt_k3j5w2q7x9ab_…` (52 secret characters):
//!
//! - `prefix` names the kind of token (`rt` refresh token, `sak`
//!   service-account key, `brd` board token), so a leaked token is easy to
//!   recognise (secret scanners) and one kind cannot be used as another;
//! - `lookup` is 12 random lower-case base32 characters (60 bits), stored in
//!   clear and indexed so the row can be found without scanning. It is not a
//!   secret; give its column a unique index and regenerate on the (very
//!   unlikely) conflict;
//! - `secret` is 52 random lower-case base32 characters (260 bits).
//!
//! Only [`hash`] of the whole token is stored. A plain, fast SHA-256 is the
//! right choice here, unlike for passwords: the input already has 260 bits of
//! entropy, so there is nothing to brute-force and key stretching would only
//! slow down every request. The stored hash is compared in constant time.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::random;

/// Length of the clear-text lookup id, in base32 characters (60 bits).
pub const LOOKUP_LEN: usize = 12;
/// Length of the secret part, in base32 characters (260 bits).
pub const SECRET_LEN: usize = 52;
const _: () = assert!(SECRET_LEN * 5 >= 256, "secret must carry at least 256 bits");

/// Prefix for refresh tokens.
pub const PREFIX_REFRESH: &str = "rt";
/// Prefix for service-account keys.
pub const PREFIX_SERVICE_ACCOUNT: &str = "sak";
/// Prefix for wall-board tokens.
pub const PREFIX_BOARD: &str = "brd";

/// A freshly generated opaque token.
///
/// Show `token` to its owner once and store only `lookup` and `hash`.
/// `Debug` does not print the token.
#[derive(Clone, PartialEq, Eq)]
pub struct OpaqueToken {
    /// The full bearer token, `{prefix}_{lookup}_{secret}`. Never store it.
    pub token: String,
    /// The clear-text lookup id, to store in an indexed column.
    pub lookup: String,
    /// Lower-case hex SHA-256 of `token`, to store.
    pub hash: String,
}

impl fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpaqueToken")
            .field("token", &"[redacted]")
            .field("lookup", &self.lookup)
            .field("hash", &self.hash)
            .finish()
    }
}

/// Generates a new token with the given prefix.
///
/// `prefix` should be a short lower-case word such as [`PREFIX_REFRESH`];
/// [`parse`] must later be called with the same prefix.
#[must_use]
pub fn generate(prefix: &str) -> OpaqueToken {
    let lookup = random::base32_string(LOOKUP_LEN);
    let secret = random::base32_string(SECRET_LEN);
    let token = format!("{prefix}_{lookup}_{secret}");
    let hash = hash(&token);
    OpaqueToken {
        token,
        lookup,
        hash,
    }
}

/// Checks the shape of `token` and returns `(lookup, full_token)`.
///
/// Returns `None` unless `token` is exactly `{expected_prefix}_`, then
/// [`LOOKUP_LEN`] base32 characters, `_`, and [`SECRET_LEN`] base32
/// characters. Use `lookup` to find the stored row and then
/// [`verify`]`(full_token, stored_hash)`.
#[must_use]
pub fn parse<'a>(token: &'a str, expected_prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = token.strip_prefix(expected_prefix)?.strip_prefix('_')?;
    if rest.len() != LOOKUP_LEN + 1 + SECRET_LEN {
        return None;
    }
    let (lookup, rest) = rest.split_at_checked(LOOKUP_LEN)?;
    let secret = rest.strip_prefix('_')?;
    if !random::is_base32(lookup) || !random::is_base32(secret) {
        return None;
    }
    Some((lookup, token))
}

/// Lower-case hex SHA-256 of the whole token: the value to store.
#[must_use]
pub fn hash(token: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Checks `token` against a stored hex SHA-256 hash in constant time.
///
/// Hex digits in `stored_hash` may be upper or lower case. Returns `false`
/// if `stored_hash` is not 64 hex digits.
#[must_use]
pub fn verify(token: &str, stored_hash: &str) -> bool {
    let Some(stored) = decode_hex_32(stored_hash) else {
        return false;
    };
    let digest = Sha256::digest(token.as_bytes());
    constant_time_eq(digest.as_slice(), &stored)
}

/// Compares two byte strings without an early exit on the first difference.
///
/// The running time depends only on the lengths (which are not treated as
/// secret), never on where the contents differ.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

fn decode_hex_32(s: &str) -> Option<[u8; 32]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashSet;

    use super::*;

    #[test]
    fn format() {
        for prefix in [PREFIX_REFRESH, PREFIX_SERVICE_ACCOUNT, PREFIX_BOARD] {
            let t = generate(prefix);
            let parts: Vec<&str> = t.token.split('_').collect();
            assert_eq!(parts.len(), 3, "{}", t.token);
            assert_eq!(parts[0], prefix);
            assert_eq!(parts[1], t.lookup);
            assert_eq!(parts[1].len(), LOOKUP_LEN);
            assert_eq!(parts[2].len(), SECRET_LEN);
            assert!(t.token[prefix.len()..]
                .bytes()
                .all(|b| b == b'_' || b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
            assert_eq!(t.hash.len(), 64);
            assert!(t
                .hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            assert_eq!(t.hash, hash(&t.token));
            assert_eq!(parse(&t.token, prefix), Some((&*t.lookup, &*t.token)));
        }
    }

    #[test]
    fn debug_redacts_token() {
        let t = generate("rt");
        let shown = format!("{t:?}");
        assert!(!shown.contains(&t.token));
        assert!(shown.contains(&t.lookup));
    }

    #[test]
    fn known_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn unique_over_many() {
        let n = 10_000;
        let mut tokens = HashSet::new();
        let mut lookups = HashSet::new();
        let mut hashes = HashSet::new();
        for _ in 0..n {
            let t = generate("sak");
            lookups.insert(t.lookup.clone());
            hashes.insert(t.hash.clone());
            tokens.insert(t.token);
        }
        assert_eq!(tokens.len(), n);
        assert_eq!(lookups.len(), n);
        assert_eq!(hashes.len(), n);
    }

    #[test]
    fn characters_are_roughly_uniform() {
        // 200 tokens * 64 random chars = 12 800 draws, 400 expected per
        // symbol; a mask or alphabet bug would leave symbols unused.
        let mut counts = [0usize; 32];
        for _ in 0..200 {
            let t = generate("rt");
            for b in t.token[3..].bytes().filter(|&b| b != b'_') {
                let i = random::ALPHABET.iter().position(|&a| a == b).unwrap();
                counts[i] += 1;
            }
        }
        assert!(
            counts.iter().all(|&c| (250..=550).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn parse_rejects_wrong_prefix_and_malformed_input() {
        let t = generate("rt");
        let (_, secret_part) = t.token.split_at(3 + LOOKUP_LEN + 1);
        assert_eq!(parse(&t.token, "sak"), None);
        assert_eq!(parse(&t.token, "r"), None);
        assert_eq!(parse(&t.token, "rt_"), None);
        assert_eq!(parse(&t.token, ""), None);
        let sak = generate("sak");
        assert_eq!(parse(&sak.token, "rt"), None);
        let brd = generate("brd");
        assert_eq!(parse(&brd.token, "rt"), None);
        let bad = [
            String::new(),
            "rt".to_owned(),
            "rt_".to_owned(),
            "rt__".to_owned(),
            format!("rt_{}_", t.lookup),
            format!("rt_{}", t.lookup),
            format!("{}x", t.token),
            t.token[..t.token.len() - 1].to_owned(),
            t.token.to_uppercase(),
            format!("RT_{}", &t.token[3..]),
            format!(" {}", t.token),
            format!("{} ", t.token),
            format!("Bearer {}", t.token),
            t.token.replacen('_', "-", 2),
            format!("rt_{}-{secret_part}", t.lookup),
            format!("rt_{}_{}", &t.lookup[1..], secret_part),
            format!("rt_{}1_{}", t.lookup, &secret_part[1..]),
            format!("rt_{}_{}0", t.lookup, &secret_part[1..]),
            format!("rt_{}_{}é", t.lookup, &secret_part[2..]),
            format!("rt_{}_{}_", t.lookup, &secret_part[1..]),
        ];
        for case in &bad {
            assert_eq!(parse(case, "rt"), None, "accepted {case:?}");
        }
    }

    #[test]
    fn verify_true_and_false() {
        let t = generate("brd");
        assert!(verify(&t.token, &t.hash));
        assert!(verify(&t.token, &t.hash.to_uppercase()));
        let other = generate("brd");
        assert!(!verify(&other.token, &t.hash));
        assert!(!verify(&t.token, &other.hash));
        assert!(!verify(&t.token[..t.token.len() - 1], &t.hash));
        assert!(!verify(&t.token, ""));
        assert!(!verify(&t.token, &t.hash[..63]));
        assert!(!verify(&t.token, &format!("{}0", t.hash)));
        assert!(!verify(
            &t.token,
            &t.hash.replace(|c: char| c.is_ascii_digit(), "g")
        ));
        // Flip one nibble at every position.
        for i in 0..64 {
            let mut h = t.hash.clone().into_bytes();
            h[i] = if h[i] == b'0' { b'1' } else { b'0' };
            let h = String::from_utf8(h).unwrap();
            assert!(!verify(&t.token, &h), "position {i}");
        }
    }

    #[test]
    fn constant_time_eq_is_correct() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"bbc"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"", b"a"));
        let a = [0xa5u8; 32];
        for i in 0..32 {
            for bit in 0..8 {
                let mut b = a;
                b[i] ^= 1 << bit;
                assert!(!constant_time_eq(&a, &b));
            }
        }
    }

    #[test]
    fn decode_hex_round_trip() {
        let t = generate("rt");
        let bytes = decode_hex_32(&t.hash).unwrap();
        assert_eq!(
            bytes.as_slice(),
            Sha256::digest(t.token.as_bytes()).as_slice()
        );
        assert_eq!(decode_hex_32("zz"), None);
        assert_eq!(decode_hex_32(&"é".repeat(32)), None);
    }
}
