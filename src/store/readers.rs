//! SQLite's read connections: a fixed number, opened when first needed,
//! each handed to one reader at a time and taken back the moment it is
//! done. (sqlx's pool tests every connection it takes back with a round
//! trip to the connection's thread, from a task it spawns: a second
//! hand-off for each one-statement read. A SQLite file's connections do not
//! break in the way that test looks for, and a read dropped half-way leaves
//! nothing behind that the connection's next statement does not wait for.)

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::AnyConnection;
use sqlx::any::AnyConnectOptions;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::store::{ACQUIRE_TIMEOUT, Engine, PoolStatus, open};

#[derive(Debug)]
pub(crate) struct Readers {
    idle: Mutex<Vec<AnyConnection>>,
    /// One per connection: a reader holds one while it uses a connection.
    permits: Arc<Semaphore>,
    opened: AtomicU32,
    max: u32,
    options: AnyConnectOptions,
}

impl Readers {
    pub(crate) fn new(options: AnyConnectOptions, max: u32) -> Arc<Self> {
        Arc::new(Self {
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max as usize)),
            opened: AtomicU32::new(0),
            max,
            options,
        })
    }

    /// A connection of its own for the caller until the [`Lease`] is dropped.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Lease, sqlx::Error> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match idle {
            Some(conn) => conn,
            // The permit guarantees no more than `max` are open.
            None => {
                let conn = open(&self.options, Engine::Sqlite).await?;
                self.opened.fetch_add(1, Ordering::Relaxed);
                conn
            }
        };
        Ok(Lease {
            conn: Some(conn),
            readers: self.clone(),
            _permit: permit,
        })
    }

    pub(crate) fn status(&self) -> PoolStatus {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).len();
        PoolStatus {
            open: self.opened.load(Ordering::Relaxed),
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max: self.max,
        }
    }

    /// Closes the idle connections; no new reader gets one.
    pub(crate) async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for conn in idle {
            if let Err(err) = sqlx::Connection::close(conn).await {
                tracing::warn!(error = %err, "closing a read connection failed");
            }
        }
    }
}

/// One reader's connection (see [`Readers::acquire`]).
pub(crate) struct Lease {
    conn: Option<AnyConnection>,
    readers: Arc<Readers>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.readers
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
    }
}

impl Deref for Lease {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.conn.as_ref().expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("a lease holds its connection until dropped")
    }
}
