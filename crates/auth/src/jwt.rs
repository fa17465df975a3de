//! JWT access tokens.
//!
//! An access token is a short-lived JWT whose `sub` names a [`Principal`]
//! (`"user:12"` or `"service:3"`). It is signed with one configured
//! [`SigningKey`]:
//!
//! - **HS256** (default): a shared secret of at least 32 bytes; only this
//!   server can verify tokens.
//! - **RS256** or **EdDSA** (Ed25519): a key pair; integrations can verify
//!   tokens with the public key from [`SigningKey::public_key_pem`].
//!
//! [`TokenIssuer::verify`] accepts only the configured algorithm and key (so
//! `alg: none` and the HS256-with-the-RSA-public-key confusion attack fail),
//! requires `exp`, `iss` and `sub`, allows at most [`LEEWAY_SECONDS`] of clock
//! skew, and reports only [`TokenError::Expired`] or [`TokenError::Invalid`].

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::crypto::{rust_crypto, CryptoProvider};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::{random, AuthError};

/// Clock skew tolerated when checking `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

/// Minimum HS256 secret length in bytes (RFC 7518 §3.2: at least the hash
/// output size).
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// Length of the random `jti`, in base32 characters (130 bits).
const JTI_LEN: usize = 26;

/// Who a token speaks for. Encoded in `sub` as `user:{id}` or
/// `service:{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A human user, by user id.
    User(i64),
    /// A service account (an integration), by service-account id.
    ServiceAccount(i64),
}

impl Principal {
    /// The `sub` claim for this principal: `"user:12"` or `"service:3"`.
    #[must_use]
    pub fn to_sub(self) -> String {
        self.to_string()
    }

    /// Parses a `sub` claim. Only the exact forms produced by
    /// [`Principal::to_sub`] are accepted: no `+`, no leading zeros, no
    /// whitespace, no other kinds.
    #[must_use]
    pub fn from_sub(sub: &str) -> Option<Self> {
        let (kind, id) = sub.split_once(':')?;
        let n: i64 = id.parse().ok()?;
        if n.to_string() != id {
            return None;
        }
        match kind {
            "user" => Some(Self::User(n)),
            "service" => Some(Self::ServiceAccount(n)),
            _ => None,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::ServiceAccount(id) => write!(f, "service:{id}"),
        }
    }
}

/// What a JWT is for. Access tokens carry `"kind": "access"`; verification
/// rejects any other or missing kind, so a JWT minted with the same key for
/// another purpose later cannot be replayed as an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A bearer access token for the API.
    Access,
}

/// The claims of an access token. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The principal, see [`Principal::to_sub`].
    pub sub: String,
    /// Issued at.
    pub iat: u64,
    /// Expires at.
    pub exp: u64,
    /// Not valid before (set to `iat` by [`TokenIssuer::issue`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issuer, compared with [`TokenIssuer::issuer`].
    pub iss: String,
    /// Random token id (130 bits), usable for audit logs or a deny-list.
    pub jti: String,
    /// What the token is for; see [`TokenKind`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TokenKind>,
}

/// The key that signs (and verifies) access tokens.
///
/// Key material is validated by [`TokenIssuer::new`], which also checks that
/// the private and public halves of a pair belong together.
#[derive(Debug)]
pub enum SigningKey {
    /// HMAC-SHA-256 with a shared secret of at least 32 bytes. The default.
    Hs256(SecretString),
    /// RSASSA-PKCS1-v1_5 with SHA-256. PEM, PKCS#8 or PKCS#1; at least a
    /// 2048-bit key is expected.
    Rs256 {
        /// Private key PEM (`BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY`).
        private_pem: SecretString,
        /// Public key PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`).
        public_pem: String,
    },
    /// EdDSA with Ed25519. PEM, PKCS#8 private key and SPKI public key.
    EdDsa {
        /// Private key PEM (`BEGIN PRIVATE KEY`).
        private_pem: SecretString,
        /// Public key PEM (`BEGIN PUBLIC KEY`).
        public_pem: String,
    },
}

