//! Access tokens: compact JWS (JWT) signed with HMAC-SHA256.
//!
//! Any liaison instance holding the same keys verifies any other's tokens.
//! Each token names its key in the header (`kid`), so that a key can be
//! rotated without downtime: the new key signs, and the one it replaced
//! still verifies the tokens it signed until they have expired (see
//! [`TokenKeys`] and `auth::keys`, where the keys are kept).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The header of tokens from before tokens named their key.
const LEGACY_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
pub const ISSUER: &str = "liaison";

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The client id.
    pub sub: String,
    /// The tenant id.
    pub tid: String,
    /// Space-separated scopes.
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// One signing key and its id. The id is derived from the key (a truncated
/// SHA-256 of it, which tells nothing of the key that its signatures do not
/// already), so every instance holding the key names it alike.
#[derive(Clone)]
pub struct TokenKey {
    key: Vec<u8>,
    kid: String,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenKey({})", self.kid)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's signature is invalid (or its key is no longer accepted)")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
}

/// The header fields a token of ours may have.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    #[allow(dead_code)]
    alg: String,
    #[allow(dead_code)]
    typ: String,
    kid: Option<String>,
}

impl TokenKey {
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        let key = key.into();
        let digest = Sha256::new_with_prefix(b"liaison token key id\0")
            .chain_update(&key)
            .finalize();
        let kid = URL_SAFE_NO_PAD.encode(&digest[..9]);
        Self { key, kid }
    }

    /// The key's id, as tokens it signs name it.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    fn header(&self) -> String {
        format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{}"}}"#, self.kid)
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(self.header()),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The claims of `token` when this key signed it (see [`TokenKeys::verify`]).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        TokenKeys::new(self.clone()).verify(token, now)
    }
}

/// The keys an instance holds: the current one, which signs, and retired
/// ones, each accepted until a time (Unix seconds) after which no token it
/// signed can still be valid.
#[derive(Clone, Debug)]
pub struct TokenKeys {
    current: TokenKey,
    retired: Vec<(TokenKey, i64)>,
}

impl TokenKeys {
    pub fn new(current: TokenKey) -> Self {
        Self {
            current,
            retired: Vec::new(),
        }
    }

    /// These keys, and `key` accepted until `until` (Unix seconds).
    pub fn with_retired(mut self, key: TokenKey, until: i64) -> Self {
        self.retired.push((key, until));
        self
    }

    /// The key that signs.
    pub fn current(&self) -> &TokenKey {
        &self.current
    }

    pub fn sign(&self, claims: &Claims) -> String {
        self.current.sign(claims)
    }

    /// The keys that verify at `now`: the current one, then retired ones
    /// whose grace has not ended.
    fn accepted(&self, now: i64) -> impl Iterator<Item = &TokenKey> {
        std::iter::once(&self.current).chain(
            self.retired
                .iter()
                .filter(move |(_, until)| now < *until)
                .map(|(key, _)| key),
        )
    }

