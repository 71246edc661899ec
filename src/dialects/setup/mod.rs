//! `/api/setup/...`: the tenant's setup data, one module per resource.
//!
//! Every resource works the same way (list with paging, get, create,
//! update; deactivate with `active: false` rather than delete), so the work
//! is done once, here: a resource module declares its shapes (a
//! [`Resource`] to answer with, ending in the shared [`Meta`]; an [`Input`]
//! to read) and `setup_api!` writes its four documented operations.

pub mod categories;
pub mod classifications;
pub mod extension_fields;
pub mod form_configurations;
pub mod organizations;
pub mod relationship_user_types;
pub mod suppliers;
pub mod users;

use poem_openapi::ApiResponse;
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use serde::Serialize;
use uuid::Uuid;

use crate::api::cursor;
use crate::auth::Principal;
use crate::codec::Negotiated;
use crate::domain::etag::{etag, http_date};
use crate::domain::{FieldError, Page, Position, TenantId};
use crate::error::AppError;
use crate::store::setup::records::{Record, RecordKey, Stored};
use crate::store::{Store, WriteTx};
use crate::wire::Timestamp;
use crate::write::{self, Change};

pub const DEFAULT_LIMIT: u32 = 50;

/// What a write knows besides its body.
pub struct WriteContext<'a, D> {
    /// The next number of the resource's sequence on create (see
    /// [`Input::SEQUENCE`]), 0 otherwise.
    pub number: i64,
    /// The credential making the write.
    pub actor: &'a str,
    /// The stored data, on update.
    pub current: Option<&'a D>,
}

/// A request body of a setup resource, turned into its data.
pub trait Input: ParseFromJSON + Clone + Send + 'static {
    type Data: Record;
    /// The per-tenant sequence a created row takes its number from.
    const SEQUENCE: Option<&'static str> = None;

    /// The data to store, or every violation.
    fn into_data(self, write: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>>;
}

/// An API shape of a stored setup record.
pub trait Resource: ToJSON + Serialize + Type + Send + Sync + 'static {
    type Data: Record + 'static;

    fn from_stored(stored: Stored<Self::Data>) -> Self;
}

crate::wire! {
    /// What every setup answer ends with, whatever the resource: the row's
    /// version (its `ETag`) and when it was created and last changed.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct Meta {
        pub version: i64,
        pub created_at: Timestamp,
        pub modified_at: Timestamp,
    }
}

impl<D> From<&Stored<D>> for Meta {
    fn from(s: &Stored<D>) -> Self {
        Self {
            version: s.version.0,
            created_at: s.created_at.into(),
            modified_at: s.modified_at.into(),
        }
    }
}

crate::wire! {
    /// One page of a list, in the order its operation gives.
    #[derive(Debug)]
    #[rename_all = "camelCase"]
    #[oai(rename = "List")]
    pub struct ListPage<T> {
        pub items: Vec<T>,
        /// How many there are in all.
        pub total_count: i64,
        pub limit: u32,
        pub offset: u64,
    }
}

#[derive(ApiResponse)]
pub enum Fetched<T: ToJSON + Serialize + Type + Send + Sync + 'static> {
    /// The resource; `ETag` is its current version, `Last-Modified` its `modifiedAt`.
    #[oai(status = 200)]
    Ok(
        Negotiated<T>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Last-Modified")] String,
    ),
}

