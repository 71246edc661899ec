//! Risk relationships: `/api/relationships`, faithful to the vendor's
//! document (seeds/002) for PUT, with its sibling list, get and create.

use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use uuid::Uuid;

use crate::api::auth::Bearer;
use crate::api::cursor;
use crate::api::envelope::IfMatch;
use crate::api::links::base_url;
use crate::auth::Scope;
use crate::codec::{BodyObject, Negotiated};
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::domain::etag::{etag, http_date};
use crate::domain::relationship::{Members, Onto, RelationshipState, check_references, parse_guid};
use crate::domain::{FieldError, Page};
use crate::error::AppError;
use crate::store::WriteTx;
use crate::store::relationships::{Order, RelationshipRecord};
use crate::write::{self, Change};

pub mod envelope;
pub mod filters;
mod links;
pub mod schema;

use links::Links;
use schema::*;

use envelope::RiskApiError;

/// Where the dialect lives.
pub const PREFIX: &str = "/api/relationships";
pub const MAX_LIMIT: u32 = 50;
const PATH: &str = PREFIX;

/// The relationship id of a path: a GUID, not the empty GUID.
fn relationship_id(text: &str) -> Result<Uuid, FieldError> {
    parse_guid("relationshipId", text)
}

/// The demo's relationship, the path parameter's example.
fn example_id() -> RelationshipIdParam {
    RelationshipIdParam(crate::demo::examples::relationship())
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
    body: Members,
}

impl Change<RelationshipRecord> for Replace {
    type Output = RelationshipState;

    async fn apply(self, tx: &mut WriteTx, current: &RelationshipRecord) -> Result<RelationshipState, AppError> {
        let state = RelationshipState::parse(&self.body, Onto::Stored(self.id, &current.state))
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
    /// operators in the query string (`name[contains]=acme`, each declared as
    /// a query parameter of that name), all of which must hold:
    /// `entityId[eq]`; `name`, `status`, `relationshipNumber`,
    /// `classification`, `category` with `[eq]` (exact) or `[contains]`
    /// (case-insensitive); `createdAt`, `modifiedAt`, `startEffectiveDate`
    /// with `[eq]`, `[lt]`, `[gt]` and an ISO date or date-time. An unknown
    /// parameter, filter field or operator, a bad value, or `limit` over 50:
    /// 400 with one `ValidationError` per problem.
    ///
    /// Paging, beyond the vendor document (which shows `limit` and `offset`
    /// only): `offset` stops at 10,000 (deeper is 400), so that no page
    /// costs more than a shallow one. A full page carries
    /// `Link: <…&after=CURSOR>; rel="next"` (RFC 8288): the same query with
    /// a cursor in place of `offset`, read from the index at the cost of a
    /// first page however deep it is; the last page carries none. With
    /// `after`, `offset` counts from the cursor. A cursor this list did not
    /// write: 400.
    #[oai(path = "/", method = "get", operation_id = "listRelationships")]
    #[allow(clippy::too_many_arguments)]
    async fn relationships_list(
        &self,
        request: &Request,
        #[oai(scope = "Scope::RelationshipRead")] auth: Bearer,
        /// Page size, 1-50 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
        limit: Query<Option<u32>>,
        /// Rows to skip, 0-10000 (default 0); past that, follow the `next` link.
        #[oai(validator(minimum(value = "0"), maximum(value = "10000")))]
        offset: Query<Option<i64>>,
        /// A cursor from the `Link rel="next"` of the previous page: this page
        /// starts after it, in the same order.
        after: Query<Option<String>>,
        /// Sort key (default `createdAt`).
        order_by: Query<Option<OrderBy>>,
        /// Sort direction (default `Asc`).
        dir: Query<Option<Direction>>,
    ) -> Result<RelationshipsListed, RiskApiError> {
        // The filters, declared from their table (`filters::parameters`),
        // are read by one parser, so every problem is reported at once.
        let query = request.uri().query().unwrap_or_default();
        let filters = filters::parse(query).map_err(AppError::Validation)?;
        let page = Page {
            limit: limit.0.unwrap_or(MAX_LIMIT),
            offset: Page::offset(offset.0),
        };
        let after = cursor::start(after.0.as_deref()).map_err(|e| AppError::Validation(vec![e]))?;
        let order = Order {
            by_modified: order_by.0 == Some(OrderBy::ModifiedAt),
            descending: dir.0 == Some(Direction::Desc),
            after,
        };
        let tenant = auth.0.tenant;
        let (views, total_count) = self.ctx.store.relationship_list(tenant, &filters, order, page).await?;
        let next = match views.last() {
            Some(last) if views.len() == page.limit as usize => {
                let after = cursor::cursor(order.position_of(&last.record));
                Some(cursor::next_link(request.uri().path(), query, &after))
            }
            _ => None,
        };
        let links = self.links(request);
        let result = views.into_iter().map(|view| links.relationship(view)).collect();
        Ok(RelationshipsListed::Ok(
            Negotiated(RiskListEnvelope {
                success: true,
                total_count,
                result,
                errors: Vec::new(),
            }),
            next,
        ))
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
        #[oai(name = "relationshipId", example = "example_id")]
        relationship_id_param: Path<RelationshipIdParam>,
    ) -> Result<RelationshipFetched, RiskApiError> {
        let id = relationship_id(&relationship_id_param.0.0).map_err(|e| AppError::Validation(vec![e]))?;
        let view = self
            .ctx
            .store
            .relationship_get(auth.0.tenant, id)
            .await?
            .ok_or(AppError::NotFound("Relationship"))?;
        let (tag, modified) = (etag(view.record.version), http_date(view.record.modified_at));
        let links = self.links(request);
        Ok(RelationshipFetched::Ok(ok(links.relationship(view)), tag, modified))
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
        body: BodyObject<RelationshipCreate>,
    ) -> Result<RelationshipCreated, RiskApiError> {
        let id = Uuid::new_v4();
        let state = RelationshipState::parse(&body.0, Onto::New).map_err(AppError::Validation)?;
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
        #[oai(name = "relationshipId", example = "example_id")]
        relationship_id_param: Path<RelationshipIdParam>,
        /// An ETag from an earlier GET or PUT: update only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: BodyObject<RelationshipInput>,
    ) -> Result<RelationshipUpdated, RiskApiError<IfMatch>> {
        let tenant = auth.0.tenant;
        let id = match relationship_id(&relationship_id_param.0.0) {
            Ok(id) => id,
            Err(e) => {
                // Report the body's own problems along with the path's.
                let mut errors = vec![e];
                errors.extend(
                    RelationshipState::parse(&body.0, Onto::Unread)
                        .err()
                        .unwrap_or_default(),
                );
                return Err(AppError::Validation(errors).into());
            }
        };
        let tx = self.ctx.store.begin_write(tenant).await?;
        let updated = write::update(tx, &id, if_match.0.as_deref(), Replace { id, body: body.0 }).await?;
        let version = updated.version;
        let links = self.links(request);
        Ok(RelationshipUpdated::Ok(ok(links.written(id)), etag(version)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::body::property_names;

    #[test]
    fn create_and_update_document_the_same_fields() {
        let mut documented = property_names::<RelationshipInput>();
        assert_eq!(documented.len(), 15);
        let mut created = property_names::<RelationshipCreate>();
        documented.sort();
        created.sort();
        assert_eq!(created, documented);
    }
}
