//! Risk relationships: `/api/relationships`, faithful to the vendor's
//! document (seeds/002) for PUT, with its sibling list, get and create.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::types::{Example, MaybeUndefined, ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use crate::auth::Scope;
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::domain::relationship::{
    Patch, RawRelationship, RelationshipCommand, RelationshipState, check_references, parse_guid,
};
use crate::domain::{FieldError, Page};
use crate::http::auth::Bearer;
use crate::http::body::JsonOrXml;
use crate::http::envelope::IfMatch;
use crate::http::etag::etag;
use crate::http::links::base_url;
use crate::http::params::Documented;
use crate::http::{AppError, Body, Negotiated};
use crate::store::WriteTx;
use crate::store::relationships::{Order, RelationshipRecord, RelationshipView};
use crate::write::{self, Change};

pub mod envelope;
pub mod filters;

use filters::{DateFilter, IdFilter, StatusFilter, TextFilter};

use envelope::{RiskApiError, RiskError};

/// Where the dialect lives.
pub const PREFIX: &str = "/api/relationships";
pub const MAX_LIMIT: u32 = 50;
const PATH: &str = PREFIX;

/// Who sees a relationship (`internalAccess`, `externalAccess`): `ManagerOnly`,
/// `Team` or `All`. Read case-insensitively; stored and written as listed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "PascalCase")]
pub enum AccessLevel {
    ManagerOnly,
    Team,
    All,
}

/// A relationship's status.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipStatus {
    #[oai(rename = "Relationship_Active")]
    Active,
    #[oai(rename = "Relationship_Inactive")]
    Inactive,
    #[oai(rename = "Relationship_Draft")]
    Draft,
    #[oai(rename = "Relationship_Expired")]
    Expired,
}

/// The body of `PUT /api/relationships/{relationshipId}` (and of `POST`, where
/// `supplier` is required), as the vendor documents it.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct RelationshipInput {
    /// Max 500 characters.
    #[oai(validator(max_length = 500))]
    pub name: String,
    /// Date/time. ISO forms are accepted: `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm:ss`
    /// (UTC), and either with an offset or `Z`.
    pub start_effective_date: String,
    /// Organization GUIDs: at least one, no duplicates, none empty, each an
    /// existing organization of the tenant.
    #[oai(validator(min_items = 1, unique_items))]
    pub organizations: Vec<Uuid>,
    /// User entityId.
    pub internal_manager: Uuid,
    /// User entityId.
    pub external_manager: Uuid,
    /// Supplier entityId. Required on POST. On PUT: omit it, or send the
    /// existing supplier; anything else (including `null`) fails validation.
    #[oai(skip_serializing_if_is_none)]
    pub supplier: Option<Uuid>,
    /// An active classification of the tenant's setup data. Max 200 characters.
    #[oai(validator(max_length = 200))]
    pub classification: String,
    /// A category of the tenant's setup data. Max 200 characters.
    #[oai(validator(max_length = 200))]
    pub category: String,
    /// A subcategory of `category`. On PUT: omit to keep, `null` to clear.
    #[oai(skip_serializing_if_is_none, nullable, validator(max_length = 200))]
    pub sub_category: Option<String>,
    /// Relationship entityId; not the relationship itself, no cycles.
    /// On PUT: omit to keep, `null` to clear.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub parent_relationship: Option<Uuid>,
    // A doc comment on a field of a referenced type makes poem-openapi wrap
    // the reference in `allOf`, which client generators mishandle; the
    // values are described on `AccessLevel` itself.
    pub internal_access: AccessLevel,
    pub external_access: AccessLevel,
    pub status: RelationshipStatus,
    /// Addresses of the relationship's supplier; no duplicates. On PUT: omit
    /// to keep, `null` or `[]` to clear.
    #[oai(skip_serializing_if_is_none, nullable, validator(unique_items))]
    pub third_party_locations: Option<Vec<Uuid>>,
    /// Extension field (UDF) name to value; names must be defined extension
    /// fields of the tenant, values within their maximum length. On PUT:
    /// omit to keep, `null` or `{}` to clear (it is replaced as a whole).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub extension_fields: Option<BTreeMap<String, String>>,
}