    /// The claims of `token` when one of the keys accepted at `now` (Unix
    /// seconds) signed it, its header is ours and it has not expired. A
    /// token naming a key (`kid`) is checked against that key only; one from
    /// before tokens named their key against each accepted key.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, payload) = signing_input.split_once('.').ok_or(TokenError::Malformed)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
        let header = URL_SAFE_NO_PAD.decode(header).map_err(|_| TokenError::Malformed)?;
        let kid = serde_json::from_slice::<Header>(&header)
            .map_err(|_| TokenError::Malformed)?
            .kid;
        let signed = |key: &TokenKey| {
            let mut mac = key.mac();
            mac.update(signing_input.as_bytes());
            mac.verify_slice(&signature).is_ok()
        };
        let key = self
            .accepted(now)
            .filter(|key| kid.as_deref().is_none_or(|kid| kid == key.kid))
            .find(|key| signed(key))
            .ok_or(TokenError::BadSignature)?;
        // Only after the signature holds: the header must be exactly ours (no alg games).
        let expected = match kid {
            Some(_) => key.header(),
            None => LEGACY_HEADER.to_string(),
        };
        if header != expected.as_bytes() {
            return Err(TokenError::Malformed);
        }
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if claims.iss != ISSUER {
            return Err(TokenError::Malformed);
        }
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Claims of a test token expiring at `exp`.
    pub(crate) fn claims(exp: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: "c".into(),
            tid: "t".into(),
            scope: "setup.read".into(),
            iat: 0,
            exp,
            jti: "j".into(),
        }
    }

    /// A token as liaison signed them before tokens named their key.
    fn legacy_token(key: &[u8], claims: &Claims) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(LEGACY_HEADER),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("json"))
        );
        let mut mac = HmacSha256::new_from_slice(key).expect("any length");
        mac.update(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn tokens_verify_with_the_same_key_only() {
        let key = TokenKey::new(b"0123456789abcdef0123456789abcdef".to_vec());
        let token = key.sign(&claims(100));
        assert_eq!(key.verify(&token, 50), Ok(claims(100)));
        assert_eq!(key.verify(&token, 100), Err(TokenError::Expired));
        let other = TokenKey::new(b"another key".to_vec());
        assert_eq!(other.verify(&token, 50), Err(TokenError::BadSignature));
        let mut tampered = token.clone();
        tampered.insert(token.find('.').expect("dot") + 2, 'x');
        assert!(key.verify(&tampered, 50).is_err());
        assert_eq!(key.verify("abc", 50), Err(TokenError::Malformed));
    }

    #[test]
    fn tokens_name_their_key_and_the_id_follows_from_the_key() {
        let key = TokenKey::new(b"0123456789abcdef0123456789abcdef".to_vec());
        let token = key.sign(&claims(100));
        let header = token.split('.').next().expect("header");
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64")).expect("json");
        assert_eq!(header["kid"], key.kid());
        assert_eq!(header["alg"], "HS256");
        assert_eq!(
            TokenKey::new(b"0123456789abcdef0123456789abcdef".to_vec()).kid(),
            key.kid()
        );
        assert_ne!(TokenKey::new(b"another".to_vec()).kid(), key.kid());
    }

    #[test]
    fn a_retired_key_verifies_until_its_grace_ends() {
        let old = TokenKey::new(b"old key, old key, old key, old key!".to_vec());
        let new = TokenKey::new(b"new key, new key, new key, new key!".to_vec());
        let keys = TokenKeys::new(new.clone()).with_retired(old.clone(), 1000);
        let by_old = old.sign(&claims(5000));
        assert_eq!(keys.verify(&by_old, 999), Ok(claims(5000)));
        assert_eq!(keys.verify(&by_old, 1000), Err(TokenError::BadSignature));
        assert_eq!(keys.verify(&new.sign(&claims(5000)), 4000), Ok(claims(5000)));
        assert_eq!(keys.sign(&claims(5000)), new.sign(&claims(5000)));
        // A token naming one key is not checked against another.
        let forged_kid = by_old.replacen(
            by_old.split('.').next().expect("header"),
            &URL_SAFE_NO_PAD.encode(new.header()),
            1,
        );
        assert_eq!(keys.verify(&forged_kid, 10), Err(TokenError::BadSignature));
    }

    #[test]
    fn tokens_from_before_key_ids_verify_with_any_accepted_key() {
        let old = TokenKey::new(b"old key, old key, old key, old key!".to_vec());
        let new = TokenKey::new(b"new key, new key, new key, new key!".to_vec());
        let keys = TokenKeys::new(new).with_retired(old, 1000);
        let token = legacy_token(b"old key, old key, old key, old key!", &claims(5000));
        assert_eq!(keys.verify(&token, 10), Ok(claims(5000)));
        assert_eq!(keys.verify(&token, 1000), Err(TokenError::BadSignature));
        let other = legacy_token(b"never held", &claims(5000));
        assert_eq!(keys.verify(&other, 10), Err(TokenError::BadSignature));
    }

    #[test]
    fn headers_other_than_ours_are_refused() {
        let key = TokenKey::new(b"0123456789abcdef0123456789abcdef".to_vec());
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#.to_string(),
            format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{}","jku":"x"}}"#, key.kid()),
            format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{}"}}"#, key.kid()),
        ] {
            let signing_input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(&header),
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(100)).expect("json"))
            );
            let mut mac = key.mac();
            mac.update(signing_input.as_bytes());
            let token = format!(
                "{signing_input}.{}",
                URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
            );
            assert!(key.verify(&token, 10).is_err(), "{header}");
        }
    }
}
