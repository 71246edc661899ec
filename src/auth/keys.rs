//! Where the token signing keys are kept: a key file, outside the database,
//! private to its owner (created 0600), or a key given in the configuration.
//!
//! The key file is a small JSON document: the current key, which signs, and
//! the previous ones with the time each was retired. A retired key still
//! verifies for one token lifetime after it was retired (plus
//! [`GRACE_SLACK`]), since no token it signed can outlive that; after that,
//! its tokens are refused. `liaison keys rotate` retires the current key
//! and makes a new one ([`KeyFile::rotate`]); running instances read the
//! file again when it changes (checked at most once every [`RELOAD_EVERY`]),
//! so a rotation needs no restart.
//!
//! ```json
//! {
//!   "current": {"kid": "…", "key": "…", "created": "2026-12-07T07:00:00Z"},
//!   "previous": [{"kid": "…", "key": "…", "created": "…", "retired": "2026-12-07T07:00:00Z"}]
//! }
//! ```

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::auth::secret::random_token;
use crate::auth::token::{Claims, TokenError, TokenKey, TokenKeys};

/// How often an instance looks whether its key file changed.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// Seconds a retired key is accepted beyond one token lifetime: for clocks
/// that differ between machines and for instances that have not yet read
/// the rotated file (and still sign with the retired key meanwhile).
pub const GRACE_SLACK: i64 = 60;

/// Retired keys are dropped from the file once no token lifetime allowed
/// (at most a day: see `--token-ttl`) could still need them.
const KEEP_RETIRED: i64 = 86_400 + GRACE_SLACK;

/// The mode of every file liaison creates that holds data or keys.
pub const PRIVATE_MODE: u32 = 0o600;

/// One key as the file keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredKey {
    /// The key's id (as tokens name it), for people reading the file: the
    /// id is derived from the key, and a mismatch refuses the file.
    kid: String,
    /// The key: its UTF-8 bytes are the HMAC key.
    key: String,
    created: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retired: Option<DateTime<Utc>>,
}

impl StoredKey {
    fn new(key: String, created: DateTime<Utc>) -> Self {
        Self {
            kid: TokenKey::new(key.as_bytes()).kid().to_string(),
            key,
            created,
            retired: None,
        }
    }

    fn token_key(&self) -> TokenKey {
        TokenKey::new(self.key.as_bytes())
    }
}

/// The contents of a key file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    current: StoredKey,
    #[serde(default)]
    previous: Vec<StoredKey>,
    /// The key that seals webhook signing secrets (`webhooks::secret`):
    /// never rotated, as the secrets it sealed must stay readable. Added
    /// to a file that has none when an instance starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealing: Option<String>,
}

impl KeyFile {
    /// A file of one new random key.
    pub fn generate(now: DateTime<Utc>) -> Self {
        Self::adopt(random_token(32), now)
    }

    /// A file whose current key is `key` (one found where it was kept before).
    pub fn adopt(key: String, now: DateTime<Utc>) -> Self {
        Self {
            current: StoredKey::new(key, now),
            previous: Vec::new(),
            sealing: Some(random_token(32)),
        }
    }

    /// The key that seals webhook signing secrets (the file's `sealing`).
    pub fn sealing_key(&self) -> Option<[u8; 32]> {
        self.sealing.as_deref().map(|key| Sha256::digest(key.as_bytes()).into())
    }

