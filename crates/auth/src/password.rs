//! Password hashing with Argon2id.
//!
//! Hashes are stored as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`),
//! which carry their own salt and parameters, so the parameters can be
//! raised later without invalidating existing hashes.
//!
//! Parameters: Argon2id, version 0x13, **m = 19 MiB (19 456 KiB), t = 2,
//! p = 1**, 16-byte random salt, 32-byte output. This is the first
//! configuration recommended by the OWASP Password Storage Cheat Sheet and is
//! also the `argon2` crate's default; it is spelled out here so that a change
//! of library default cannot silently change what we store.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::AuthError;

/// Memory cost in KiB (19 MiB).
pub const M_COST_KIB: u32 = 19 * 1024;
/// Number of passes.
pub const T_COST: u32 = 2;
/// Degree of parallelism (lanes).
pub const P_COST: u32 = 1;

/// Upper bounds on the parameters a stored hash may ask for. A corrupted or
/// hostile PHC string with a huge memory or time cost would otherwise make
/// every login attempt for that account allocate gigabytes or spin for
/// minutes; such a hash is treated as malformed instead.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 16;

fn hasher() -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| AuthError::PasswordHash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with Argon2id (m = 19 MiB, t = 2, p = 1) and a fresh
/// random salt, returning the PHC string to store.
///
/// # Errors
/// [`AuthError::PasswordHash`] if the system RNG fails or the password is
/// longer than Argon2 allows (4 GiB).
pub fn hash(password: &str) -> Result<String, AuthError> {
    let hash = hasher()?
        .hash_password(password.as_bytes())
        .map_err(|e| AuthError::PasswordHash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks `password` against a stored PHC string.
///
/// Returns `false` for a wrong password and also for a malformed hash, a hash
/// of another algorithm than Argon2id, or one whose cost parameters exceed
/// sane bounds (256 MiB, 16 passes, 16 lanes). Never panics. The digest
/// comparison inside `argon2` is constant-time.
#[must_use]
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return false;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash of a random password, made once with the current parameters.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| hash(&crate::random::base32_string(32)).ok())
        .as_deref()
}

/// Spends as long as [`verify`] would on a real account, then forgets the
/// result. Call it when the username is unknown so that "no such user" and
/// "wrong password" take the same time and cannot be told apart.
///
/// The dummy hash is computed on first use (costing one extra hash then);
/// call this once at start-up to warm it if the first login must not be slow.
pub fn verify_unknown_user(password: &str) {
    match dummy_hash() {
        Some(dummy) => {
            std::hint::black_box(verify(password, dummy));
        }
        // Hashing never fails in practice; if it did, still burn one hash.
        None => {
            let _ = std::hint::black_box(hash(password));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn round_trip() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
    }

    #[test]
    fn wrong_password_and_fresh_salt() {
        let a = hash("mật khẩu").unwrap();
        let b = hash("mật khẩu").unwrap();
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("mật khẩu", &b));
        assert!(!verify("mat khau", &a));
        assert!(!verify("", &a));
    }

    #[test]
    fn malformed_hashes_are_false() {
        let good = hash("pw").unwrap();
        let cases = [
            String::new(),
            "not a hash".to_owned(),
            "$argon2id$".to_owned(),
            "$argon2id$v=19$m=19456,t=2,p=1$".to_owned(),
            good[..good.len() - 5].to_owned(),
            good.replace("argon2id", "argon2i"),
            good.replace("argon2id", "scrypt"),
            good.replace("m=19456", "m=4294967295"),
            good.replace("t=2", "t=100000"),
            good.replace("p=1", "p=0"),
            "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234".to_owned(),
            "$argon2id$v=19$m=19456,t=2,p=1$!!!$???".to_owned(),
        ];
        for case in &cases {
            assert!(!verify("pw", case), "accepted {case:?}");
        }
    }

    fn median(mut v: Vec<Duration>) -> Duration {
        v.sort();
        v[v.len() / 2]
    }

    #[test]
    fn unknown_user_takes_as_long_as_a_wrong_password() {
        let real = hash("the real password").unwrap();
        verify_unknown_user("warm up the dummy hash");
        // Interleave the two measurements so drift and load from other tests
        // hit both equally; compare medians; allow a few attempts so a
        // noisy machine does not make the test flaky. A broken
        // implementation (returning at once) is ~1000x off and fails all.
        let mut ratios = Vec::new();
        for _ in 0..3 {
            let mut known = Vec::new();
            let mut unknown = Vec::new();
            for _ in 0..3 {
                let t = Instant::now();
                assert!(!verify("a wrong password", &real));
                known.push(t.elapsed());
                let t = Instant::now();
                verify_unknown_user("a wrong password");
                unknown.push(t.elapsed());
            }
            let ratio = median(unknown).as_secs_f64() / median(known).as_secs_f64();
            if (0.5..=2.0).contains(&ratio) {
                return;
            }
            ratios.push(ratio);
        }
        panic!("unknown-user / real verify time ratios out of 0.5..2: {ratios:?}");
    }
}