fn read_secret(path: &Path) -> Result<SecretString, AuthError> {
    let mut text = std::fs::read_to_string(path).map_err(|source| AuthError::KeyFile {
        path: path.to_owned(),
        source,
    })?;
    let secret = SecretString::from(text.trim());
    text.zeroize();
    Ok(secret)
}

fn read_public(path: &Path) -> Result<String, AuthError> {
    std::fs::read_to_string(path).map_err(|source| AuthError::KeyFile {
        path: path.to_owned(),
        source,
    })
}

impl SigningKey {
    /// An HS256 key from a secret string; its UTF-8 bytes are the HMAC key.
    #[must_use]
    pub fn hs256(secret: SecretString) -> Self {
        Self::Hs256(secret)
    }

    /// An HS256 key read from a file. The file's contents with surrounding
    /// whitespace trimmed are the secret, used as raw bytes (not base64
    /// decoded). Generate one with e.g. `openssl rand -base64 48`.
    ///
    /// # Errors
    /// [`AuthError::KeyFile`] if the file cannot be read.
    pub fn hs256_from_file(path: impl AsRef<Path>) -> Result<Self, AuthError> {
        Ok(Self::Hs256(read_secret(path.as_ref())?))
    }

    /// An RS256 key pair read from two PEM files, e.g. made with
    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out private.pem`
    /// and `openssl pkey -in private.pem -pubout -out public.pem`.
    ///
    /// # Errors
    /// [`AuthError::KeyFile`] if a file cannot be read.
    pub fn rs256_from_pem_files(
        private_pem_path: impl AsRef<Path>,
        public_pem_path: impl AsRef<Path>,
    ) -> Result<Self, AuthError> {
        Ok(Self::Rs256 {
            private_pem: read_secret(private_pem_path.as_ref())?,
            public_pem: read_public(public_pem_path.as_ref())?,
        })
    }

    /// An Ed25519 (EdDSA) key pair read from two PEM files, e.g. made with
    /// `openssl genpkey -algorithm ed25519 -out private.pem` and
    /// `openssl pkey -in private.pem -pubout -out public.pem`.
    ///
    /// # Errors
    /// [`AuthError::KeyFile`] if a file cannot be read.
    pub fn ed_dsa_from_pem_files(
        private_pem_path: impl AsRef<Path>,
        public_pem_path: impl AsRef<Path>,
    ) -> Result<Self, AuthError> {
        Ok(Self::EdDsa {
            private_pem: read_secret(private_pem_path.as_ref())?,
            public_pem: read_public(public_pem_path.as_ref())?,
        })
    }

    /// The JWS `alg` name: `"HS256"`, `"RS256"` or `"EdDSA"`.
    #[must_use]
    pub fn algorithm_name(&self) -> &'static str {
        match self {
            Self::Hs256(_) => "HS256",
            Self::Rs256 { .. } => "RS256",
            Self::EdDsa { .. } => "EdDSA",
        }
    }

    /// The public key PEM for integrations to verify tokens with; `None` for
    /// HS256, whose key must never leave the server.
    #[must_use]
    pub fn public_key_pem(&self) -> Option<&str> {
        match self {
            Self::Hs256(_) => None,
            Self::Rs256 { public_pem, .. } | Self::EdDsa { public_pem, .. } => Some(public_pem),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Hs256(_) => Algorithm::HS256,
            Self::Rs256 { .. } => Algorithm::RS256,
            Self::EdDsa { .. } => Algorithm::EdDSA,
        }
    }

    fn jwt_keys(&self) -> Result<(EncodingKey, DecodingKey), AuthError> {
        fn bad(what: &'static str) -> impl Fn(jsonwebtoken::errors::Error) -> AuthError {
            move |e| AuthError::InvalidKey(format!("{what}: {e}"))
        }
        match self {
            Self::Hs256(secret) => {
                let bytes = secret.expose_secret().as_bytes();
                if bytes.len() < MIN_HS256_SECRET_BYTES {
                    return Err(AuthError::InvalidKey(format!(
                        "HS256 secret must be at least {MIN_HS256_SECRET_BYTES} bytes"
                    )));
                }
                Ok((
                    EncodingKey::from_secret(bytes),
                    DecodingKey::from_secret(bytes),
                ))
            }
            Self::Rs256 {
                private_pem,
                public_pem,
            } => Ok((
                EncodingKey::from_rsa_pem(private_pem.expose_secret().as_bytes())
                    .map_err(bad("RS256 private key"))?,
                DecodingKey::from_rsa_pem(public_pem.as_bytes())
                    .map_err(bad("RS256 public key"))?,
            )),
            Self::EdDsa {
                private_pem,
                public_pem,
            } => Ok((
                EncodingKey::from_ed_pem(private_pem.expose_secret().as_bytes())
                    .map_err(bad("Ed25519 private key"))?,
                DecodingKey::from_ed_pem(public_pem.as_bytes())
                    .map_err(bad("Ed25519 public key"))?,
            )),
        }
    }
}

/// Why a token was refused. Deliberately coarse: callers (and clients)
/// learn only whether refreshing could help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token was genuine but has expired; the client should refresh.
    #[error("token expired")]
    Expired,
    /// Anything else: malformed, bad signature, wrong algorithm, key,
    /// issuer, kind or subject, not yet valid.
    #[error("invalid token")]
    Invalid,
}

/// A freshly issued access token.
#[derive(Clone)]
pub struct IssuedToken {
    /// The compact JWT, for the `Authorization: Bearer` header.
    pub token: String,
    /// Lifetime in seconds, for the OAuth-style `expires_in` field.
    pub expires_in_seconds: u64,
    /// The claims inside `token`.
    pub claims: Claims,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"[redacted]")
            .field("expires_in_seconds", &self.expires_in_seconds)
            .field("claims", &self.claims)
            .finish()
    }
}

/// A token that passed [`TokenIssuer::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// Who the token speaks for, parsed from `sub`.
    pub principal: Principal,
    /// All claims of the token.
    pub claims: Claims,
}