    /// The current key's id.
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }

    /// The retired keys' ids and when each was retired, newest first.
    pub fn retired(&self) -> impl Iterator<Item = (&str, Option<DateTime<Utc>>)> {
        self.previous.iter().map(|k| (k.kid.as_str(), k.retired))
    }

    /// Whether `key` is one of this file's keys.
    pub fn holds(&self, key: &str) -> bool {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|k| k.key == key)
    }

    /// A new current key; the current one retired at `now`; retired keys
    /// no token could need any more dropped.
    pub fn rotate(self, now: DateTime<Utc>) -> Self {
        self.rotate_to(random_token(32), now)
    }

    fn rotate_to(self, key: String, now: DateTime<Utc>) -> Self {
        let mut previous = vec![StoredKey {
            retired: Some(now),
            ..self.current
        }];
        previous.extend(
            self.previous
                .into_iter()
                .filter(|k| k.retired.is_some_and(|r| (now - r).num_seconds() < KEEP_RETIRED)),
        );
        Self {
            current: StoredKey::new(key, now),
            previous,
            sealing: self.sealing,
        }
    }

    /// This file with `key` added as retired at `now` (a key found where it
    /// was kept before, when the file already had another).
    pub fn with_retired(mut self, key: String, now: DateTime<Utc>) -> Self {
        if !self.holds(&key) {
            self.previous.insert(
                0,
                StoredKey {
                    retired: Some(now),
                    ..StoredKey::new(key, now)
                },
            );
        }
        self
    }

    /// The keys to sign and verify with, when tokens live `token_ttl` seconds.
    pub fn keys(&self, token_ttl: i64) -> TokenKeys {
        self.previous
            .iter()
            .fold(TokenKeys::new(self.current.token_key()), |keys, k| match k.retired {
                Some(retired) => keys.with_retired(k.token_key(), retired.timestamp() + token_ttl + GRACE_SLACK),
                None => keys,
            })
    }

    /// Reads and checks the key file at `path`.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the key file {}", path.display()))?;
        let file: KeyFile = serde_json::from_str(&text)
            .with_context(|| format!("the key file {} is not a liaison key file", path.display()))?;
        for key in std::iter::once(&file.current).chain(&file.previous) {
            if key.key.len() < 32 {
                bail!("the key file {} holds a key shorter than 32 bytes", path.display());
            }
            if key.token_key().kid() != key.kid {
                bail!(
                    "the key file {} is damaged: key {} does not match its id",
                    path.display(),
                    key.kid
                );
            }
        }
        Ok(file)
    }

    /// Writes this file at `path` (0600) unless one exists there; `false`
    /// when one did. The file appears whole or not at all.
    pub fn create(&self, path: &Path) -> anyhow::Result<bool> {
        let temporary = self.write_temporary(path)?;
        let linked = std::fs::hard_link(&temporary, path);
        let _ = std::fs::remove_file(&temporary);
        match linked {
            Ok(()) => {
                sync_folder(path);
                Ok(true)
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(err) => Err(err).with_context(|| format!("cannot create the key file {}", path.display())),
        }
    }

    /// Replaces the file at `path` with this one (0600), at once.
    pub fn replace(&self, path: &Path) -> anyhow::Result<()> {
        let temporary = self.write_temporary(path)?;
        if let Err(err) = std::fs::rename(&temporary, path) {
            let _ = std::fs::remove_file(&temporary);
            return Err(err).with_context(|| format!("cannot replace the key file {}", path.display()));
        }
        sync_folder(path);
        Ok(())
    }

    /// This file written, durably and 0600, beside `path` under a name of its own.
    fn write_temporary(&self, path: &Path) -> anyhow::Result<PathBuf> {
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the key file's folder {}", folder.display()))?;
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let temporary = folder.join(format!(".{name}.{}.tmp", random_token(6)));
        let mut text = serde_json::to_string_pretty(self).context("cannot encode the key file")?;
        text.push('\n');
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_MODE)
            .open(&temporary)
            .and_then(|mut file| {
                file.write_all(text.as_bytes())?;
                file.sync_all()
            });
        if let Err(err) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(err).with_context(|| format!("cannot write the key file {}", path.display()));
        }
        Ok(temporary)
    }
}

/// Makes a rename or link in `path`'s folder durable (best effort).
fn sync_folder(path: &Path) {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(folder) = std::fs::File::open(folder) {
        let _ = folder.sync_all();
    }
}

/// The key file at `path`, created with a new key when missing. A key found
/// where it was kept before (`adopt`) becomes the new file's key, or joins
/// an existing file as retired now (so that its tokens live out their time).
pub fn ensure(path: &Path, adopt: Option<String>) -> anyhow::Result<KeyFile> {
    let now = Utc::now();
    if !path.exists() {
        let fresh = match adopt.clone() {
            Some(key) => KeyFile::adopt(key, now),
            None => KeyFile::generate(now),
        };
        if fresh.create(path)? {
            tracing::info!(path = %path.display(), kid = fresh.current_kid(), "token key file created");
            return Ok(fresh);
        }
    }
    let mut file = KeyFile::read(path)?;
    warn_when_shared(path);
    if file.sealing.is_none() {
        file.sealing = Some(random_token(32));
        file.replace(path)?;
        tracing::info!(path = %path.display(), "a key that seals webhook secrets added to the token key file");
        // Another instance may have added one at the same time: the file's is the one.
        file = KeyFile::read(path)?;
    }
    match adopt {
        Some(key) if !file.holds(&key) => {
            let file = file.with_retired(key, now);
            file.replace(path)?;
            Ok(file)
        }
        _ => Ok(file),
    }
}

/// Logs a warning when others than the owner may read the key file.
fn warn_when_shared(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "the token key file is readable by others than its owner: chmod 600 it"
            );
        }
    }
}

/// What identifies a version of a file: a rotation replaces it by another
/// (a new inode), an edit changes its time or size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    modified: i64,
    modified_nanos: i64,
    size: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path).ok().map(|m| Stamp {
        inode: m.ino(),
        modified: m.mtime(),
        modified_nanos: m.mtime_nsec(),
        size: m.size(),
    })
}

/// The keys an instance signs and verifies with, read again from their key
/// file when it changes. Cheap to clone.
#[derive(Clone)]
pub struct Keyring(Arc<Inner>);

struct Inner {
    file: Option<PathBuf>,
    token_ttl: i64,
    loaded: RwLock<Loaded>,
}

struct Loaded {
    keys: Arc<TokenKeys>,
    stamp: Option<Stamp>,
    checked: Instant,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("file", &self.0.file)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// One key, for good (a key given in the configuration).
    pub fn fixed(key: TokenKey) -> Self {
        Self(Arc::new(Inner {
            file: None,
            token_ttl: 0,
            loaded: RwLock::new(Loaded {
                keys: Arc::new(TokenKeys::new(key)),
                stamp: None,
                checked: Instant::now(),
            }),
        }))
    }