impl Example for RelationshipInput {
    fn example() -> Self {
        Self {
            name: "Example relationship (updated)".into(),
            start_effective_date: "2026-05-01".into(),
            organizations: vec![crate::demo::ORGANIZATION],
            internal_manager: crate::demo::INTERNAL_MANAGER,
            external_manager: crate::demo::EXTERNAL_MANAGER,
            supplier: None,
            classification: "classification1".into(),
            category: "Cat1".into(),
            sub_category: None,
            parent_relationship: None,
            internal_access: AccessLevel::Team,
            external_access: AccessLevel::Team,
            status: RelationshipStatus::Active,
            third_party_locations: None,
            extension_fields: None,
        }
    }
}

/// How a relationship body is read: [`RelationshipInput`] with every field
/// optional, so that all missing and invalid fields are reported together.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelationshipDraft {
    pub name: Option<String>,
    pub start_effective_date: Option<String>,
    pub organizations: Option<Vec<String>>,
    pub internal_manager: Option<String>,
    pub external_manager: Option<String>,
    pub supplier: MaybeUndefined<String>,
    pub classification: Option<String>,
    pub category: Option<String>,
    pub sub_category: MaybeUndefined<String>,
    pub parent_relationship: MaybeUndefined<String>,
    pub internal_access: Option<String>,
    pub external_access: Option<String>,
    pub status: Option<String>,
    pub third_party_locations: MaybeUndefined<Vec<String>>,
    pub extension_fields: MaybeUndefined<BTreeMap<String, String>>,
}

fn patch<T>(value: MaybeUndefined<T>, is_empty: impl Fn(&T) -> bool) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) if is_empty(&v) => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}

impl From<RelationshipDraft> for RawRelationship {
    fn from(d: RelationshipDraft) -> Self {
        RawRelationship {
            name: d.name,
            start_effective_date: d.start_effective_date,
            organizations: d.organizations,
            internal_manager: d.internal_manager,
            external_manager: d.external_manager,
            // A supplier is never "cleared": null is a (refused) change.
            supplier: match d.supplier {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(v) => Patch::Set(v),
            },
            classification: d.classification,
            category: d.category,
            sub_category: patch(d.sub_category, |s| s.trim().is_empty()),
            parent_relationship: patch(d.parent_relationship, |s| s.trim().is_empty()),
            internal_access: d.internal_access,
            external_access: d.external_access,
            status: d.status,
            third_party_locations: patch(d.third_party_locations, Vec::is_empty),
            extension_fields: patch(d.extension_fields, BTreeMap::is_empty),
        }
    }
}

/// A link to a related resource.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct Link {
    pub rel: String,
    /// Absolute URL.
    pub href: String,
    pub method: String,
}

/// A reference to another resource: its id, display name and links. Users
/// (`internalManager`, `externalManager`) are named "Last, First".
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Reference {
    pub entity_id: Uuid,
    pub name: String,
    pub links: Vec<Link>,
}

/// A relationship as read.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Relationship {
    pub entity_id: Uuid,
    /// `R` and five digits, numbered per tenant in creation order.
    pub relationship_number: String,
    pub name: String,
    pub status: RelationshipStatus,
    pub start_effective_date: DateTime<Utc>,
    pub classification: String,
    pub category: String,
    #[oai(skip_serializing_if_is_none)]
    pub sub_category: Option<String>,
    pub internal_access: AccessLevel,
    pub external_access: AccessLevel,
    pub organizations: Vec<Reference>,
    #[oai(skip_serializing_if_is_none)]
    pub supplier: Option<Reference>,
    #[oai(skip_serializing_if_is_none)]
    pub parent_relationship: Option<Reference>,
    // Manager names are "Last, First" (see `Reference`); no doc comments
    // here, so that the references stay plain `$ref`s.
    pub internal_manager: Reference,
    pub external_manager: Reference,
    pub third_party_locations: Vec<Reference>,
    pub extension_fields: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub links: Vec<Link>,
}

