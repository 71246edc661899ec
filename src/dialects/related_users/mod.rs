//! Related users: `/api/user/related`, faithful to Segura's document
//! (seeds/003) for PUT, with its sibling create, list, get and deactivate.
//!
//! The vendor's wire format is reproduced with its quirks, each stated in
//! the operation's description: a PUT answers HTTP 201 with `code: 200`,
//! `relatedUsers.id` is a string, and messages come in English and in the
//! `mensagem` field.

use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use uuid::Uuid;

use crate::api::auth::Bearer;
use crate::api::cursor;
use crate::api::envelope::IfMatch;
use crate::auth::Scope;
use crate::codec::{Body, JsonXmlOrForm, Negotiated};
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::domain::etag::{etag, http_date};
use crate::domain::text::{self, required_text};
use crate::domain::{TenantId, Version};
use crate::error::AppError;
use crate::store::WriteTx;
use crate::store::related_users::{Deactivation, Rebinding, RelatedUser as Stored};
use crate::write::{self, Change};

pub mod envelope;
pub mod schema;

use schema::*;

use envelope::{RelatedApiError, RelatedStatus};

/// Where the dialect lives.
pub const PREFIX: &str = "/api/user/related";

pub const NAME_MAX: usize = 200;

/// A page of related users when the client names no `limit`.
const PAGE: u32 = 100;

fn missing(parameter: &str) -> String {
    format!("1001: Parameter '{parameter}' was not informed!")
}

fn user_does_not_exist() -> AppError {
    AppError::Rejected {
        code: 1005,
        messages: vec!["1005: User does not exist".into()],
    }
}

/// The parameters of a write, checked in the documented order (id, username, name).
struct Checked {
    id: Option<i64>,
    username: String,
    name: String,
}

fn check(draft: RelatedUserDraft, with_id: bool) -> Result<Checked, AppError> {
    let mut messages = Vec::new();
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if with_id && blank(&draft.id) {
        messages.push(missing("id"));
    }
    if blank(&draft.username) {
        messages.push(missing("username"));
    }
    if blank(&draft.name) {
        messages.push(missing("name"));
    }
    if !messages.is_empty() {
        return Err(AppError::Rejected { code: 1001, messages });
    }
    let id = match (with_id, draft.id.as_deref().map(str::trim)) {
        (true, Some(text)) => Some(
            text.parse::<i64>()
                .map_err(|_| AppError::Validation(vec![crate::domain::FieldError::new("id", "must be an integer")]))?,
        ),
        _ => None,
    };
    let name = required_text("name", draft.name.as_deref().unwrap_or_default(), NAME_MAX);
    let username = text::username("username", draft.username.as_deref().unwrap_or_default());
    match (username, name) {
        (Ok(username), Ok(name)) => Ok(Checked { id, username, name }),
        (username, name) => Err(AppError::Validation(
            [username.err(), name.err()].into_iter().flatten().collect(),
        )),
    }
}

fn envelope(message: &str, user: Stored) -> Negotiated<RelatedUserEnvelope> {
    Negotiated(RelatedUserEnvelope {
        code: 200,
        response: RelatedStatus::success(message),
        related_users: user.into(),
    })
}

pub struct RelatedUsersApi {
    ctx: ApiContext,
}

impl RelatedUsersApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn related(&self, tenant: TenantId, id: i64) -> Result<Stored, AppError> {
        self.ctx
            .store
            .related_user_get(tenant, id)
            .await?
            .ok_or_else(user_does_not_exist)
    }
}

/// The user named `username`, as the write's transaction sees it.
async fn user(tx: &mut WriteTx, username: &str) -> Result<Uuid, AppError> {
    tx.user_by_username(username).await?.ok_or_else(user_does_not_exist)
}

/// A PUT's body: bind the related user to `username` under `name`.
struct Rebind {
    username: String,
    name: String,
}

impl Change<Stored> for Rebind {
    type Output = Rebinding;