#[derive(ApiResponse)]
pub enum Created<T: ToJSON + Serialize + Type + Send + Sync + 'static> {
    /// Created; `Location` names the new resource.
    #[oai(status = 201)]
    Created(
        Negotiated<T>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum Listed<T: ParseFromJSON + ToJSON + Serialize + Type + Send + Sync + 'static> {
    /// One page; `Link` names the next page when this one is full.
    #[oai(status = 200)]
    Ok(Negotiated<ListPage<T>>, #[oai(header = "Link")] Option<String>),
}

/// The page a list request asks for: `limit` rows from `offset`, or after
/// the cursor `after` (see `api::cursor`).
pub fn page(
    limit: Option<u32>,
    offset: Option<i64>,
    after: Option<&str>,
) -> Result<(Page, Option<Position>), AppError> {
    let after = cursor::start(after).map_err(|e| invalid(vec![e]))?;
    let page = Page {
        limit: limit.unwrap_or(DEFAULT_LIMIT),
        offset: Page::offset(offset),
    };
    Ok((page, after))
}

fn invalid(errors: Vec<FieldError>) -> AppError {
    AppError::Validation(errors)
}

/// The id of a parent row of type `P`, as the store's keys take it (the
/// type names which macro repetition this is).
pub fn under<P: Resource>(id: Uuid) -> Option<Uuid> {
    Some(id)
}

/// Lists the records under `parent_id` (a row of `P`, for child resources:
/// 404 unless it exists in the tenant).
pub async fn list<R: Resource + ParseFromJSON, P: Resource>(
    store: &Store,
    tenant: TenantId,
    parent_id: Option<Uuid>,
    (page, after): (Page, Option<Position>),
    request: &poem::Request,
) -> Result<Listed<R>, AppError> {
    if let Some(parent_id) = parent_id {
        store
            .record_get::<P::Data>(tenant, None, parent_id)
            .await?
            .ok_or(AppError::NotFound(P::Data::NAME))?;
    }
    let (items, total_count) = store.record_list::<R::Data>(tenant, parent_id, page, after).await?;
    let next = match items.last() {
        Some(last) if items.len() == page.limit as usize => {
            let after = cursor::cursor(Position {
                at: last.created_at,
                id: last.entity_id,
            });
            Some(cursor::next_link(
                request.uri().path(),
                request.uri().query().unwrap_or_default(),
                &after,
            ))
        }
        _ => None,
    };
    let page = ListPage {
        items: items.into_iter().map(R::from_stored).collect(),
        total_count,
        limit: page.limit,
        offset: page.offset,
    };
    Ok(Listed::Ok(Negotiated(page), next))
}

pub async fn get<R: Resource>(
    store: &Store,
    tenant: TenantId,
    parent_id: Option<Uuid>,
    id: Uuid,
) -> Result<Fetched<R>, AppError> {
    let stored = store
        .record_get::<R::Data>(tenant, parent_id, id)
        .await?
        .ok_or(AppError::NotFound(R::Data::NAME))?;
    let (tag, modified) = (etag(stored.version), http_date(stored.modified_at));
    Ok(Fetched::Ok(Negotiated(R::from_stored(stored)), tag, modified))
}

/// Creates a record under `parent_id` (a row of `P`, for child resources);
/// `collection` is the path it is created under.
pub async fn create<R: Resource, I: Input<Data = R::Data>, P: Resource>(
    store: &Store,
    principal: &Principal,
    parent_id: Option<Uuid>,
    collection: &str,
    input: I,
) -> Result<Created<R>, AppError> {
    let actor = principal.actor();
    let mut write = WriteContext {
        number: 0,
        actor: &actor,
        current: None,
    };
    // Validate first, so that a refused body takes no lock and uses up no number.
    let data = input.clone().into_data(&write).map_err(invalid)?;
    let mut tx = store.begin_write(principal.tenant).await?;
    let result = async {
        if let Some(parent_id) = parent_id {
            tx.record_get::<P::Data>(None, parent_id)
                .await?
                .ok_or(AppError::NotFound(P::Data::NAME))?;
        }
        let data = match I::SEQUENCE {
            Some(sequence) => {
                write.number = tx.next_number(sequence).await?;
                input.into_data(&write).map_err(invalid)?
            }
            None => data,
        };
        tx.record_insert(None, parent_id, data).await.map_err(AppError::from)
    }
    .await;
    let stored = write::finish(tx, result).await?;
    let location = format!("{}/{}", collection.trim_end_matches('/'), stored.entity_id);
    let tag = etag(stored.version);
    Ok(Created::Created(Negotiated(R::from_stored(stored)), location, tag))
}

/// A setup body replacing a row's data.
struct Replace<I> {
    input: I,
    actor: String,
}

impl<I: Input> Change<Stored<I::Data>> for Replace<I> {
    type Output = I::Data;

    async fn apply(self, _tx: &mut WriteTx, current: &Stored<I::Data>) -> Result<I::Data, AppError> {
        let write = WriteContext {
            number: 0,
            actor: &self.actor,
            current: Some(&current.data),
        };
        self.input.into_data(&write).map_err(invalid)
    }
}

pub async fn update<R: Resource, I: Input<Data = R::Data>>(
    store: &Store,
    principal: &Principal,
    key: RecordKey,
    if_match: Option<&str>,
    input: I,
) -> Result<Fetched<R>, AppError> {
    let tx = store.begin_write(principal.tenant).await?;
    let change = Replace {
        input,
        actor: principal.actor(),
    };
    let updated = write::update::<Stored<R::Data>, _>(tx, &key, if_match, change).await?;
    let stored = Stored {
        version: updated.version,
        modified_at: updated.modified_at,
        data: updated.after,
        ..updated.before
    };
    let (tag, modified) = (etag(stored.version), http_date(stored.modified_at));
    Ok(Fetched::Ok(Negotiated(R::from_stored(stored)), tag, modified))
}

/// Writes the `#[OpenApi]` impl of a setup resource: list and create at
/// `$prefix$collection`, get and update at `$prefix$item`, with the given
/// operation ids and summaries, scopes `setup.read` and `setup.write`. With
/// `parent`, the collection lives under a row of another resource, whose id
/// is the path parameter named there. With `unique`, some value must be
/// unique in the tenant (the text says which): its writes may answer 409.
macro_rules! setup_api {
    // The parent resource's type, or the resource's own where it has none (then unused).
    (@parent $own:ty;) => { $own };
    (@parent $own:ty; $parent:ty) => { $parent };
    // The occasional statuses of a write (see `crate::api::envelope::Outcomes`).
    (@unique) => { () };
    (@unique $what:literal) => { $crate::api::envelope::Unique };
    (
        $api:ident, $prefix:literal, $collection:literal, $item:literal, $resource:ty, $input:ty,
        list: $list_id:literal, $list_summary:literal,
        create: $create_id:literal, $create_summary:literal,
        get: $get_id:literal, $get_summary:literal,
        update: $update_id:literal, $update_summary:literal,
        example: $example:literal,
        $(parent: $parent_name:literal => $parent:ty, example: $parent_example:literal,)?
        $(unique: $unique:literal,)?
    ) => {
        pub struct $api {
            ctx: $crate::dialects::ApiContext,
        }

        impl $api {
            pub fn new(ctx: $crate::dialects::ApiContext) -> Self {
                Self { ctx }
            }
        }

        #[poem_openapi::OpenApi(prefix_path = $prefix, tag = "crate::dialects::ApiTag::Setup")]
        impl $api {
            #[doc = $list_summary]
            #[doc = ""]
            #[doc = "Pages through them, oldest first (`limit` 1-200, default 50; `offset` up to 10,000, counted from `after`, when sent: the cursor in a full page's `Link: <…>; rel=\"next\"`, which pages on at the cost of a first page; a cursor this list did not write is 400). Rows of another tenant (or under another tenant's parent) are never listed: 404 for such a parent."]
            #[oai(path = $collection, method = "get", operation_id = $list_id)]
            async fn list(
                &self,
                request: &poem::Request,
                #[oai(scope = "crate::auth::Scope::SetupRead")] auth: $crate::api::auth::Bearer,
                $(#[oai(name = $parent_name, example = $parent_example)] parent: poem_openapi::param::Path<uuid::Uuid>,)?
                /// Page size, 1-200 (default 50).
                #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
                limit: poem_openapi::param::Query<Option<u32>>,
                /// Rows to skip, 0-10000 (default 0).
                #[oai(validator(minimum(value = "0"), maximum(value = "10000")))]
                offset: poem_openapi::param::Query<Option<i64>>,
                /// A cursor from the `Link rel="next"` of the previous page: this page starts after it.
                after: poem_openapi::param::Query<Option<String>>,
            ) -> Result<$crate::dialects::setup::Listed<$resource>, $crate::api::ProblemError> {
                let parent_id = None $(.or($crate::dialects::setup::under::<$parent>(parent.0)))?;
                let page = $crate::dialects::setup::page(limit.0, offset.0, after.0.as_deref())?;
                Ok($crate::dialects::setup::list::<$resource, $crate::dialects::setup::setup_api!(@parent $resource; $($parent)?)>(
                    &self.ctx.store, auth.0.tenant, parent_id, page, request,
                ).await?)
            }

            #[doc = $create_summary]
            #[doc = ""]
            #[doc = "Creates it in the caller's tenant: 201 with `Location` and `ETag`. Fields the schema does not know are refused (400), never stored."]
            $(#[doc = ""] #[doc = concat!("Unique in the tenant: ", $unique, "; a value already taken is 409.")])?
            #[oai(path = $collection, method = "post", operation_id = $create_id)]
            async fn create(
                &self,
                #[oai(scope = "crate::auth::Scope::SetupWrite")] auth: $crate::api::auth::Bearer,
                $(#[oai(name = $parent_name, example = $parent_example)] parent: poem_openapi::param::Path<uuid::Uuid>,)?
                body: $crate::codec::Body<$input>,
            ) -> Result<
                $crate::dialects::setup::Created<$resource>,
                $crate::api::ProblemError<$crate::dialects::setup::setup_api!(@unique $($unique)?)>,
            > {
                let parent_id = None $(.or($crate::dialects::setup::under::<$parent>(parent.0)))?;
                let collection = concat!($prefix, $collection).trim_end_matches('/')
                    $(.replace(concat!(":", $parent_name), &parent.0.to_string()))?;
                Ok($crate::dialects::setup::create::<$resource, $input, $crate::dialects::setup::setup_api!(@parent $resource; $($parent)?)>(
                    &self.ctx.store, &auth.0, parent_id, &collection, body.0,
                ).await?)
            }

            #[doc = $get_summary]
            #[doc = ""]
            #[doc = "One row of the caller's tenant, with its `ETag`; another tenant's is 404."]
            #[oai(path = $item, method = "get", operation_id = $get_id)]
            async fn get(
                &self,
                #[oai(scope = "crate::auth::Scope::SetupRead")] auth: $crate::api::auth::Bearer,
                $(#[oai(name = $parent_name, example = $parent_example)] parent: poem_openapi::param::Path<uuid::Uuid>,)?
                #[oai(name = "entityId", example = $example)] entity_id: poem_openapi::param::Path<uuid::Uuid>,
            ) -> Result<$crate::dialects::setup::Fetched<$resource>, $crate::api::ProblemError> {
                let parent_id = None $(.or($crate::dialects::setup::under::<$parent>(parent.0)))?;
                Ok($crate::dialects::setup::get(&self.ctx.store, auth.0.tenant, parent_id, entity_id.0).await?)
            }

            #[doc = $update_summary]
            #[doc = ""]
            #[doc = "Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes); without, it is applied after any write in progress. Deactivate with `active: false` rather than deleting."]
            $(#[doc = ""] #[doc = concat!("Unique in the tenant: ", $unique, "; a value already taken is 409.")])?
            #[oai(path = $item, method = "put", operation_id = $update_id)]
            async fn update(
                &self,
                #[oai(scope = "crate::auth::Scope::SetupWrite")] auth: $crate::api::auth::Bearer,
                $(#[oai(name = $parent_name, example = $parent_example)] parent: poem_openapi::param::Path<uuid::Uuid>,)?
                #[oai(name = "entityId", example = $example)] entity_id: poem_openapi::param::Path<uuid::Uuid>,
                /// An ETag from an earlier GET or PUT: update only if it is still current.
                #[oai(name = "If-Match")]
                if_match: poem_openapi::param::Header<Option<String>>,
                body: $crate::codec::Body<$input>,
            ) -> Result<
                $crate::dialects::setup::Fetched<$resource>,
                $crate::api::ProblemError<($crate::api::envelope::IfMatch, $crate::dialects::setup::setup_api!(@unique $($unique)?))>,
            > {
                let parent_id = None $(.or($crate::dialects::setup::under::<$parent>(parent.0)))?;
                let key = $crate::store::setup::records::RecordKey { parent_id, entity_id: entity_id.0 };
                Ok($crate::dialects::setup::update(&self.ctx.store, &auth.0, key, if_match.0.as_deref(), body.0).await?)
            }
        }
    };
}

pub(crate) use setup_api;

/// Writes the API shapes of a setup resource whose data is a
/// [`Named`](crate::domain::setup::Named) value (a name and an active
/// flag): the resource as read, the body that creates or replaces it, its
/// example, and the reading.
macro_rules! named_resource {
    (
        $(#[$doc:meta])* $resource:ident, $input:ident,
        body: $input_doc:literal, name: $name_doc:literal, example: $example:literal
    ) => {
        $crate::wire! {
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq)]
            #[rename_all = "camelCase"]
            pub struct $resource {
                pub entity_id: uuid::Uuid,
                #[doc = $name_doc]
                pub name: String,
                /// Inactive rows stay readable; deactivate rather than delete.
                pub active: bool,
                #[flatten]
                pub meta: $crate::dialects::setup::Meta,
            }
        }

        impl $crate::dialects::setup::Resource for $resource {
            type Data = $crate::domain::setup::$resource;

            fn from_stored(s: $crate::store::setup::records::Stored<Self::Data>) -> Self {
                Self {
                    meta: (&s).into(),
                    entity_id: s.entity_id,
                    name: s.data.name,
                    active: s.data.active,
                }
            }
        }

        #[doc = $input_doc]
        #[derive(poem_openapi::Object, Debug, Clone)]
        #[oai(rename_all = "camelCase", deny_unknown_fields, example)]
        pub struct $input {
            /// 1-200 characters on one line (no control characters), not
            /// blank; stored trimmed.
            pub name: $crate::codec::text::Text<$crate::domain::text::Line<{ $crate::domain::setup::NAME_MAX }>>,
            /// Defaults to `true` (absent or `null`); `false` deactivates.
            #[oai(skip_serializing_if_is_none, nullable)]
            pub active: Option<bool>,
        }

        impl poem_openapi::types::Example for $input {
            fn example() -> Self {
                Self {
                    name: $example.into(),
                    active: Some(true),
                }
            }
        }

        impl $crate::dialects::setup::Input for $input {
            type Data = $crate::domain::setup::$resource;

            fn into_data(
                self,
                _: &$crate::dialects::setup::WriteContext<'_, Self::Data>,
            ) -> Result<Self::Data, Vec<$crate::domain::FieldError>> {
                $crate::domain::setup::$resource::parse(&self.name, self.active)
            }
        }
    };
}

pub(crate) use named_resource;