/// What a create or an update answers: the id and where to go next.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct RelationshipWritten {
    pub entity_id: Uuid,
    pub links: Vec<Link>,
}

/// The vendor's success envelope.
#[derive(Object, Debug, Clone)]
pub struct RiskEnvelope<T: ParseFromJSON + ToJSON> {
    /// Always `true`.
    pub success: bool,
    pub result: T,
    /// Always empty.
    pub errors: Vec<RiskError>,
}

/// The vendor's list envelope.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RiskListEnvelope<T: ParseFromJSON + ToJSON> {
    /// Always `true`.
    pub success: bool,
    /// How many relationships match the filters in all.
    pub total_count: i64,
    pub result: Vec<T>,
    /// Always empty.
    pub errors: Vec<RiskError>,
}

fn ok<T: ParseFromJSON + ToJSON>(result: T) -> Negotiated<RiskEnvelope<T>> {
    Negotiated(RiskEnvelope {
        success: true,
        result,
        errors: Vec::new(),
    })
}

#[derive(ApiResponse)]
pub enum RelationshipFetched {
    /// The relationship; `ETag` is its version.
    #[oai(status = 200)]
    Ok(Negotiated<RiskEnvelope<Relationship>>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum RelationshipsListed {
    /// A page of relationships.
    #[oai(status = 200)]
    Ok(Negotiated<RiskListEnvelope<Relationship>>),
}

#[derive(ApiResponse)]
pub enum RelationshipCreated {
    /// Created; `Location` names the new relationship.
    #[oai(status = 201)]
    Created(
        Negotiated<RiskEnvelope<RelationshipWritten>>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum RelationshipUpdated {
    /// Updated; `ETag` is the new version.
    #[oai(status = 200)]
    Ok(
        Negotiated<RiskEnvelope<RelationshipWritten>>,
        #[oai(header = "ETag")] String,
    ),
}

/// How `order_by` may sort.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "camelCase")]
pub enum OrderBy {
    CreatedAt,
    ModifiedAt,
}

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "PascalCase")]
pub enum Direction {
    Asc,
    Desc,
}

fn access_level(a: crate::domain::relationship::Access) -> AccessLevel {
    use crate::domain::relationship::Access;
    match a {
        Access::ManagerOnly => AccessLevel::ManagerOnly,
        Access::Team => AccessLevel::Team,
        Access::All => AccessLevel::All,
    }
}

fn status(s: crate::domain::relationship::Status) -> RelationshipStatus {
    use crate::domain::relationship::Status;
    match s {
        Status::Active => RelationshipStatus::Active,
        Status::Inactive => RelationshipStatus::Inactive,
        Status::Draft => RelationshipStatus::Draft,
        Status::Expired => RelationshipStatus::Expired,
    }
}

/// Builds absolute links under one base URL.
struct Links {
    base: String,
}

impl Links {
    fn get(&self, rel: &str, path: String) -> Link {
        Link {
            rel: rel.into(),
            href: format!("{}{path}", self.base),
            method: "GET".into(),
        }
    }

    fn written(&self, id: Uuid) -> RelationshipWritten {
        let href = format!("{}{PATH}/{id}", self.base);
        RelationshipWritten {
            entity_id: id,
            links: vec![
                Link {
                    rel: "self".into(),
                    href: href.clone(),
                    method: "GET".into(),
                },
                Link {
                    rel: "update-relationship".into(),
                    href,
                    method: "PUT".into(),
                },
            ],
        }
    }

    fn reference(&self, id: Uuid, name: Option<String>, path: String) -> Reference {
        Reference {
            entity_id: id,
            name: name.unwrap_or_default(),
            links: vec![self.get("self", path)],
        }
    }

    fn relationship(&self, view: RelationshipView) -> Relationship {
        let RelationshipView { record, names } = view;
        let s = record.state;
        let user = |id: Uuid| {
            let name = names.users.get(&id).map(|(first, last)| format!("{last}, {first}"));
            self.reference(id, name, format!("/api/setup/users/{id}"))
        };
        let written = self.written(record.entity_id);
        Relationship {
            entity_id: record.entity_id,
            relationship_number: record.number,
            name: s.name,
            status: status(s.status),
            start_effective_date: s.start_effective_date,
            classification: s.classification,
            category: s.category,
            sub_category: s.sub_category,
            internal_access: access_level(s.internal_access),
            external_access: access_level(s.external_access),
            organizations: s
                .organizations
                .iter()
                .map(|&id| {
                    let name = names.organizations.get(&id).cloned();
                    self.reference(id, name, format!("/api/setup/organizations/{id}"))
                })
                .collect(),
            supplier: s.supplier.map(|id| {
                let name = names.suppliers.get(&id).cloned();
                self.reference(id, name, format!("/api/setup/suppliers/{id}"))
            }),
            parent_relationship: s.parent_relationship.map(|id| {
                let name = names.relationships.get(&id).cloned();
                self.reference(id, name, format!("{PATH}/{id}"))
            }),
            internal_manager: user(s.internal_manager),
            external_manager: user(s.external_manager),
            third_party_locations: s
                .third_party_locations
                .iter()
                .map(|&id| {
                    let (supplier, name) = names.addresses.get(&id).cloned().unzip();
                    let path = format!("/api/setup/suppliers/{}/addresses/{id}", supplier.unwrap_or_default());
                    self.reference(id, name, path)
                })
                .collect(),
            extension_fields: s.extension_fields,
            created_at: record.created_at,
            modified_at: record.modified_at,
            links: written.links,
        }
    }
}

/// The relationship id of a path: a GUID, not the empty GUID.
fn relationship_id(text: &str) -> Result<Uuid, FieldError> {
    parse_guid("relationshipId", text)
}

/// Checks a state against the tenant's data (one batch of lookups, on the write's transaction).
async fn check(tx: &mut WriteTx, id: Uuid, state: &RelationshipState) -> Result<(), AppError> {
    let refs = tx.relationship_references(state).await?;
    let errors = check_references(id, state, &refs);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// A PUT's body, applied to the relationship as stored.
struct Replace {
    id: Uuid,
    draft: RawRelationship,
}

impl Change<RelationshipRecord> for Replace {
    type Output = RelationshipState;

    async fn apply(self, tx: &mut WriteTx, current: &RelationshipRecord) -> Result<RelationshipState, AppError> {
        let state = RelationshipCommand::parse(self.draft, Some(self.id))
            .and_then(|command| command.apply(Some(&current.state)))
            .map_err(AppError::Validation)?;
        check(tx, self.id, &state).await?;
        Ok(state)
    }
}

pub struct RelationshipsApi {
    ctx: ApiContext,
}

impl RelationshipsApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    fn links(&self, request: &Request) -> Links {
        Links {
            base: base_url(request, self.ctx.public_url.as_deref()),
        }
    }
}

#[OpenApi(prefix_path = PREFIX, tag = "ApiTag::RiskRelationships")]
impl RelationshipsApi {
    /// List relationships
    ///
    /// Pages through the tenant's relationships. Filters are bracket
    /// operators in the query string (each documented as a `deepObject`
    /// parameter: `name[contains]=acme`), all of which must hold:
    /// `entityId[eq]`; `name`, `status`, `relationshipNumber`,
    /// `classification`, `category` with `[eq]` (exact) or `[contains]`
    /// (case-insensitive); `createdAt`, `modifiedAt`, `startEffectiveDate`
    /// with `[eq]`, `[lt]`, `[gt]` and an ISO date or date-time. An unknown
    /// parameter, filter field or operator, a bad value, or `limit` over 50:
    /// 400 with one `ValidationError` per problem.
    #[oai(path = "/", method = "get", operation_id = "listRelationships")]
    #[allow(clippy::too_many_arguments)]
    async fn relationships_list(
        &self,
        request: &Request,
        #[oai(scope = "Scope::RelationshipRead")] auth: Bearer,
        /// Page size, 1-50 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
        /// Sort key (default `createdAt`).
        order_by: Query<Option<OrderBy>>,
        /// Sort direction (default `Asc`).
        dir: Query<Option<Direction>>,
        /// `entityId[eq]=<GUID>`.
        #[oai(name = "entityId", style = "deep_object")]
        _entity_id: Documented<IdFilter>,
        /// `name[eq]`, `name[contains]`.
        #[oai(name = "name", style = "deep_object")]
        _name: Documented<TextFilter>,
        /// `status[eq]`, `status[contains]`.
        #[oai(name = "status", style = "deep_object")]
        _status: Documented<StatusFilter>,
        /// `relationshipNumber[eq]` (e.g. `R00042`), `relationshipNumber[contains]`.
        #[oai(name = "relationshipNumber", style = "deep_object")]
        _number: Documented<TextFilter>,
        /// `classification[eq]`, `classification[contains]`.
        #[oai(name = "classification", style = "deep_object")]
        _classification: Documented<TextFilter>,
        /// `category[eq]`, `category[contains]`.
        #[oai(name = "category", style = "deep_object")]
        _category: Documented<TextFilter>,
        /// `createdAt[eq]`, `createdAt[lt]`, `createdAt[gt]`.
        #[oai(name = "createdAt", style = "deep_object")]
        _created_at: Documented<DateFilter>,
        /// `modifiedAt[eq]`, `modifiedAt[lt]`, `modifiedAt[gt]`.
        #[oai(name = "modifiedAt", style = "deep_object")]
        _modified_at: Documented<DateFilter>,
        /// `startEffectiveDate[eq]`, `[lt]`, `[gt]` (`yyyy-MM-dd` means midnight UTC).
        #[oai(name = "startEffectiveDate", style = "deep_object")]
        _start_effective_date: Documented<DateFilter>,
    ) -> Result<RelationshipsListed, RiskApiError> {
        // The filter parameters above only document; one parser reads the
        // query string, so every problem is reported at once.
        let filters = filters::parse(request.uri().query().unwrap_or_default()).map_err(AppError::Validation)?;
        let page = Page {
            limit: limit.0.unwrap_or(MAX_LIMIT),
            offset: offset.0.unwrap_or(0),
        };
        let order = Order {
            by_modified: order_by.0 == Some(OrderBy::ModifiedAt),
            descending: dir.0 == Some(Direction::Desc),
        };
        let tenant = auth.0.tenant;
        let (views, total_count) = self.ctx.store.relationship_list(tenant, &filters, order, page).await?;
        let links = self.links(request);
        let result = views.into_iter().map(|view| links.relationship(view)).collect();
        Ok(RelationshipsListed::Ok(Negotiated(RiskListEnvelope {
            success: true,
            total_count,
            result,
            errors: Vec::new(),
        })))
    }

    /// Get a relationship
    ///
    /// Unknown relationship, or one of another tenant: 404 `DataNotFound`
    /// "Relationship not found".
    #[oai(path = "/:relationshipId", method = "get", operation_id = "getRelationship")]
    async fn relationships_get(
        &self,
        request: &Request,
        #[oai(scope = "Scope::RelationshipRead")] auth: Bearer,
        /// Relationship entityId (GUID). Must not be an empty GUID.
        #[oai(name = "relationshipId")]
        relationship_id_param: Path<String>,
    ) -> Result<RelationshipFetched, RiskApiError> {
        let id = relationship_id(&relationship_id_param.0).map_err(|e| AppError::Validation(vec![e]))?;
        let view = self
            .ctx
            .store
            .relationship_get(auth.0.tenant, id)
            .await?
            .ok_or(AppError::NotFound("Relationship"))?;
        let tag = etag(view.record.version);
        let links = self.links(request);
        Ok(RelationshipFetched::Ok(ok(links.relationship(view)), tag))
    }

    /// Create a relationship
    ///
    /// The same body as PUT, but `supplier` is required and must exist. The
    /// relationship gets the tenant's next number (`R00001`, ...). 201 with
    /// `Location`.
    #[oai(path = "/", method = "post", operation_id = "createRelationship")]
    async fn relationships_create(
        &self,
        request: &Request,
        #[oai(scope = "Scope::RelationshipWrite")] auth: Bearer,
        body: Body<RelationshipDraft, JsonOrXml, RelationshipInput>,
    ) -> Result<RelationshipCreated, RiskApiError> {
        let id = Uuid::new_v4();
        let state = RelationshipCommand::parse(body.0.into(), None)
            .and_then(|command| command.apply(None))
            .map_err(AppError::Validation)?;
        let mut tx = self.ctx.store.begin_write(auth.0.tenant).await?;
        let result = async {
            check(&mut tx, id, &state).await?;
            Ok(tx.relationship_create(id, &state).await?)
        }
        .await;
        let record = write::finish(tx, result).await?;
        let links = self.links(request);
        let location = format!("{PATH}/{id}");
        Ok(RelationshipCreated::Created(
            ok(links.written(id)),
            location,
            etag(record.version),
        ))
    }

    /// Update a relationship
    ///
    /// Updates an existing relationship, as the vendor documents it: scope
    /// `riskassess.relationship.write`; `Accept` and `Content-Type`
    /// `application/json` or `application/xml`; optional `X-Correlation-Id`.
    ///
    /// Choices where the document is silent: every required field must be
    /// sent (the body is the whole relationship); an omitted optional field
    /// (`subCategory`, `parentRelationship`, `thirdPartyLocations`,
    /// `extensionFields`) keeps its stored value, while an explicit `null`
    /// (or `[]`, `{}`; in XML an empty element or `xsi:nil="true"`) clears
    /// it. `supplier` may be omitted or repeated, never changed. All
    /// violations are reported together, one `errors[]` entry each. With
    /// `If-Match`, the update happens only while the ETag is current (else
    /// 412 and nothing changes); without it, the update waits for any write
    /// in progress and is then applied (last writer wins). The read, the
    /// checks against the tenant's setup data and the write are one
    /// transaction.
    #[oai(path = "/:relationshipId", method = "put", operation_id = "updateRelationship")]
    async fn relationships_update(
        &self,
        request: &Request,
        #[oai(scope = "Scope::RelationshipWrite")] auth: Bearer,
        /// Relationship entityId (GUID). Must not be an empty GUID.
        #[oai(name = "relationshipId")]
        relationship_id_param: Path<String>,
        /// An ETag from an earlier GET or PUT: update only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<RelationshipDraft, JsonOrXml, RelationshipInput>,
    ) -> Result<RelationshipUpdated, RiskApiError<IfMatch>> {
        let tenant = auth.0.tenant;
        let draft: RawRelationship = body.0.into();
        let id = match relationship_id(&relationship_id_param.0) {
            Ok(id) => id,
            Err(e) => {
                // Report the body's own problems along with the path's.
                let mut errors = vec![e];
                errors.extend(RelationshipCommand::parse(draft, None).err().unwrap_or_default());
                return Err(AppError::Validation(errors).into());
            }
        };
        let tx = self.ctx.store.begin_write(tenant).await?;
        let updated = write::update(tx, &id, if_match.0.as_deref(), Replace { id, draft }).await?;
        let version = updated.version;
        let links = self.links(request);
        Ok(RelationshipUpdated::Ok(ok(links.written(id)), etag(version)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::property_names;

    #[test]
    fn the_reader_knows_exactly_the_documented_fields() {
        let documented = property_names::<RelationshipInput>();
        assert_eq!(documented.len(), 15);
        assert_eq!(documented, property_names::<RelationshipDraft>());
    }
}
