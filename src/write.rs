//! The one write path. Every update and delete, of every dialect and of the
//! setup API, runs the same steps in one transaction that holds the row:
//!
//! 1. lock the row (404 when the tenant has none, or the caller may not see it);
//! 2. check `If-Match` against its version (412);
//! 3. apply the request to the row as it is now and validate the result,
//!    with every lookup the validation makes on the same transaction;
//! 4. write it, which gives the new version, record the change
//!    (`store::changes`), and commit.
//!
//! A write without `If-Match` asked for no precondition: it waits for the
//! writers before it and is then applied (last writer wins), never refused
//! because another write was in flight. Handlers keep only their dialect's
//! shapes: they say what a request changes ([`Change`]) and how to answer.

use chrono::{DateTime, Utc};

use crate::domain::Version;
use crate::domain::etag::if_match_allows;
use crate::error::AppError;
use crate::store::changes::Change as Recorded;
use crate::store::{Aggregate, Removable, WriteTx, now};

/// What a request does to one row of kind `A`.
pub trait Change<A: Aggregate>: Send {
    /// What applying the request yields: the row's next state for an update, `()` for a delete.
    type Output: Send;

    /// Whether the caller may see `current` at all; a row it may not see is
    /// not found (checked before `If-Match`, so a precondition never tells
    /// that such a row exists).
    fn admits(&self, _current: &A) -> bool {
        true
    }

    /// The request applied to `current` and validated; lookups go through `tx`.
    fn apply(self, tx: &mut WriteTx, current: &A) -> impl Future<Output = Result<Self::Output, AppError>> + Send;
}

/// What an update did.
pub struct Updated<A: Aggregate> {
    /// The row as it was.
    pub before: A,
    /// What was written over it.
    pub after: A::Next,
    pub version: Version,
    pub modified_at: DateTime<Utc>,
}

/// Updates the row `key` as `change` says (steps 1-4 above).
pub async fn update<A, C>(
    mut tx: WriteTx,
    key: &A::Key,
    if_match: Option<&str>,
    change: C,
) -> Result<Updated<A>, AppError>
where
    A: Aggregate,
    C: Change<A, Output = A::Next>,
{
    let result = async {
        let current = locked(&mut tx, key, if_match, &change).await?;
        let after = change.apply(&mut tx, &current).await?;
        let at = now();
        let version = current.save(&mut tx, &after, at).await?;
        let fields = A::next_fields(&after);
        tx.record(Recorded::updated(
            A::RESOURCE,
            current.id(),
            version.0,
            &current.fields(),
            fields,
        ));
        Ok(Updated {
            before: current,
            after,
            version,
            modified_at: at,
        })
    }
    .await;
    finish(tx, result).await
}

/// Deletes the row `key` once `change` admits it and finds nothing against it.
pub async fn remove<A, C>(mut tx: WriteTx, key: &A::Key, if_match: Option<&str>, change: C) -> Result<A, AppError>
where
    A: Removable,
    C: Change<A, Output = ()>,
{
    let result = async {
        let current = locked(&mut tx, key, if_match, &change).await?;
        change.apply(&mut tx, &current).await?;
        current.remove(&mut tx).await?;
        let version = current.version().0 + 1;
        tx.record(Recorded::deleted(A::RESOURCE, current.id(), version, current.fields()));
        Ok(current)
    }
    .await;
    finish(tx, result).await
}

/// Steps 1 and 2: the row, locked, if the caller may see it and `If-Match` admits it.
async fn locked<A: Aggregate, C: Change<A>>(
    tx: &mut WriteTx,
    key: &A::Key,
    if_match: Option<&str>,
    change: &C,
) -> Result<A, AppError> {
    let current = A::lock(tx, key)
        .await?
        .filter(|row| change.admits(row))
        .ok_or(AppError::NotFound(A::NAME))?;
    if !if_match_allows(if_match, current.version()) {
        return Err(AppError::PreconditionFailed);
    }
    Ok(current)
}

/// Commits what `result` says was done, or rolls it back.
pub async fn finish<T>(tx: WriteTx, result: Result<T, AppError>) -> Result<T, AppError> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a refused write failed");
            }
            Err(err)
        }
    }
}
