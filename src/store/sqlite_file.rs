//! Where a `sqlite:` URL keeps its data: the file it names, created with
//! its folder before the driver opens it, or why it names none.

use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use anyhow::Context as _;

/// The file a `sqlite:` URL names, or why it names none that would keep
/// anything: an empty path (SQLite then uses a private temporary file) or
/// `:memory:` (gone at exit, and a different database per connection).
pub fn sqlite_file(url: &str) -> Result<&str, &'static str> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    match path {
        "" => Err(
            "the SQLite URL names no file, so nothing would be kept: use sqlite://PATH, e.g. sqlite://data/liaison.db",
        ),
        ":memory:" => Err(
            "an in-memory SQLite database keeps nothing (and differs per connection): use sqlite://PATH, e.g. sqlite://data/liaison.db",
        ),
        path => Ok(path),
    }
}

/// The mode of the database file and its companions: private to the owner.
/// (SQLite gives its write-ahead log and shared-memory index the mode of the
/// database file when it creates them.)
const PRIVATE_MODE: u32 = 0o600;

/// Turns `sqlite://PATH` into a URL that creates the file, and creates its
/// folder. With the default mode the file is opened here first (and so
/// created 0600, whatever the umask), so that a path that cannot be used is
/// reported with the system's reason.
pub(super) fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let path = sqlite_file(url).map_err(anyhow::Error::msg)?;
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let query = rest.split_once('?').map_or("", |(_, query)| query);
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !p.exists())
    {
        std::fs::create_dir_all(parent).with_context(|| {
            format!(
                "cannot open the SQLite database {path}: cannot create its folder {}",
                parent.display()
            )
        })?;
    }
    let mode = if query.contains("mode=") { "" } else { "mode=rwc" };
    if !mode.is_empty() {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(PRIVATE_MODE)
            .open(path)
            .map_err(|err| anyhow::anyhow!("cannot open the SQLite database {path}: {err}"))?;
    }
    let sep = if query.is_empty() || mode.is_empty() { "" } else { "&" };
    Ok(format!("sqlite://{path}?{query}{sep}{mode}"))
}

/// Takes away what others than the owner may do with the database file,
/// its write-ahead log and its shared-memory index, when they exist (files
/// from versions that created them readable by all). Best effort: a file
/// of another owner stays as it is, with a warning.
pub(super) fn make_private(path: &Path) {
    let mut names = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        names.push(name.into());
    }
    for name in names {
        let Ok(meta) = std::fs::metadata(&name) else { continue };
        let mode = meta.permissions().mode() & 0o777;
        if !meta.is_file() || mode & 0o077 == 0 {
            continue;
        }
        match std::fs::set_permissions(&name, std::fs::Permissions::from_mode(mode & 0o700)) {
            Ok(()) => {
                tracing::info!(path = %name.display(), was = format!("{mode:o}"), "database file made private to its owner")
            }
            Err(err) => tracing::warn!(path = %name.display(), error = %err, "the database file is readable by others"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_their_file() {
        let dir = std::env::temp_dir().join(format!("liaison-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/x.db?cache=shared", dir.display());
        assert_eq!(
            sqlite_url(&url).ok(),
            Some(format!("sqlite://{}/x.db?cache=shared&mode=rwc", dir.display()))
        );
        let mode = std::fs::metadata(dir.join("x.db"))
            .expect("created")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, PRIVATE_MODE, "{mode:o}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn database_files_readable_by_others_are_made_private() {
        let dir = tempfile_path("modes");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let db = dir.join("x.db");
        for name in ["x.db", "x.db-wal", "x.db-shm"] {
            std::fs::write(dir.join(name), b"").expect("write");
            std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        make_private(&db);
        for name in ["x.db", "x.db-wal", "x.db-shm"] {
            let mode = std::fs::metadata(dir.join(name)).expect("exists").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}: {mode:o}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn sqlite_urls_that_keep_nothing_are_refused() {
        for url in [
            "sqlite://",
            "sqlite:",
            "sqlite://?mode=rwc",
            "sqlite::memory:",
            "sqlite://:memory:",
        ] {
            assert!(sqlite_file(url).is_err(), "{url}");
            assert!(sqlite_url(url).is_err(), "{url}");
        }
        assert_eq!(sqlite_file("sqlite://data/liaison.db"), Ok("data/liaison.db"));
        assert_eq!(sqlite_file("sqlite:///var/lib/x.db?mode=ro"), Ok("/var/lib/x.db"));
    }

    #[test]
    fn an_unusable_sqlite_path_is_named_with_its_cause() {
        let file = tempfile_path("plain-file");
        std::fs::write(&file, b"").expect("write");
        let url = format!("sqlite://{}/liaison.db", file.display());
        let message = format!("{:#}", sqlite_url(&url).expect_err("refused"));
        assert!(message.contains(&format!("{}/liaison.db", file.display())), "{message}");
        assert!(message.contains("Not a directory"), "{message}");
        let dir = tempfile_path("a-folder");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let message = format!(
            "{:#}",
            sqlite_url(&format!("sqlite://{}", dir.display())).expect_err("refused")
        );
        assert!(message.contains(&dir.display().to_string()), "{message}");
        assert!(message.contains("Is a directory"), "{message}");
        let _ = std::fs::remove_file(file);
        let _ = std::fs::remove_dir(dir);
    }

    fn tempfile_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("liaison-{name}-{}", uuid::Uuid::new_v4()))
    }
}
