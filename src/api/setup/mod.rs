//! `/api/setup/...`: the tenant's setup data, one module per resource.
//!
//! Every resource works the same way (list with paging, get, create,
//! update; deactivate with `active: false` rather than delete), so the
//! handlers are thin and the work is done once, here, for any [`Resource`].

pub mod categories;
pub mod classifications;
pub mod extension_fields;
pub mod form_configurations;
pub mod organizations;
pub mod relationship_user_types;
pub mod suppliers;
pub mod users;

use chrono::{DateTime, Utc};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiResponse, Object};
use uuid::Uuid;

use crate::domain::{FieldError, Page, TenantId};
use crate::http::etag::{etag, if_match_allows};
use crate::http::{AppError, Negotiated, ProblemError};
use crate::store::Store;
use crate::store::records::{Record, Stored};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// An API shape of a stored setup record.
pub trait Resource: ToJSON + Type + Send + Sync + 'static {
    type Data: Record;
    /// The name used in "… not found".
    const NAME: &'static str;

    fn from_stored(stored: Stored<Self::Data>) -> Self;
}

/// One page of a list, oldest first.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ListPage<T: ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    /// How many there are in all.
    pub total_count: i64,
    pub limit: u32,
    pub offset: u64,
}

/// Bookkeeping every setup record answers with.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Audit {
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    /// Grows by one with every change; the ETag is this number in quotes.
    pub version: i64,
}

impl<R> From<&Stored<R>> for Audit {
    fn from(s: &Stored<R>) -> Self {
        Self {
            created_at: s.created_at,
            modified_at: s.modified_at,
            version: s.version.0,
        }
    }
}

#[derive(ApiResponse)]
pub enum Fetched<T: ToJSON + Type + Send + Sync + 'static> {
    /// The resource; `ETag` is its current version.
    #[oai(status = 200)]
    Ok(Negotiated<T>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum Created<T: ToJSON + Type + Send + Sync + 'static> {
    /// Created; `Location` names the new resource.
    #[oai(status = 201)]
    Created(
        Negotiated<T>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum Listed<T: ParseFromJSON + ToJSON + Type + Send + Sync + 'static> {
    /// One page.
    #[oai(status = 200)]
    Ok(Negotiated<ListPage<T>>),
}

/// The page a list request asks for.
pub fn page(limit: Option<u32>, offset: Option<u64>) -> Page {
    Page {
        limit: limit.unwrap_or(DEFAULT_LIMIT),
        offset: offset.unwrap_or(0),
    }
}

pub fn invalid(errors: Vec<FieldError>) -> AppError {
    AppError::Validation(errors)
}

/// 404 unless the parent row `parent_id` of type `P` exists in the tenant.
pub async fn require_parent<P: Resource>(store: &Store, tenant: TenantId, parent_id: Uuid) -> Result<(), AppError> {
    store
        .record_get::<P::Data>(tenant, None, parent_id)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound(P::NAME))
}

pub async fn list<R: Resource + ParseFromJSON>(
    store: &Store,
    tenant: TenantId,
    parent_id: Option<Uuid>,
    page: Page,
) -> Result<Listed<R>, ProblemError> {
    let (items, total_count) = store.record_list::<R::Data>(tenant, parent_id, page).await?;
    Ok(Listed::Ok(Negotiated(ListPage {
        items: items.into_iter().map(R::from_stored).collect(),
        total_count,
        limit: page.limit,
        offset: page.offset,
    })))
}

pub async fn get<R: Resource>(
    store: &Store,
    tenant: TenantId,
    parent_id: Option<Uuid>,
    id: Uuid,
) -> Result<Fetched<R>, ProblemError> {
    let stored = store
        .record_get::<R::Data>(tenant, parent_id, id)
        .await?
        .ok_or(AppError::NotFound(R::NAME))?;
    let tag = etag(stored.version);
    Ok(Fetched::Ok(Negotiated(R::from_stored(stored)), tag))
}

/// Creates a record; `collection` is the path it is created under.
pub async fn create<R: Resource>(
    store: &Store,
    tenant: TenantId,
    parent_id: Option<Uuid>,
    collection: &str,
    data: R::Data,
) -> Result<Created<R>, ProblemError> {
    let stored = store
        .record_insert(tenant, None, parent_id, data)
        .await
        .map_err(|e| AppError::from_write(e, R::NAME))?;
    let location = format!("{}/{}", collection.trim_end_matches('/'), stored.entity_id);
    let tag = etag(stored.version);
    Ok(Created::Created(Negotiated(R::from_stored(stored)), location, tag))
}

pub async fn update<R: Resource>(
    store: &Store,
    tenant: TenantId,
    parent_id: Option<Uuid>,
    id: Uuid,
    if_match: Option<&str>,
    data: R::Data,
) -> Result<Fetched<R>, ProblemError> {
    let stored = store
        .record_update(tenant, parent_id, id, data, |v| if_match_allows(if_match, v))
        .await
        .map_err(|e| AppError::from_write(e, R::NAME))?;
    let tag = etag(stored.version);
    Ok(Fetched::Ok(Negotiated(R::from_stored(stored)), tag))
}
