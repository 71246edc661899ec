//! A subscription's signing secret: made once, shown once, kept sealed.
//!
//! The secret is `whsec_` and the base64 of 32 random bytes, as the
//! Standard Webhooks specification writes it; those bytes are the HMAC
//! key. At rest it is sealed with ChaCha20-Poly1305 under a key kept like
//! the token signing keys (outside the database: `auth::keys`), bound to
//! its tenant and subscription (a sealed secret copied to another row does
//! not open).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// How a signing secret begins.
pub const PREFIX: &str = "whsec_";
/// How a sealed secret begins (the sealing's version).
const SEALED: &str = "v1.";

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` of a message: `v1,` + base64 of the
/// HMAC-SHA256 of `id.timestamp.body` under the secret's bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix(PREFIX).unwrap_or(secret))
        .unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Seals and opens signing secrets under one key.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(key)),
        }
    }

    /// `secret`, sealed for the row `binding` names.
    pub fn seal(&self, binding: &str, secret: &str) -> String {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: binding.as_bytes(),
        };
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("ChaCha20-Poly1305 seals any secret of this size");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{SEALED}{}", STANDARD.encode(bytes))
    }

    /// The secret `sealed` holds, if it was sealed by this key for `binding`.
    pub fn open(&self, binding: &str, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed.strip_prefix(SEALED)?).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(12);
        let payload = Payload {
            msg: sealed,
            aad: binding.as_bytes(),
        };
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), payload).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        // The example of the Standard Webhooks reference libraries.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_32_random_bytes_after_the_prefix() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        let bytes = STANDARD
            .decode(a.strip_prefix(PREFIX).expect("prefix"))
            .expect("base64");
        assert_eq!(bytes.len(), 32);
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_row_and_key() {
        let sealer = Sealer::new(&[7; 32]);
        let secret = generate();
        let sealed = sealer.seal("tenant/row", &secret);
        assert!(!sealed.contains(&secret[PREFIX.len()..]));
        assert_eq!(sealer.open("tenant/row", &sealed).as_deref(), Some(secret.as_str()));
        assert_eq!(sealer.open("tenant/other", &sealed), None);
        assert_eq!(Sealer::new(&[8; 32]).open("tenant/row", &sealed), None);
        assert_eq!(sealer.open("tenant/row", "v1.AAAA"), None);
    }
}
