//! Idempotency keys (IETF httpapi `Idempotency-Key`): a POST retried with
//! the key of an earlier one gets the earlier answer, and writes nothing.
//!
//! The edge reads the key and hashes the request ([`Pending`]) into the
//! request's [`Slot`]; authentication, once it knows the caller, claims the
//! key ([`Store::idempotency_claim`]); the write that follows marks the
//! claim written inside its own transaction (so a committed write always
//! has its key, and a rolled-back one never does); the edge keeps the
//! answer ([`Store::idempotency_answer`]). Keys are per tenant and caller
//! (client or API key), kept [`KEPT_HOURS`].

use std::sync::{Arc, Mutex, PoisonError};

use chrono::Duration;
use sqlx::Row as _;

use crate::domain::TenantId;
use crate::domain::sealed::SEALED;
use crate::store::{Store, WriteTx, bind_all, now, to_db_time};

/// How long a key and its answer are kept.
pub const KEPT_HOURS: i64 = 24;
/// A claim still `started` after this was left by a request that died
/// before writing (its instance stopped): the key may be claimed again.
const ABANDONED_AFTER_SECONDS: i64 = 120;
/// Expired keys removed at each claim, at most.
const PRUNE_BATCH: i64 = 100;

/// A request's key and the hash of what it asks (method, path, query, content type, body).
#[derive(Debug, Clone)]
pub struct Pending {
    pub key: String,
    pub hash: String,
}

/// A key claimed for a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    tenant: TenantId,
    caller: String,
    key: String,
}

impl Claim {
    /// What a kept answer is sealed for.
    fn binding(&self) -> String {
        format!("idempotency/{}/{}/{}", self.tenant, self.caller, self.key)
    }
}

/// The request's idempotency state, shared by the edge, authentication and the write.
#[derive(Debug, Default)]
pub struct Slot {
    pub pending: Option<Pending>,
    pub claim: Option<Claim>,
}

pub type SharedSlot = Arc<Mutex<Slot>>;

tokio::task_local! {
    static SLOT: SharedSlot;
}

/// Runs `request` with `slot` as its idempotency state.
pub async fn serving<F: Future>(slot: SharedSlot, request: F) -> F::Output {
    SLOT.scope(slot, request).await
}

fn with_slot<T>(f: impl FnOnce(&mut Slot) -> T) -> Option<T> {
    SLOT.try_with(|slot| f(&mut slot.lock().unwrap_or_else(PoisonError::into_inner)))
        .ok()
}

/// An answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    pub status: u16,
    /// The headers a client reads again (`Content-Type`, `Location`, `ETag`, ...).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claimed {
    /// The key is this request's now: go on.
    New,
    /// The same request was answered: this is its answer.
    Answered(KeptAnswer),
    /// The same key is claimed by a request still in progress (or whose
    /// write committed but whose answer was not kept).
    InProgress,
    /// The key was used for another request.
    OtherRequest,
}

impl Store {
    /// A kept answer's body as stored: sealed for its key (kept answers
    /// may hold a secret shown once, a webhook's say).
    fn seal_answer(&self, claim: &Claim, body: &str) -> String {
        self.seal(&claim.binding(), body).unwrap_or_else(|| body.to_string())
    }

    /// A kept answer's body from what is stored (answers kept before
    /// sealing are as they were).
    fn open_answer(&self, claim: &Claim, stored: String) -> Result<String, sqlx::Error> {
        match (stored.starts_with(SEALED), self.sealer.get()) {
            (true, Some(sealer)) => sealer
                .open(&claim.binding(), &stored)
                .ok_or_else(|| sqlx::Error::Decode("a kept answer does not open with this key".into())),
            _ => Ok(stored),
        }
    }

