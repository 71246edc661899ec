//! Fair share of the database's connections: while a request is served for
//! a caller (a tenant, and a client or API key of it), every connection it
//! takes is admitted under that caller first. A tenant holds at most three
//! quarters of the connections at once, one caller of it at most half; the
//! rest wait for their own share, not for the whole pool. So a caller's
//! flood queues behind itself (and, after the pool's 5 s acquire timeout,
//! is told "busy" with `Retry-After`), while other tenants, and the
//! tenant's other clients, still find connections free.
//!
//! The caller is a task-local of the request ([`serving`], [`admit_as`]):
//! the edge opens it, authentication names the caller, and the store reads
//! it where a connection is taken, so no store call passes it along. Work
//! with no caller (the token endpoint, health checks, the CLI) is admitted
//! as before, straight to the pool.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::TenantId;
use crate::store::ACQUIRE_TIMEOUT;

/// Who a request is served for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Caller {
    pub tenant: TenantId,
    /// A hash of the client id or API key id.
    credential: u64,
}

impl Caller {
    pub fn new(tenant: TenantId, credential: &str) -> Self {
        let mut hasher = DefaultHasher::new();
        credential.hash(&mut hasher);
        Self {
            tenant,
            credential: hasher.finish(),
        }
    }
}

tokio::task_local! {
    static CALLER: Cell<Option<Caller>>;
}

/// Runs `request` with room for its caller, named by [`admit_as`].
pub async fn serving<F: Future>(request: F) -> F::Output {
    CALLER.scope(Cell::new(None), request).await
}

/// Names the caller of the request being served (see [`serving`]).
pub fn admit_as(caller: Caller) {
    // Outside `serving` (a test calling a handler directly) there is no
    // request to name: its work is admitted without a share.
    let _ = CALLER.try_with(|slot| slot.set(Some(caller)));
}

/// What a share is kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Holder {
    Tenant(TenantId),
    Caller(Caller),
}

/// The shares of one pool of `size` connections.
#[derive(Debug)]
pub(crate) struct Admission {
    tenant_share: usize,
    caller_share: usize,
    shares: Mutex<HashMap<Holder, Arc<Semaphore>>>,
}

/// The permits a connection was admitted with, held as long as it is.
#[derive(Debug)]
pub(crate) struct Admitted {
    _caller: OwnedSemaphorePermit,
    _tenant: OwnedSemaphorePermit,
}

/// Shares kept before the idle ones are swept.
const SWEEP_ABOVE: usize = 4096;

impl Admission {
    pub(crate) fn new(size: u32) -> Self {
        let size = size as usize;
        Self {
            tenant_share: (size - size / 4).max(1),
            caller_share: (size / 2).max(1),
            shares: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for the current caller's share (and its tenant's), if a
    /// request is being served for one. `PoolTimedOut` after
    /// [`ACQUIRE_TIMEOUT`], as a full pool would be.
    pub(crate) async fn admit(&self) -> Result<Option<Admitted>, sqlx::Error> {
        let Some(caller) = CALLER.try_with(Cell::get).ok().flatten() else {
            return Ok(None);
        };
        let caller_share = self.share(Holder::Caller(caller), self.caller_share);
        let tenant_share = self.share(Holder::Tenant(caller.tenant), self.tenant_share);
        let wait = async {
            let caller = caller_share.acquire_owned().await;
            let tenant = tenant_share.acquire_owned().await;
            caller.and_then(|c| tenant.map(|t| (c, t)))
        };
        match tokio::time::timeout(ACQUIRE_TIMEOUT, wait).await {
            Err(_) => Err(sqlx::Error::PoolTimedOut),
            Ok(Err(_)) => Err(sqlx::Error::PoolClosed),
            Ok(Ok((caller, tenant))) => Ok(Some(Admitted {
                _caller: caller,
                _tenant: tenant,
            })),
        }
    }

    fn share(&self, holder: Holder, permits: usize) -> Arc<Semaphore> {
        let mut shares = self.shares.lock().unwrap_or_else(PoisonError::into_inner);
        if shares.len() > SWEEP_ABOVE {
            // Whoever holds or waits for a share holds its `Arc` too: one
            // held by the map alone is idle, a full semaphore.
            shares.retain(|_, share| Arc::strong_count(share) > 1);
        }
        shares
            .entry(holder)
            .or_insert_with(|| Arc::new(Semaphore::new(permits)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether `caller` (`None`: no caller) is admitted within 50 ms; the permits if so.
    async fn admit(admission: &Admission, caller: Option<(u128, &str)>) -> Option<Option<Admitted>> {
        serving(async {
            if let Some((tenant, credential)) = caller {
                admit_as(Caller::new(TenantId(uuid::Uuid::from_u128(tenant)), credential));
            }
            tokio::time::timeout(Duration::from_millis(50), admission.admit())
                .await
                .ok()
                .map(|r| r.expect("admit"))
        })
        .await
    }

    #[tokio::test]
    async fn a_caller_holds_half_its_tenant_three_quarters_others_the_rest() {
        let admission = Admission::new(8);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(
                admit(&admission, Some((1, "a")))
                    .await
                    .expect("within the caller's share"),
            );
        }
        assert!(
            admit(&admission, Some((1, "a"))).await.is_none(),
            "a fifth for one caller waits"
        );
        for _ in 0..2 {
            held.push(
                admit(&admission, Some((1, "b")))
                    .await
                    .expect("within the tenant's share"),
            );
        }
        assert!(
            admit(&admission, Some((1, "c"))).await.is_none(),
            "a seventh for one tenant waits"
        );
        assert!(
            admit(&admission, Some((2, "a")))
                .await
                .expect("another tenant")
                .is_some()
        );
        assert!(
            admit(&admission, None).await.expect("no caller").is_none(),
            "no caller, no share"
        );
        held.clear();
        assert!(
            admit(&admission, Some((1, "a"))).await.is_some(),
            "shares come back when released"
        );
    }
}