/// Issues and verifies access tokens with one key, issuer name and lifetime.
pub struct TokenIssuer {
    key: SigningKey,
    issuer: String,
    ttl: Duration,
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("key", &self.key)
            .field("issuer", &self.issuer)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn unix_now() -> Result<u64, AuthError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| AuthError::Clock)
}

impl TokenIssuer {
    /// Validates the key and settings and prepares signing and verification.
    ///
    /// `issuer` goes into (and is required in) every token's `iss`, e.g. the
    /// public base URL. `ttl` is the access-token lifetime, whole seconds,
    /// at least 1 s (a few minutes is typical; refresh tokens cover the
    /// rest).
    ///
    /// # Errors
    /// [`AuthError::InvalidKey`] if the key does not parse, an HS256 secret
    /// is shorter than 32 bytes, or a private key does not match its public
    /// key; [`AuthError::InvalidConfig`] for an empty issuer or a TTL under
    /// one second.
    pub fn new(
        key: SigningKey,
        issuer: impl Into<String>,
        ttl: Duration,
    ) -> Result<Self, AuthError> {
        // `jsonwebtoken` picks its crypto backend from its cargo features and
        // panics at run time if it cannot (no backend, or both enabled by
        // feature unification elsewhere in the build). Installing the
        // RustCrypto provider explicitly makes that impossible; if another
        // provider was installed first we keep it.
        let _ = CryptoProvider::install_default(&rust_crypto::DEFAULT_PROVIDER);

        let issuer = issuer.into();
        if issuer.is_empty() {
            return Err(AuthError::InvalidConfig("issuer must not be empty"));
        }
        if ttl.as_secs() == 0 {
            return Err(AuthError::InvalidConfig(
                "token lifetime must be at least one second",
            ));
        }
        let algorithm = key.algorithm();
        let (encoding, decoding) = key.jwt_keys()?;

        // Prove the two halves belong together before the first real token.
        let probe = b"auth key pair check";
        let signature = jsonwebtoken::crypto::sign(probe, &encoding, algorithm)
            .map_err(|e| AuthError::InvalidKey(format!("cannot sign with the key: {e}")))?;
        let matches = jsonwebtoken::crypto::verify(&signature, probe, &decoding, algorithm)
            .map_err(|e| AuthError::InvalidKey(format!("cannot verify with the key: {e}")))?;
        if !matches {
            return Err(AuthError::InvalidKey(
                "the private key does not match the public key".to_owned(),
            ));
        }

        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);

