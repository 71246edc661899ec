//! Storage trouble: a full disk answered 503 naming storage, reads going on,
//! writes resuming once space returns, nothing acknowledged lost.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

/// A small tmpfs mounted on a temporary folder, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// A 2 MiB tmpfs, or why there cannot be one here (mounting needs root).
    fn mount() -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("no temp dir: {e}"))?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2M", "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !mounted.status.success() {
            return Err(format!(
                "cannot mount a tmpfs (root is needed): {}",
                String::from_utf8_lossy(&mounted.stderr).trim()
            ));
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file beside the database until the disk is full.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("create the filler");
        let chunk = vec![0xa5u8; 16 * 1024];
        loop {
            if file.write_all(&chunk).and_then(|()| file.flush()).is_err() {
                break;
            }
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a file still open would otherwise keep it mounted.
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

async fn create(app: &TestApp, name: &str) -> reqwest::Response {
    app.post("/api/setup/organizations")
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .expect("request")
}

fn storage_failures(scrape: &str) -> f64 {
    scrape
        .lines()
        .find(|line| line.starts_with("liaison_storage_failures_total{kind=\"full\"}"))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .expect("the storage failures metric")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_naming_storage_and_writes_resume_when_space_returns() {
    let disk = match SmallDisk::mount() {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
    let app = TestApp::spawn_sqlite_in(disk.path()).await;
    let kept = create(&app, "Kept").await;
    assert_eq!(kept.status(), 201);
    let kept = json(kept).await;
    let kept_path = format!(
        "/api/setup/organizations/{}",
        kept["entityId"].as_str().expect("entityId")
    );

    let filler = disk.fill();
    // Writes until one needs space the disk no longer has (the WAL may have room left).
    let mut refused = None;
    for attempt in 0..200 {
        let response = create(&app, &format!("Refused {attempt} {}", "x".repeat(150))).await;
        match response.status().as_u16() {
            201 => continue,
            503 => {
                eprintln!("the disk was full after {attempt} more writes");
                refused = Some(response);
                break;
            }
            other => panic!(
                "attempt {attempt}: {other} {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
    let refused = refused.expect("a write on a full disk is refused");
    let retry_after: u64 = header(&refused, "retry-after").parse().expect("Retry-After in seconds");
    assert!(retry_after > 0);
    let body = json(refused).await;
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("storage is full")),
        "{body}"
    );

    // Reads go on; readiness names the trouble; the metric counts it.
    let read = app.get(&kept_path).send().await.expect("request");
    assert_eq!(read.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.expect("request");
    assert_eq!(ready.status(), 503);
    assert!(!header(&ready, "retry-after").is_empty());
    let ready = json(ready).await;
    assert!(
        ready["detail"].as_str().is_some_and(|d| d.contains("storage is full")),
        "{ready}"
    );
    let scrape = app.client.get(app.url("/metrics")).send().await.expect("request");
    assert!(storage_failures(&scrape.text().await.expect("body")) >= 1.0);

    // Space returns: ready again (a probe write succeeds), and so do writes.
    std::fs::remove_file(filler).expect("remove the filler");
    let ready = app.client.get(app.url("/readyz")).send().await.expect("request");
    assert_eq!(ready.status(), 200);
    assert_eq!(create(&app, "After").await.status(), 201);
    // Nothing acknowledged was lost.
    assert_eq!(app.get(&kept_path).send().await.expect("request").status(), 200);
    app.stop().await;
    drop(disk);
}