    async fn apply(self, tx: &mut WriteTx, _current: &Stored) -> Result<Rebinding, AppError> {
        Ok(Rebinding {
            user: user(tx, &self.username).await?,
            name: self.name,
        })
    }
}

#[OpenApi(prefix_path = PREFIX, tag = "ApiTag::RelatedUsers")]
impl RelatedUsersApi {
    /// Register a related user
    ///
    /// Binds the alias `name` to the existing user `username`. Bodies may be
    /// JSON, XML or a form, urlencoded or multipart (the vendor's APIs take
    /// forms). Missing
    /// parameters: 400 with "1001: Parameter 'username' was not informed!"
    /// (likewise 'name'), the first in `message`, all in `response.detail`;
    /// an unknown username: 400 "1005: User does not exist".
    #[oai(path = "/", method = "post", operation_id = "createRelatedUser")]
    async fn related_users_create(
        &self,
        #[oai(scope = "Scope::RelatedWrite")] auth: Bearer,
        body: Body<RelatedUserDraft, JsonXmlOrForm, RelatedUserCreate>,
    ) -> Result<RelatedUserWritten, RelatedApiError> {
        let checked = check(body.0, false)?;
        let mut tx = self.ctx.store.begin_write(auth.0.tenant).await?;
        let result = async {
            let user = user(&mut tx, &checked.username).await?;
            let (id, modified_at) = tx.related_user_insert(None, user, &checked.name).await?;
            Ok((id, modified_at, user))
        }
        .await;
        let (id, modified_at, user) = write::finish(tx, result).await?;
        // What was just written; no need to read it back.
        let stored = Stored {
            id,
            name: checked.name,
            username: checked.username,
            active: true,
            version: Version(1),
            modified_at,
            user,
        };
        Ok(RelatedUserWritten::Ok(envelope(
            "Related user successfully registered!",
            stored,
        )))
    }

    /// List related users
    ///
    /// The tenant's active related users, by id, a page at a time, with
    /// message "N related users found" (N: on this page). Deactivated ones
    /// are not listed. Beyond the vendor document, which shows no list: a
    /// page holds `limit` related users (default 100, at most 1000), those
    /// whose id comes after `after`; a full page carries
    /// `Link: </api/user/related?limit=N&after=ID>; rel="next"` (RFC 8288),
    /// and the last page none. Every page costs the same, however deep.
    #[oai(path = "/", method = "get", operation_id = "listRelatedUsers")]
    async fn related_users_list(
        &self,
        request: &Request,
        #[oai(scope = "Scope::RelatedRead")] auth: Bearer,
        /// Page size, 1-1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// The last id of the previous page: this page starts after it.
        #[oai(validator(minimum(value = "0")))]
        after: Query<Option<i64>>,
    ) -> Result<RelatedUsersListed, RelatedApiError> {
        let limit = limit.0.unwrap_or(PAGE);
        let users = self
            .ctx
            .store
            .related_user_page(auth.0.tenant, after.0.unwrap_or(0), limit)
            .await?;
        let next = match users.last() {
            Some(last) if users.len() == limit as usize => {
                let query = request.uri().query().unwrap_or_default();
                Some(cursor::next_link(request.uri().path(), query, &last.id.to_string()))
            }
            _ => None,
        };
        let message = format!("{} related users found", users.len());
        Ok(RelatedUsersListed::Ok(
            Negotiated(RelatedUserListEnvelope {
                code: 200,
                response: RelatedStatus::success(message),
                related_users: users.into_iter().map(RelatedUser::from).collect(),
            }),
            next,
        ))
    }

    /// Get a related user
    ///
    /// An active related user, with an empty `message`. Unknown, deactivated
    /// or another tenant's: 400 "1005: User does not exist" (the vendor's
    /// code for a lookup that finds nobody).
    #[oai(path = "/:id", method = "get", operation_id = "getRelatedUser")]
    async fn related_users_get(
        &self,
        #[oai(scope = "Scope::RelatedRead")] auth: Bearer,
        /// The related user's id.
        #[oai(example = "crate::demo::examples::related_user")]
        id: Path<i64>,
    ) -> Result<RelatedUserFetched, RelatedApiError> {
        let stored = self.related(auth.0.tenant, id.0).await?;
        let (tag, modified) = (etag(stored.version), http_date(stored.modified_at));
        Ok(RelatedUserFetched::Ok(envelope("", stored), tag, modified))
    }

