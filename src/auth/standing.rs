//! A client's standing (its tenant while it is active), as every request
//! with a bearer token needs it, kept in memory for a short while.
//!
//! Without it every authenticated request costs one more database round
//! trip. With it, a client disabled in the database keeps its access on an
//! instance for at most the cache's time to live; an instance that itself
//! sees the client refused (the token endpoint) forgets it at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::TenantId;
use crate::store::Store;

/// Entries kept at most: enough for every client of a large deployment,
/// small enough that memory stays bounded whatever tokens arrive.
const CAPACITY: usize = 10_000;

/// Standings read from the database, each until its time to live passes.
#[derive(Debug)]
pub struct Standings {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Option<TenantId>, Instant)>>,
}

impl Standings {
    /// A cache whose entries live `ttl`; zero reads the database every time.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant of `client_id` while it is active; `None` when it is
    /// unknown or disabled.
    pub async fn tenant_of(&self, store: &Store, client_id: &str) -> Result<Option<TenantId>, sqlx::Error> {
        if let Some(tenant) = self.fresh(client_id) {
            return Ok(tenant);
        }
        let tenant = store.active_client_tenant(client_id).await?;
        self.remember(client_id, tenant);
        Ok(tenant)
    }

    /// Drops what is known of `client_id` (it was just refused).
    pub fn forget(&self, client_id: &str) {
        self.lock().remove(client_id);
    }

    fn fresh(&self, client_id: &str) -> Option<Option<TenantId>> {
        let entries = self.lock();
        let (tenant, read_at) = entries.get(client_id)?;
        (read_at.elapsed() < self.ttl).then_some(*tenant)
    }

    fn remember(&self, client_id: &str, tenant: Option<TenantId>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(client_id) {
            let ttl = self.ttl;
            entries.retain(|_, (_, read_at)| read_at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(client_id.to_string(), (tenant, Instant::now()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Option<TenantId>, Instant)>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let standings = Standings::new(Duration::from_millis(50));
        let tenant = Some(TenantId(uuid::Uuid::nil()));
        standings.remember("a", tenant);
        assert_eq!(standings.fresh("a"), Some(tenant));
        standings.forget("a");
        assert_eq!(standings.fresh("a"), None);
        for i in 0..CAPACITY + 10 {
            standings.remember(&i.to_string(), None);
        }
        assert!(standings.lock().len() <= CAPACITY);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(standings.fresh(&(CAPACITY + 5).to_string()), None);
        assert_eq!(Standings::new(Duration::ZERO).fresh("a"), None);
    }
}
