//! Small helpers around the cryptographically secure thread RNG.

use rand::RngCore;

/// Lower-case RFC 4648 base32 alphabet: no `_`, `-`, padding or look-alike
/// upper-case letters, so tokens survive copy and paste and double-click
/// selection.
pub(crate) const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Returns `len` characters drawn uniformly from [`ALPHABET`] using the
/// thread-local CSPRNG (ChaCha, seeded from the OS). Each character carries
/// exactly 5 bits of entropy: 256 is a multiple of 32, so masking a random
/// byte has no modulo bias.
pub(crate) fn base32_string(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect()
}

/// Returns true when every byte of `s` is in [`ALPHABET`].
pub(crate) fn is_base32(s: &str) -> bool {
    s.bytes().all(|b| ALPHABET.contains(&b))
}
