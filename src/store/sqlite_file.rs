//! Where a `sqlite:` URL keeps its data: the file it names, created with
//! its folder before the driver opens it, or why it names none.

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

/// Turns `sqlite://PATH` into a URL that creates the file, and creates its
/// folder. With the default mode the file is opened here first, so that a
/// path that cannot be used is reported with the system's reason.
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
            .open(path)
            .map_err(|err| anyhow::anyhow!("cannot open the SQLite database {path}: {err}"))?;
    }
    let sep = if query.is_empty() || mode.is_empty() { "" } else { "&" };
    Ok(format!("sqlite://{path}?{query}{sep}{mode}"))
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
        assert!(dir.join("x.db").is_file());
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