    /// Claims the current request's key (if it sent one) for `caller` of
    /// `tenant`; `None` when it sent none.
    pub async fn idempotency_claim(&self, tenant: TenantId, caller: &str) -> Result<Option<Claimed>, sqlx::Error> {
        let Some(pending) = with_slot(|slot| slot.pending.clone()).flatten() else {
            return Ok(None);
        };
        let now = now();
        let (expired, abandoned) = (
            to_db_time(now - Duration::hours(KEPT_HOURS)),
            to_db_time(now - Duration::seconds(ABANDONED_AFTER_SECONDS)),
        );
        let mut tx = self.begin_write(tenant).await?;
        let ids = [tenant.to_string(), caller.to_string(), pending.key.clone()];
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE (tenant_id, caller, idem_key) IN \
             (SELECT tenant_id, caller, idem_key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)",
        )
        .bind(expired.clone())
        .bind(PRUNE_BATCH)
        .execute(tx.conn())
        .await?;
        bind_all(
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND caller = $2 AND idem_key = $3 \
                 AND (created_at < $4 OR (state = 'started' AND created_at < $5))",
            ),
            &ids,
        )
        .bind(expired)
        .bind(abandoned)
        .execute(tx.conn())
        .await?;
        let inserted = bind_all(
            sqlx::query(
                "INSERT INTO idempotency_keys (tenant_id, caller, idem_key, request_hash, state, created_at) \
                 VALUES ($1, $2, $3, $4, 'started', $5) ON CONFLICT DO NOTHING",
            ),
            &ids,
        )
        .bind(&pending.hash)
        .bind(to_db_time(now))
        .execute(tx.conn())
        .await?
        .rows_affected();
        let claimed = if inserted == 1 {
            Claimed::New
        } else {
            let row = bind_all(
                sqlx::query(
                    "SELECT request_hash, state, status, headers, body FROM idempotency_keys \
                     WHERE tenant_id = $1 AND caller = $2 AND idem_key = $3",
                ),
                &ids,
            )
            .fetch_one(tx.conn())
            .await?;
            let (hash, state): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            match (hash == pending.hash, state.as_str()) {
                (false, _) => Claimed::OtherRequest,
                (true, "answered") => {
                    let claim = Claim {
                        tenant,
                        caller: caller.to_string(),
                        key: pending.key.clone(),
                    };
                    Claimed::Answered(KeptAnswer {
                        status: u16::try_from(row.try_get::<i64, _>(2)?).unwrap_or(500),
                        headers: serde_json::from_str(&row.try_get::<String, _>(3)?)
                            .map_err(|e| sqlx::Error::Decode(e.into()))?,
                        body: self.open_answer(&claim, row.try_get(4)?)?,
                    })
                }
                (true, _) => Claimed::InProgress,
            }
        };
        tx.commit().await?;
        if matches!(claimed, Claimed::New) {
            with_slot(|slot| {
                slot.claim = Some(Claim {
                    tenant,
                    caller: caller.to_string(),
                    key: pending.key.clone(),
                })
            });
        }
        Ok(Some(claimed))
    }

    /// Keeps `answer` for `claim`; without one (the request failed on the
    /// server's side), lets the key go if nothing was written under it.
    pub async fn idempotency_answer(&self, claim: &Claim, answer: Option<&KeptAnswer>) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write(claim.tenant).await?;
        let query = match answer {
            Some(answer) => sqlx::query(
                "UPDATE idempotency_keys SET state = 'answered', status = $4, headers = $5, body = $6 \
                 WHERE tenant_id = $1 AND caller = $2 AND idem_key = $3",
            )
            .bind(claim.tenant.to_string())
            .bind(claim.caller.clone())
            .bind(claim.key.clone())
            .bind(i64::from(answer.status))
            .bind(serde_json::to_string(&answer.headers).unwrap_or_else(|_| "[]".into()))
            .bind(self.seal_answer(claim, &answer.body)),
            None => sqlx::query(
                "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND caller = $2 AND idem_key = $3 \
                 AND state = 'started'",
            )
            .bind(claim.tenant.to_string())
            .bind(claim.caller.clone())
            .bind(claim.key.clone()),
        };
        query.execute(tx.conn()).await?;
        tx.commit().await
    }
}

/// The claim of the request being served, taken (the edge keeps its answer).
pub fn take_claim(slot: &SharedSlot) -> Option<Claim> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).claim.take()
}

impl WriteTx {
    /// Inside a write's transaction, before its COMMIT: marks the claim of
    /// the request being served (if any, and of this tenant) written.
    pub(crate) async fn mark_claim_written(&mut self) -> Result<(), sqlx::Error> {
        let tenant = self.tenant();
        let Some(claim) = with_slot(|slot| slot.claim.clone())
            .flatten()
            .filter(|c| c.tenant == tenant)
        else {
            return Ok(());
        };
        sqlx::query(
            "UPDATE idempotency_keys SET state = 'written' \
             WHERE tenant_id = $1 AND caller = $2 AND idem_key = $3 AND state = 'started'",
        )
        .bind(claim.tenant.to_string())
        .bind(claim.caller)
        .bind(claim.key)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