    /// The keys of the file at `path` (see [`ensure`]), for tokens that
    /// live `token_ttl` seconds.
    pub fn from_file(path: PathBuf, file: &KeyFile, token_ttl: i64) -> Self {
        Self(Arc::new(Inner {
            loaded: RwLock::new(Loaded {
                keys: Arc::new(file.keys(token_ttl)),
                stamp: stamp(&path),
                checked: Instant::now(),
            }),
            file: Some(path),
            token_ttl,
        }))
    }

    /// The keys now: read again when the file changed since last looked at.
    pub fn keys(&self) -> Arc<TokenKeys> {
        {
            let loaded = self.0.loaded.read().unwrap_or_else(PoisonError::into_inner);
            if self.0.file.is_none() || loaded.checked.elapsed() < RELOAD_EVERY {
                return loaded.keys.clone();
            }
        }
        let mut loaded = self.0.loaded.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(path) = self
            .0
            .file
            .as_deref()
            .filter(|_| loaded.checked.elapsed() >= RELOAD_EVERY)
        {
            loaded.checked = Instant::now();
            let now = stamp(path);
            if now.is_some() && now != loaded.stamp {
                match KeyFile::read(path) {
                    Ok(file) => {
                        tracing::info!(path = %path.display(), kid = file.current_kid(), "token keys read again");
                        loaded.keys = Arc::new(file.keys(self.0.token_ttl));
                        loaded.stamp = now;
                    }
                    Err(err) => tracing::warn!(error = format!("{err:#}"), "token keys kept as they were"),
                }
            }
        }
        loaded.keys.clone()
    }

    pub fn sign(&self, claims: &Claims) -> String {
        self.keys().sign(claims)
    }

    /// See [`TokenKeys::verify`].
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        self.keys().verify(token, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token::tests::claims;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("in range")
    }

    #[test]
    fn key_files_are_created_private_and_only_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("liaison.key");
        let first = ensure(&path, None).expect("created");
        let mode = std::fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, PRIVATE_MODE, "{mode:o}");
        let again = ensure(&path, None).expect("read");
        assert_eq!(again.current_kid(), first.current_kid());
        assert!(!KeyFile::generate(Utc::now()).create(&path).expect("no error"), "kept");
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("folder"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["liaison.key"], "no temporary file left behind");
    }

    #[test]
    fn a_key_found_elsewhere_is_adopted_or_kept_as_retired() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("liaison.key");
        let legacy = "a key kept in the database before, 32+ bytes".to_string();
        let adopted = ensure(&path, Some(legacy.clone())).expect("created");
        assert_eq!(adopted.current_kid(), TokenKey::new(legacy.as_bytes()).kid());
        let other = dir.path().join("other.key");
        let existing = ensure(&other, None).expect("created");
        let joined = ensure(&other, Some(legacy.clone())).expect("read");
        assert_eq!(joined.current_kid(), existing.current_kid());
        assert!(joined.holds(&legacy));
        assert_eq!(KeyFile::read(&other).expect("read").retired().count(), 1);
    }

    #[test]
    fn rotation_retires_the_current_key_for_one_token_lifetime() {
        let old = KeyFile::adopt("old key, old key, old key, old key!".into(), at(0));
        let old_token = old.keys(3600).sign(&claims(100_000));
        let rotated = old.clone().rotate(at(1000));
        assert_ne!(rotated.current_kid(), old.current_kid());
        assert_eq!(
            rotated.retired().collect::<Vec<_>>(),
            [(old.current_kid(), Some(at(1000)))]
        );
        let keys = rotated.keys(3600);
        let grace_end = 1000 + 3600 + GRACE_SLACK;
        assert_eq!(keys.verify(&old_token, grace_end - 1), Ok(claims(100_000)));
        assert_eq!(keys.verify(&old_token, grace_end), Err(TokenError::BadSignature));
        // Keys no token can need any more leave the file.
        let later = rotated.rotate(at(1000 + KEEP_RETIRED + 1));
        assert_eq!(later.retired().count(), 1);
    }

    #[test]
    fn a_damaged_key_file_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("liaison.key");
        let file = KeyFile::generate(Utc::now());
        file.create(&path).expect("created");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace(file.current_kid(), "other-kid")).expect("write");
        assert!(KeyFile::read(&path).is_err());
        std::fs::write(&path, "{}").expect("write");
        assert!(KeyFile::read(&path).is_err());
    }

    #[test]
    fn a_keyring_reads_its_file_again_when_it_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("liaison.key");
        let file = ensure(&path, None).expect("created");
        let ring = Keyring::from_file(path.clone(), &file, 3600);
        let before = ring.sign(&claims(i64::MAX));
        let rotated = file.rotate(Utc::now());
        rotated.replace(&path).expect("replaced");
        std::thread::sleep(RELOAD_EVERY);
        assert_eq!(ring.keys().current().kid(), rotated.current_kid());
        assert!(
            ring.verify(&before, Utc::now().timestamp()).is_ok(),
            "the retired key still verifies"
        );
    }
}
