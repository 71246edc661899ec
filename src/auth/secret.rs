//! Secrets: generated with the OS's CSPRNG, stored only as hashes.
//!
//! Client secrets and API keys are 256-bit random values that liaison
//! generates: no dictionary or brute-force attack can reach them, so a slow
//! password hash buys nothing and costs a great deal (Argon2id took ~19 MiB
//! and tens of milliseconds per check, on an endpoint open to anyone). Both
//! are stored as SHA-256, hex, and compared in constant time.
//!
//! Client secrets stored before were Argon2id PHC strings (`$argon2id$...`).
//! Those still verify, at most [`LEGACY_PERMITS`] at once and always in the
//! same few preallocated buffers, so memory stays bounded under any load;
//! the token endpoint rewrites such a hash as SHA-256 once its secret has
//! been presented.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `bytes` random bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// The stored form of a client secret: its SHA-256, hex. (Never fails; the
/// `Result` is the signature callers have always used.)
pub fn hash_secret(secret: &str) -> Result<String, std::convert::Infallible> {
    Ok(sha256_hex(secret))
}

/// Whether a stored client secret hash is an Argon2id PHC string from
/// before secrets were stored as SHA-256.
pub fn is_legacy(hash: &str) -> bool {
    hash.starts_with("$argon2")
}

/// Whether `secret` matches the stored `hash`, SHA-256 or legacy Argon2id.
/// The token endpoint verifies legacy hashes through [`LegacyVerifier`].
pub fn verify_secret(secret: &str, hash: &str) -> bool {
    if is_legacy(hash) {
        PasswordHash::new(hash)
            .map(|parsed| Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    } else {
        verify_sha256(secret, hash)
    }
}

/// Whether `secret` matches a SHA-256 hash, in time independent of where
/// they differ.
pub fn verify_sha256(secret: &str, hash: &str) -> bool {
    sha256_hex(secret).as_bytes().ct_eq(hash.as_bytes()).into()
}

/// A hash to verify against when no client matched, so that an unknown
/// client id costs the same as a wrong secret.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| sha256_hex(&random_token(32)));
    &DECOY
}

/// The SHA-256 of an API key, hex.
pub fn hash_api_key(key: &str) -> String {
    sha256_hex(key)
}

fn sha256_hex(text: &str) -> String {
    crate::domain::text::hex(&Sha256::digest(text.as_bytes()))
}

/// Legacy Argon2id checks that may run at once; each holds one buffer of
/// the hash's memory cost (19 MiB with the defaults used) for good.
pub const LEGACY_PERMITS: usize = 2;

/// The largest Argon2 memory cost verified, in KiB; a stored hash asking
/// for more is treated as not matching rather than allowed to allocate.
const LEGACY_MAX_KIB: u32 = 64 * 1024;

/// Why a legacy check did not run.
#[derive(Debug, thiserror::Error)]
pub enum LegacyError {
    #[error("too many secret checks at once; retry shortly")]
    Busy,
    #[error("the secret check failed: {0}")]
    Failed(String),
}

/// Verifies legacy Argon2id hashes, [`LEGACY_PERMITS`] at a time, in
/// buffers kept for reuse: hashing allocates nothing, so the allocator
/// cannot be left holding a fresh 19 MiB per thread that ever hashed.
#[derive(Debug, Clone)]
pub struct LegacyVerifier {
    permits: Arc<tokio::sync::Semaphore>,
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Default for LegacyVerifier {
    fn default() -> Self {
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(LEGACY_PERMITS)),
            buffers: Arc::default(),
        }
    }
}

impl LegacyVerifier {
    /// Whether `secret` matches the Argon2id PHC string `hash`. A caller
    /// waiting over 10 s for a turn is told to come back.
    pub async fn verify(&self, secret: String, hash: String) -> Result<bool, LegacyError> {
        let permit = tokio::time::timeout(Duration::from_secs(10), self.permits.clone().acquire_owned())
            .await
            .map_err(|_| LegacyError::Busy)?
            .map_err(|e| LegacyError::Failed(e.to_string()))?;
        let buffers = self.buffers.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut memory = take(&buffers).pop().unwrap_or_default();
            let matches = verify_argon2(&secret, &hash, &mut memory);
            take(&buffers).push(memory);
            matches
        })
        .await
        .map_err(|e| LegacyError::Failed(e.to_string()))
    }
}

fn take(buffers: &Mutex<Vec<Vec<Block>>>) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
    buffers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Argon2 verification of a PHC string in `memory` (grown as needed, kept).
fn verify_argon2(secret: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Some(expected), Some(salt)) = (Algorithm::try_from(parsed.algorithm), parsed.hash, parsed.salt)
    else {
        return false;
    };
    let version = parsed.version.map_or(Ok(Version::default()), Version::try_from);
    let (Ok(version), Ok(params)) = (version, Params::try_from(&parsed)) else {
        return false;
    };
    if params.m_cost() > LEGACY_MAX_KIB {
        tracing::warn!(
            m_cost = params.m_cost(),
            "a stored secret hash asks for too much memory"
        );
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    memory.resize(params.block_count(), Block::default());
    let mut output = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(secret.as_bytes(), salt, &mut output, &mut memory[..])
        .is_ok()
        && output.as_slice().ct_eq(expected.as_bytes()).into()
}

/// An Argon2id PHC string as client secrets were stored before; for tests
/// of the upgrade path.
pub fn legacy_hash(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(secret.as_bytes(), &salt)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_verify_only_against_their_hash() {
        let hash = hash_secret("s3cret").unwrap_or_default();
        assert_eq!(hash.len(), 64);
        assert!(!is_legacy(&hash));
        assert!(verify_secret("s3cret", &hash));
        assert!(!verify_secret("s3cret!", &hash));
        assert!(!verify_secret("s3cret", "not a hash"));
        assert!(!verify_secret("s3cret", decoy_hash()));
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(hash_api_key("k").len(), 64);
    }

    #[tokio::test]
    async fn legacy_argon2id_hashes_still_verify_in_reused_memory() {
        let hash = legacy_hash("s3cret").expect("hash");
        assert!(is_legacy(&hash));
        assert!(verify_secret("s3cret", &hash));
        let verifier = LegacyVerifier::default();
        assert!(verifier.verify("s3cret".into(), hash.clone()).await.expect("checked"));
        assert!(!verifier.verify("s3cret!".into(), hash.clone()).await.expect("checked"));
        assert!(
            !verifier
                .verify("s3cret".into(), "$argon2id$garbage".into())
                .await
                .expect("checked")
        );
        let kept = take(&verifier.buffers).len();
        assert!((1..=LEGACY_PERMITS).contains(&kept), "{kept} buffers kept");
    }
}