        Ok(Self {
            key,
            issuer,
            ttl,
            algorithm,
            encoding,
            decoding,
            validation,
        })
    }

    /// The signing key (for [`SigningKey::public_key_pem`]).
    #[must_use]
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The issuer name put in and required in `iss`.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The access-token lifetime.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues an access token for `principal`, valid from now for the
    /// configured lifetime, with a fresh random `jti`.
    ///
    /// # Errors
    /// [`AuthError::Clock`] if the clock is before 1970,
    /// [`AuthError::Signing`] if signing fails.
    pub fn issue(&self, principal: Principal) -> Result<IssuedToken, AuthError> {
        let now = unix_now()?;
        let ttl = self.ttl.as_secs();
        let claims = Claims {
            sub: principal.to_sub(),
            iat: now,
            exp: now.saturating_add(ttl),
            nbf: Some(now),
            iss: self.issuer.clone(),
            jti: random::base32_string(JTI_LEN),
            kind: Some(TokenKind::Access),
        };
        let token = self.sign(&claims)?;
        Ok(IssuedToken {
            token,
            expires_in_seconds: ttl,
            claims,
        })
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(self.algorithm), claims, &self.encoding)
            .map_err(|_| AuthError::Signing)
    }

    /// Verifies an access token and returns its principal and claims.
    ///
    /// Accepts only tokens signed with this issuer's algorithm and key,
    /// carrying this issuer's `iss`, `kind: "access"`, a well-formed `sub`,
    /// an `exp` no more than [`LEEWAY_SECONDS`] in the past, and `nbf`/`iat`
    /// no more than that in the future. Tokens with an `aud` or a `crit`
    /// header are refused.
    ///
    /// # Errors
    /// [`TokenError::Expired`] for a genuine but expired token,
    /// [`TokenError::Invalid`] for everything else.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        if data.header.alg != self.algorithm || data.header.crit.is_some() {
            return Err(TokenError::Invalid);
        }
        let claims = data.claims;
        if claims.iss != self.issuer || claims.kind != Some(TokenKind::Access) {
            return Err(TokenError::Invalid);
        }
        let now = unix_now().map_err(|_| TokenError::Invalid)?;
        if claims.iat > now.saturating_add(LEEWAY_SECONDS) {
            return Err(TokenError::Invalid);
        }
        let principal = Principal::from_sub(&claims.sub).ok_or(TokenError::Invalid)?;
        Ok(VerifiedToken { principal, claims })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::{json, Value};

    use super::*;

    const ISSUER: &str = "https://ntm.example.gov.vn";
    const TTL: Duration = Duration::from_secs(900);

    fn fixture(name: &str) -> String {
        format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    fn hs(secret: &str) -> TokenIssuer {
        TokenIssuer::new(SigningKey::hs256(secret.into()), ISSUER, TTL).unwrap()
    }

    fn hs_default() -> TokenIssuer {
        hs("an-hs256-test-secret-that-is-long-enough-0123456789")
    }

    fn rs() -> TokenIssuer {
        let key = SigningKey::rs256_from_pem_files(
            fixture("rs256_private.pem"),
            fixture("rs256_public.pem"),
        )
        .unwrap();
        TokenIssuer::new(key, ISSUER, TTL).unwrap()
    }

    fn ed() -> TokenIssuer {
        let key = SigningKey::ed_dsa_from_pem_files(
            fixture("ed25519_private.pem"),
            fixture("ed25519_public.pem"),
        )
        .unwrap();
        TokenIssuer::new(key, ISSUER, TTL).unwrap()
    }

    fn now() -> u64 {
        unix_now().unwrap()
    }

    /// Valid claims as JSON, for tests to mutate and sign.
    fn claims_json(issuer: &TokenIssuer) -> Value {
        serde_json::to_value(issuer.issue(Principal::User(7)).unwrap().claims).unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn split(token: &str) -> (String, String, String) {
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        (parts[0].into(), parts[1].into(), parts[2].into())
    }

    #[test]
    fn principal_sub_round_trip_and_strict_parsing() {
        for p in [
            Principal::User(12),
            Principal::ServiceAccount(3),
            Principal::User(i64::MAX),
            Principal::User(0),
        ] {
            assert_eq!(Principal::from_sub(&p.to_sub()), Some(p));
        }
        assert_eq!(Principal::User(12).to_sub(), "user:12");
        assert_eq!(Principal::ServiceAccount(3).to_sub(), "service:3");
        for bad in [
            "",
            "user",
            "user:",
            ":1",
            "user:+1",
            "user:01",
            "user: 1",
            " user:1",
            "user:1 ",
            "user:1:2",
            "admin:1",
            "User:1",
            "service_account:1",
            "user:1.0",
            "user:x",
            "user:99999999999999999999",
        ] {
            assert_eq!(Principal::from_sub(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn round_trip_each_algorithm() {
        for (issuer, alg, has_public) in [
            (hs_default(), "HS256", false),
            (rs(), "RS256", true),
            (ed(), "EdDSA", true),
        ] {
            assert_eq!(issuer.key().algorithm_name(), alg);
            assert_eq!(issuer.key().public_key_pem().is_some(), has_public);
            for p in [Principal::User(42), Principal::ServiceAccount(9)] {
                let issued = issuer.issue(p).unwrap();
                assert_eq!(issued.expires_in_seconds, 900);
                assert_eq!(issued.claims.exp - issued.claims.iat, 900);
                assert_eq!(issued.claims.iss, ISSUER);
                assert_eq!(issued.claims.kind, Some(TokenKind::Access));
                assert_eq!(issued.claims.jti.len(), JTI_LEN);
                let header: Value = serde_json::from_slice(
                    &URL_SAFE_NO_PAD.decode(split(&issued.token).0).unwrap(),
                )
                .unwrap();
                assert_eq!(header["alg"], alg);
                let verified = issuer.verify(&issued.token).unwrap();
                assert_eq!(verified.principal, p);
                assert_eq!(verified.claims, issued.claims);
            }
        }
    }

    #[test]
    fn jti_is_unique() {
        let issuer = hs_default();
        let a = issuer.issue(Principal::User(1)).unwrap();
        let b = issuer.issue(Principal::User(1)).unwrap();
        assert_ne!(a.claims.jti, b.claims.jti);
        assert_ne!(a.token, b.token);
    }

    #[test]
    fn public_key_can_verify_alone() {
        // What an integration does: verify with only the public PEM.
        for issuer in [rs(), ed()] {
            let issued = issuer.issue(Principal::ServiceAccount(5)).unwrap();
            let pem = issuer.key().public_key_pem().unwrap().as_bytes();
            let (key, alg) = match issuer.key() {
                SigningKey::Rs256 { .. } => {
                    (DecodingKey::from_rsa_pem(pem).unwrap(), Algorithm::RS256)
                }
                _ => (DecodingKey::from_ed_pem(pem).unwrap(), Algorithm::EdDSA),
            };
            let mut v = Validation::new(alg);
            v.set_issuer(&[ISSUER]);
            let data = jsonwebtoken::decode::<Claims>(&issued.token, &key, &v).unwrap();
            assert_eq!(data.claims.sub, "service:5");
        }
    }

    #[test]
    fn expired_token_rejected_as_expired() {
        for issuer in [hs_default(), rs(), ed()] {
            let mut c = claims_json(&issuer);
            c["iat"] = json!(now() - 1000);
            c["nbf"] = json!(now() - 1000);
            c["exp"] = json!(now() - LEEWAY_SECONDS - 5);
            let token = issuer.sign(&c).unwrap();
            assert_eq!(issuer.verify(&token), Err(TokenError::Expired));
        }
    }

    #[test]
    fn leeway_is_at_most_thirty_seconds() {
        let issuer = hs_default();
        let mut c = claims_json(&issuer);
        c["exp"] = json!(now() - 10);
        assert!(issuer.verify(&issuer.sign(&c).unwrap()).is_ok());
        c["exp"] = json!(now() - 31);
        assert_eq!(
            issuer.verify(&issuer.sign(&c).unwrap()),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn expired_token_with_bad_signature_is_invalid_not_expired() {
        let issuer = hs_default();
        let other = hs("another-secret-which-is-also-long-enough-0123456789");
        let mut c = claims_json(&issuer);
        c["exp"] = json!(now() - 3600);
        let token = other.sign(&c).unwrap();
        assert_eq!(issuer.verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn missing_or_malformed_claims_rejected() {
        let issuer = hs_default();
        let base = claims_json(&issuer);
        let mut cases: Vec<Value> = Vec::new();
        for field in ["exp", "iss", "sub", "iat", "jti", "kind"] {
            let mut c = base.clone();
            c.as_object_mut().unwrap().remove(field);
            cases.push(c);
        }
        for (field, value) in [
            ("sub", json!("user:abc")),
            ("sub", json!("admin:1")),
            ("sub", json!("user:007")),
            ("sub", json!("12")),
            ("sub", json!(12)),
            ("exp", json!("tomorrow")),
            ("exp", json!(-1)),
            ("kind", json!("refresh")),
            ("kind", Value::Null),
            ("iss", json!("https://evil.example")),
            ("nbf", json!(now() + 3600)),
            ("iat", json!(now() + 3600)),
            ("aud", json!("someone-else")),
        ] {
            let mut c = base.clone();
            c[field] = value;
            cases.push(c);
        }
        for c in cases {
            let token = issuer.sign(&c).unwrap();
            assert_eq!(issuer.verify(&token), Err(TokenError::Invalid), "{c}");
        }
    }

    #[test]
    fn tampered_payload_rejected() {
        for issuer in [hs_default(), rs(), ed()] {
            let issued = issuer.issue(Principal::User(7)).unwrap();
            let (h, p, s) = split(&issued.token);
            let mut payload: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&p).unwrap()).unwrap();
            payload["sub"] = json!("user:1");
            let forged = format!("{h}.{}.{s}", b64(payload.to_string().as_bytes()));
            assert_eq!(issuer.verify(&forged), Err(TokenError::Invalid));
            // Flip a signature character too.
            let mut sig = s.into_bytes();
            sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
            let forged = format!("{h}.{p}.{}", String::from_utf8(sig).unwrap());
            assert_eq!(issuer.verify(&forged), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn alg_none_rejected() {
        for issuer in [hs_default(), rs(), ed()] {
            let issued = issuer.issue(Principal::User(7)).unwrap();
            let (_, p, s) = split(&issued.token);
            for header in [
                r#"{"alg":"none","typ":"JWT"}"#,
                r#"{"alg":"None","typ":"JWT"}"#,
                r#"{"alg":"NONE"}"#,
                r#"{"typ":"JWT"}"#,
            ] {
                let h = b64(header.as_bytes());
                for token in [
                    format!("{h}.{p}."),
                    format!("{h}.{p}.{s}"),
                    format!("{h}.{p}"),
                ] {
                    assert_eq!(issuer.verify(&token), Err(TokenError::Invalid), "{token}");
                }
            }
        }
    }

    #[test]
    fn garbage_rejected() {
        let issuer = hs_default();
        for token in ["", ".", "..", "a.b.c", "Bearer x", "eyJ.eyJ.x", "\u{0}"] {
            assert_eq!(issuer.verify(token), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn other_secret_rejected() {
        let a = hs_default();
        let b = hs("another-secret-which-is-also-long-enough-0123456789");
        let token = b.issue(Principal::User(7)).unwrap().token;
        assert_eq!(a.verify(&token), Err(TokenError::Invalid));
        assert!(b.verify(&token).is_ok());
    }

    #[test]
    fn other_key_pair_rejected() {
        let rs_other = TokenIssuer::new(
            SigningKey::rs256_from_pem_files(
                fixture("rs256_other_private.pem"),
                fixture("rs256_other_public.pem"),
            )
            .unwrap(),
            ISSUER,
            TTL,
        )
        .unwrap();
        let ed_other = TokenIssuer::new(
            SigningKey::ed_dsa_from_pem_files(
                fixture("ed25519_other_private.pem"),
                fixture("ed25519_other_public.pem"),
            )
            .unwrap(),
            ISSUER,
            TTL,
        )
        .unwrap();
        let token = rs_other.issue(Principal::User(1)).unwrap().token;
        assert_eq!(rs().verify(&token), Err(TokenError::Invalid));
        let token = ed_other.issue(Principal::User(1)).unwrap().token;
        assert_eq!(ed().verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn algorithm_confusion_rejected() {
        let rs = rs();
        let ed = ed();
        let hs = hs_default();

        // The classic attack: HS256 keyed with the RSA public key PEM.
        for asym in [&rs, &ed] {
            let public = asym.key().public_key_pem().unwrap();
            let key = EncodingKey::from_secret(public.as_bytes());
            let forged =
                jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims_json(asym), &key)
                    .unwrap();
            assert_eq!(asym.verify(&forged), Err(TokenError::Invalid));
            // And keyed with the public key's DER bytes.
            let der: String = public.lines().filter(|l| !l.starts_with("-----")).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(der)
                .unwrap();
            let forged = jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims_json(asym),
                &EncodingKey::from_secret(&der),
            )
            .unwrap();
            assert_eq!(asym.verify(&forged), Err(TokenError::Invalid));
        }

        // Genuine tokens of one algorithm presented to an issuer of another.
        let hs_token = hs.issue(Principal::User(1)).unwrap().token;
        let rs_token = rs.issue(Principal::User(1)).unwrap().token;
        let ed_token = ed.issue(Principal::User(1)).unwrap().token;
        assert_eq!(rs.verify(&hs_token), Err(TokenError::Invalid));
        assert_eq!(ed.verify(&hs_token), Err(TokenError::Invalid));
        assert_eq!(hs.verify(&rs_token), Err(TokenError::Invalid));
        assert_eq!(hs.verify(&ed_token), Err(TokenError::Invalid));
        assert_eq!(rs.verify(&ed_token), Err(TokenError::Invalid));
        assert_eq!(ed.verify(&rs_token), Err(TokenError::Invalid));

        // RS512/PS256 with the same RSA key is still not RS256.
        let SigningKey::Rs256 { private_pem, .. } = rs.key() else {
            unreachable!()
        };
        let key = EncodingKey::from_rsa_pem(private_pem.expose_secret().as_bytes()).unwrap();
        for alg in [Algorithm::RS512, Algorithm::PS256] {
            let token = jsonwebtoken::encode(&Header::new(alg), &claims_json(&rs), &key).unwrap();
            assert_eq!(rs.verify(&token), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn wrong_issuer_rejected() {
        let secret = "an-hs256-test-secret-that-is-long-enough-0123456789";
        let a = hs(secret);
        let b = TokenIssuer::new(
            SigningKey::hs256(secret.into()),
            "https://other.example",
            TTL,
        )
        .unwrap();
        let token = b.issue(Principal::User(7)).unwrap().token;
        assert_eq!(a.verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn crit_header_rejected() {
        let issuer = hs_default();
        let mut header = Header::new(Algorithm::HS256);
        header.crit = Some(vec!["exp".to_owned()]);
        let token = jsonwebtoken::encode(&header, &claims_json(&issuer), &issuer.encoding).unwrap();
        assert_eq!(issuer.verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn bad_configuration_rejected() {
        assert!(matches!(
            TokenIssuer::new(SigningKey::hs256("short".into()), ISSUER, TTL),
            Err(AuthError::InvalidKey(_))
        ));
        assert!(matches!(
            TokenIssuer::new(SigningKey::hs256("x".repeat(32).into()), "", TTL),
            Err(AuthError::InvalidConfig(_))
        ));
        assert!(matches!(
            TokenIssuer::new(
                SigningKey::hs256("x".repeat(32).into()),
                ISSUER,
                Duration::from_millis(500)
            ),
            Err(AuthError::InvalidConfig(_))
        ));
        // Mismatched halves.
        let mismatched = SigningKey::rs256_from_pem_files(
            fixture("rs256_private.pem"),
            fixture("rs256_other_public.pem"),
        )
        .unwrap();
        assert!(matches!(
            TokenIssuer::new(mismatched, ISSUER, TTL),
            Err(AuthError::InvalidKey(_))
        ));
        let mismatched = SigningKey::ed_dsa_from_pem_files(
            fixture("ed25519_private.pem"),
            fixture("ed25519_other_public.pem"),
        )
        .unwrap();
        assert!(matches!(
            TokenIssuer::new(mismatched, ISSUER, TTL),
            Err(AuthError::InvalidKey(_))
        ));
        // Wrong key types.
        let swapped = SigningKey::rs256_from_pem_files(
            fixture("ed25519_private.pem"),
            fixture("ed25519_public.pem"),
        )
        .unwrap();
        assert!(matches!(
            TokenIssuer::new(swapped, ISSUER, TTL),
            Err(AuthError::InvalidKey(_))
        ));
        let swapped = SigningKey::ed_dsa_from_pem_files(
            fixture("rs256_private.pem"),
            fixture("rs256_public.pem"),
        )
        .unwrap();
        assert!(matches!(
            TokenIssuer::new(swapped, ISSUER, TTL),
            Err(AuthError::InvalidKey(_))
        ));
        let garbage = SigningKey::Rs256 {
            private_pem: "not a pem".into(),
            public_pem: "not a pem".to_owned(),
        };
        assert!(matches!(
            TokenIssuer::new(garbage, ISSUER, TTL),
            Err(AuthError::InvalidKey(_))
        ));
    }

    #[test]
    fn key_files() {
        let key = SigningKey::hs256_from_file(fixture("hs256_secret.txt")).unwrap();
        let SigningKey::Hs256(secret) = &key else {
            unreachable!()
        };
        assert!(!secret.expose_secret().ends_with('\n'));
        assert!(key.public_key_pem().is_none());
        let issuer = TokenIssuer::new(key, ISSUER, TTL).unwrap();
        let token = issuer.issue(Principal::User(3)).unwrap().token;
        assert!(issuer.verify(&token).is_ok());

        assert!(matches!(
            SigningKey::hs256_from_file(fixture("does_not_exist")),
            Err(AuthError::KeyFile { .. })
        ));
        assert!(matches!(
            SigningKey::rs256_from_pem_files(fixture("rs256_private.pem"), fixture("nope.pem")),
            Err(AuthError::KeyFile { .. })
        ));
        let pem = rs().key().public_key_pem().unwrap().to_owned();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let secret = "an-hs256-test-secret-that-is-long-enough-0123456789";
        let issuer = hs(secret);
        let issued = issuer.issue(Principal::User(1)).unwrap();
        assert!(!format!("{issuer:?}").contains(secret));
        assert!(!format!("{issued:?}").contains(&issued.token));
        let rs = rs();
        let SigningKey::Rs256 { private_pem, .. } = rs.key() else {
            unreachable!()
        };
        let body = private_pem
            .expose_secret()
            .lines()
            .nth(1)
            .unwrap()
            .to_owned();
        assert!(!format!("{rs:?}").contains(&body));
    }
}
