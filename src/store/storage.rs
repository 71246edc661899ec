//! Storage trouble: a database that cannot write because its disk is full
//! or read-only, told apart from every other failure, and remembered until
//! a write succeeds again (what readiness and the metrics report).
//!
//! Nothing is lost to it: a write that meets it is rolled back and refused
//! (never acknowledged), reads go on, and writes resume by themselves once
//! the space (or the permission) returns.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use sqlx::error::{DatabaseError, ErrorKind};

/// Why the database cannot write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageTrouble {
    /// No space left: SQLite's `SQLITE_FULL`, PostgreSQL's `53100 disk_full`.
    Full,
    /// The database or its filesystem is read-only: SQLite's
    /// `SQLITE_READONLY`, PostgreSQL's `25006 read_only_sql_transaction`.
    ReadOnly,
    /// The filesystem failed a read or write: SQLite's `SQLITE_IOERR` (a
    /// filesystem remounted read-only after an error shows this way too).
    Failing,
}

impl StorageTrouble {
    /// Every kind, in the order of [`StorageTrouble::label`]'s metric labels.
    pub const ALL: [Self; 3] = [Self::Full, Self::ReadOnly, Self::Failing];

    /// What trouble `err` names, if it is storage trouble.
    pub fn of(err: &sqlx::Error) -> Option<Self> {
        let sqlx::Error::Database(db) = err else {
            return None;
        };
        if let Some(failure) = db.try_downcast_ref::<GroupFailure>() {
            return failure.trouble;
        }
        if let Some(sqlite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
            // The extended result code; its low byte is the primary one.
            let code: i32 = sqlite.code()?.parse().ok()?;
            return match code & 0xff {
                13 => Some(Self::Full),
                8 => Some(Self::ReadOnly),
                10 => Some(Self::Failing),
                _ => None,
            };
        }
        if let Some(postgres) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            return match postgres.code() {
                "53100" => Some(Self::Full),
                "25006" => Some(Self::ReadOnly),
                _ => None,
            };
        }
        None
    }

    /// Its metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::ReadOnly => "read_only",
            Self::Failing => "io_error",
        }
    }

    /// What a client is told.
    pub fn message(self) -> &'static str {
        match self {
            Self::Full => "storage is full: writes are refused until space is freed (reads still work); retry later",
            Self::ReadOnly => {
                "storage is read-only: writes are refused until it is writable again (reads still work); retry later"
            }
            Self::Failing => {
                "storage failed to write (an I/O error): writes are refused until it works again (reads still work); \
                 retry later"
            }
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Full => 0,
            Self::ReadOnly => 1,
            Self::Failing => 2,
        }
    }
}

impl fmt::Display for StorageTrouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The storage trouble the last write met (none once a write succeeds),
/// and how many writes met each kind since start-up.
#[derive(Debug, Default)]
pub struct StorageHealth {
    /// 0: none; else 1 + [`StorageTrouble::index`].
    last: AtomicU8,
    failures: [AtomicU64; 3],
}

impl StorageHealth {
    /// The trouble the last write met, if it did.
    pub fn trouble(&self) -> Option<StorageTrouble> {
        match self.last.load(Ordering::Relaxed) {
            0 => None,
            n => StorageTrouble::ALL.get(usize::from(n - 1)).copied(),
        }
    }

    /// How many writes met each kind of trouble since start-up.
    pub fn failures(&self) -> [(StorageTrouble, u64); 3] {
        StorageTrouble::ALL.map(|kind| (kind, self.failures[kind.index()].load(Ordering::Relaxed)))
    }

    /// A write failed with `err`: remembered when it is storage trouble.
    pub(crate) fn failed(&self, err: &sqlx::Error) {
        if let Some(kind) = StorageTrouble::of(err) {
            self.failures[kind.index()].fetch_add(1, Ordering::Relaxed);
            let previous = self.last.swap(1 + kind.index() as u8, Ordering::Relaxed);
            if previous == 0 {
                tracing::error!(trouble = kind.label(), "{}", kind.message());
            }
        }
    }

    /// A write committed: storage writes again.
    pub(crate) fn succeeded(&self) {
        if self.last.swap(0, Ordering::Relaxed) != 0 {
            tracing::info!("storage writes again");
        }
    }

    /// Records the outcome of a write.
    pub(crate) fn observe<T>(&self, result: &Result<T, sqlx::Error>) {
        match result {
            Ok(_) => self.succeeded(),
            Err(err) => self.failed(err),
        }
    }
}

/// The failure of a group's COMMIT, as each write of the group gets it: its
/// text, and the storage trouble it named (the original error went to one
/// place only; see `store::writer::Writer`).
#[derive(Debug)]
pub(crate) struct GroupFailure {
    pub(crate) message: String,
    pub(crate) trouble: Option<StorageTrouble>,
}

impl fmt::Display for GroupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for GroupFailure {}

impl DatabaseError for GroupFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        None
    }

    fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_write_decides_and_every_failure_counts() {
        let health = StorageHealth::default();
        assert_eq!(health.trouble(), None);
        let full = sqlx::Error::Database(Box::new(GroupFailure {
            message: "disk full".into(),
            trouble: Some(StorageTrouble::Full),
        }));
        health.observe::<()>(&Err(full));
        health.observe::<()>(&Err(sqlx::Error::RowNotFound));
        assert_eq!(
            health.trouble(),
            Some(StorageTrouble::Full),
            "other errors say nothing of storage"
        );
        health.observe(&Ok(()));
        assert_eq!(health.trouble(), None);
        assert_eq!(
            health.failures(),
            [
                (StorageTrouble::Full, 1),
                (StorageTrouble::ReadOnly, 0),
                (StorageTrouble::Failing, 0)
            ]
        );
    }
}