    /// Update related user
    ///
    /// Exactly as Segura documents it: `id`, `username` and `name`, all
    /// required; `id` may be an integer or a numeric string. Success is
    /// **HTTP 201** with `code: 200` and "Related user successfully
    /// updated!" (the document's own example, kept as is). Missing
    /// parameters: 400 "1001: Parameter 'id' was not informed!" (likewise
    /// 'username', 'name'), checked in that order: the first is `message`,
    /// all of them are in `response.detail`. An unknown `username`, or an
    /// unknown, deactivated or other tenant's `id`: 400 "1005: User does not
    /// exist". Bodies may be JSON, XML or a form, urlencoded or multipart
    /// (text parts only). With `If-Match`, the update happens
    /// only while the ETag is current (else 412, nothing changes); without
    /// it, the update waits for any write in progress and is then applied.
    #[oai(path = "/", method = "put", operation_id = "updateRelatedUser")]
    async fn related_users_update(
        &self,
        #[oai(scope = "Scope::RelatedWrite")] auth: Bearer,
        /// An ETag from an earlier GET or PUT: update only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<RelatedUserDraft, JsonXmlOrForm, RelatedUserUpdate>,
    ) -> Result<RelatedUserUpdated, RelatedApiError<IfMatch>> {
        let checked = check(body.0, true)?;
        let id = checked.id.unwrap_or_default();
        let tx = self.ctx.store.begin_write(auth.0.tenant).await?;
        let change = Rebind {
            username: checked.username.clone(),
            name: checked.name,
        };
        let updated = write::update::<Stored, _>(tx, &id, if_match.0.as_deref(), change)
            .await
            .map_err(|e| match e {
                // The vendor's word for a related user that is not there.
                AppError::NotFound(_) => user_does_not_exist(),
                other => other,
            })?;
        let stored = Stored {
            name: updated.after.name,
            username: checked.username,
            version: updated.version,
            ..updated.before
        };
        let tag = etag(stored.version);
        Ok(RelatedUserUpdated::Created(
            envelope("Related user successfully updated!", stored),
            tag,
        ))
    }

    /// Deactivate a related user
    ///
    /// A soft delete: the related user stays stored but is no longer listed
    /// or updatable. "Related user successfully deactivated"; a second time,
    /// still 200, "Related user has already been deactivated". Unknown or
    /// another tenant's: 400 "1005: User does not exist".
    #[oai(path = "/:id", method = "delete", operation_id = "deactivateRelatedUser")]
    async fn related_users_deactivate(
        &self,
        #[oai(scope = "Scope::RelatedWrite")] auth: Bearer,
        /// The related user's id.
        #[oai(example = "crate::demo::examples::related_user")]
        id: Path<i64>,
    ) -> Result<RelatedUserDeactivated, RelatedApiError> {
        let mut tx = self.ctx.store.begin_write(auth.0.tenant).await?;
        let result = tx.related_user_deactivate(id.0).await.map_err(AppError::from);
        let message = match write::finish(tx, result).await? {
            Deactivation::Done => "Related user successfully deactivated",
            Deactivation::AlreadyInactive => "Related user has already been deactivated",
            Deactivation::NotFound => return Err(user_does_not_exist().into()),
        };
        Ok(RelatedUserDeactivated::Ok(Negotiated(RelatedStatusEnvelope {
            code: 200,
            response: RelatedStatus::success(message),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::body::property_names;

    #[test]
    fn the_reader_knows_exactly_the_documented_fields() {
        assert_eq!(
            property_names::<RelatedUserDraft>(),
            property_names::<RelatedUserUpdate>()
        );
    }
}
