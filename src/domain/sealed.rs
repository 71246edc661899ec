//! Sealing: what must be kept but never shown again (a webhook's signing
//! secret, an answer kept for an `Idempotency-Key`, which may hold one) is
//! encrypted with ChaCha20-Poly1305 under a key kept like the token signing
//! keys, outside the database (`auth::keys`), and bound to what it belongs
//! to (sealed for one row, it does not open for another).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand_core::{OsRng, RngCore};

/// How a sealed text begins (the sealing's version).
pub const SEALED: &str = "v1.";

/// Seals and opens texts under one key.
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

    /// `secret`, sealed for what `binding` names.
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

    /// The text `sealed` holds, if it was sealed by this key for `binding`.
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
    fn a_sealed_secret_opens_only_for_its_row_and_key() {
        let sealer = Sealer::new(&[7; 32]);
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let sealed = sealer.seal("tenant/row", secret);
        assert!(!sealed.contains(&secret["whsec_".len()..]));
        assert_eq!(sealer.open("tenant/row", &sealed).as_deref(), Some(secret));
        assert_eq!(sealer.open("tenant/other", &sealed), None);
        assert_eq!(Sealer::new(&[8; 32]).open("tenant/row", &sealed), None);
        assert_eq!(sealer.open("tenant/row", "v1.AAAA"), None);
    }
}
