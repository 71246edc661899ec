//! `GET /api/changes`: the tenant's change history, liaison's own API (none
//! of the vendors has one). Every create, update and delete of a resource
//! is recorded by the write that made it (`store::changes`); this pages
//! through the records in the order they can be followed, and waits for the
//! next one on request (long polling).

use std::time::Duration;

use poem_openapi::param::Query;
use poem_openapi::{ApiResponse, OpenApi};

use crate::api::ProblemError;
use crate::api::auth::Bearer;
use crate::api::envelope::Expires;
use crate::auth::Scope;
use crate::codec::Negotiated;
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::store::changes::{ChangeRecord, Follow, ResourceType};

/// Changes a page holds unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1_000;
/// The longest `wait`, in seconds.
const MAX_WAIT: u64 = 30;

crate::wire! {
    /// A page of changes, oldest first.
    #[derive(Debug)]
    pub struct ChangePage {
        pub changes: Vec<ChangeRecord>,
        /// The cursor to send as `after` for the changes after these (the
        /// same as was sent when there are none yet).
        pub next: String,
    }
}

#[derive(ApiResponse)]
pub enum ChangesListed {
    /// The changes after the cursor, at most `limit`, and the next cursor.
    #[oai(status = 200)]
    Ok(Negotiated<ChangePage>),
}

pub struct ChangesApi {
    ctx: ApiContext,
}

impl ChangesApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

/// The cursor that follows `seq`.
fn cursor(seq: i64) -> String {
    seq.to_string()
}

/// The `seq` a cursor stands for (absent: before the first).
fn position(after: Option<&str>) -> Result<i64, FieldError> {
    match after {
        None => Ok(0),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|seq| *seq >= 0)
            .ok_or_else(|| FieldError::new("after", "is not a cursor this feed wrote (send back `next`)")),
    }
}

#[OpenApi(tag = "ApiTag::Changes")]
impl ChangesApi {
    /// List changes
    ///
    /// The tenant's change history: every create, update and delete of a
    /// relationship, relationship user, related user, setup resource, API
    /// client or API key (never a secret: a new secret alone is no change),
    /// recorded in the transaction that made it (a write that failed has
    /// none), with who made it, when, the request's correlation id, and
    /// each field's value before and after. Oldest first; send `next` back
    /// as `after` for what follows. Following `next` sees every committed
    /// change exactly once, whatever the number of instances: a change
    /// whose transaction began earlier but commits later holds back the
    /// ones after it until it has committed. With `wait`, an empty page is
    /// answered only after that many seconds (up to 30) without a change;
    /// the first change ends the wait at once (long polling). A cursor this
    /// feed did not write: 400. Changes are kept 30 days unless the operator says
    /// otherwise (`--changes-retention-days`); a cursor older than the
    /// oldest change kept: 410, whose `errors` name the oldest cursor there
    /// is (the changes between were deleted: resynchronise, then follow
    /// from there).
    #[oai(path = "/api/changes", method = "get", operation_id = "listChanges")]
    async fn changes_list(
        &self,
        #[oai(scope = "Scope::ChangesRead")] auth: Bearer,
        /// The `next` of the previous page (absent: from the oldest change kept).
        after: Query<Option<String>>,
        /// Page size, 1-1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// Only changes of this kind of resource.
        resource: Query<Option<ResourceType>>,
        /// Only changes of the resource with this id (with `resource`: one
        /// resource's history; alone: of any kind with that id).
        id: Query<Option<String>>,
        /// Seconds to wait, 0-30 (default 0), for a first change when there is none yet.
        #[oai(validator(minimum(value = "0"), maximum(value = "30")))]
        wait: Query<Option<u64>>,
    ) -> Result<ChangesListed, ProblemError<Expires>> {
        let after = position(after.0.as_deref()).map_err(|e| AppError::Validation(vec![e]))?;
        let tenant = auth.0.tenant;
        if after > 0 {
            let kept = self.ctx.store.changes_kept(tenant).await?;
            if after < kept.oldest_cursor {
                let days = self.ctx.store.changes_retention().as_secs() / 86_400;
                let message = format!(
                    "is older than the changes kept (records are kept {days} days); the oldest cursor there is: {}",
                    kept.oldest_cursor
                );
                return Err(AppError::Gone(FieldError::new("after", message)).into());
            }
            if after > kept.newest {
                let message = "is not a cursor this feed wrote (it is past the newest change)";
                return Err(AppError::Validation(vec![FieldError::new("after", message)]).into());
            }
        }
        let follow = Follow {
            after,
            limit: limit.0.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
            resource: resource.0.map(|r| r.as_str().to_string()),
            id: id.0,
        };
        let wait = Duration::from_secs(wait.0.unwrap_or(0).min(MAX_WAIT));
        let records = self.ctx.store.changes_wait(tenant, &follow, wait).await?;
        let next = cursor(records.last().map_or(after, |r| r.seq));
        Ok(ChangesListed::Ok(Negotiated(ChangePage { changes: records, next })))
    }
}
