//! The Risk relationships wire: the bodies as the vendor documents them,
//! the success envelopes, and the statuses each operation answers.

use std::collections::BTreeMap;

use poem_openapi::types::{Example, ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Enum, Object};
use uuid::Uuid;

use super::envelope::RiskError;
use crate::codec::Negotiated;
use crate::codec::text::Text;
use crate::domain::relationship::{Access, NAME_MAX, SETUP_VALUE_MAX, StartDate, Status};
use crate::domain::text::Line;
use crate::wire::Timestamp;

/// The fields a relationship's PUT and POST bodies share, as the vendor
/// documents them (`supplier` differs: [`RelationshipInput`], [`RelationshipCreate`]).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RelationshipFields {
    /// Max 500 characters, on one line (no control characters), not blank;
    /// stored trimmed.
    pub name: Text<Line<NAME_MAX>>,
    /// Date/time. Documented as a date (`yyyy-MM-dd`), the form of the
    /// vendor's example; the other ISO forms the vendor promises are accepted
    /// too: `yyyy-MM-ddTHH:mm:ss` (UTC), and either with an offset or `Z`.
    pub start_effective_date: Text<StartDate>,
    /// Organization GUIDs: at least one, no duplicates, none empty, each an
    /// existing organization of the tenant.
    #[oai(validator(min_items = 1, unique_items))]
    pub organizations: Vec<Uuid>,
    /// User entityId.
    pub internal_manager: Uuid,
    /// User entityId.
    pub external_manager: Uuid,
    /// An active classification of the tenant's setup data. Max 200 characters.
    pub classification: Text<Line<SETUP_VALUE_MAX>>,
    /// A category of the tenant's setup data. Max 200 characters.
    pub category: Text<Line<SETUP_VALUE_MAX>>,
    /// A subcategory of `category`. On PUT: omit to keep, `null` to clear.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub sub_category: Option<Text<Line<SETUP_VALUE_MAX>>>,
    /// Relationship entityId; not the relationship itself, no cycles.
    /// On PUT: omit to keep, `null` to clear.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub parent_relationship: Option<Uuid>,
    // A doc comment on a field of a referenced type makes poem-openapi wrap
    // the reference in `allOf`, which client generators mishandle; the
    // values are described on `Access` itself.
    pub internal_access: Access,
    pub external_access: Access,
    pub status: Status,
    /// Addresses of the relationship's supplier; no duplicates. On PUT: omit
    /// to keep, `[]` to clear (a `null` clears too, as older clients send it).
    #[oai(skip_serializing_if_is_none, validator(unique_items))]
    pub third_party_locations: Option<Vec<Uuid>>,
    /// Extension field (UDF) name to value; names must be defined extension
    /// fields of the tenant, values within their maximum length. On PUT:
    /// omit to keep, `{}` to clear (it is replaced as a whole; a `null`
    /// clears too, as older clients send it).
    #[oai(skip_serializing_if_is_none)]
    pub extension_fields: Option<BTreeMap<String, String>>,
}

impl Example for RelationshipFields {
    fn example() -> Self {
        let example = serde_json::json!({
            "name": "Example relationship (updated)",
            "startEffectiveDate": "2026-05-01",
            "organizations": [crate::demo::ORGANIZATION],
            "internalManager": crate::demo::INTERNAL_MANAGER,
            "externalManager": crate::demo::EXTERNAL_MANAGER,
            "classification": "classification1",
            "category": "Cat1",
            "internalAccess": "Team",
            "externalAccess": "Team",
            "status": "Relationship_Active",
        });
        Self::parse_from_json(Some(example)).expect("the document's example fits its schema")
    }
}

/// The body of `PUT /api/relationships/{relationshipId}`, as the vendor
/// documents it: the example is the document's own.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RelationshipInput {
    #[oai(flatten)]
    pub fields: RelationshipFields,
    /// Supplier entityId: omit it, or send the relationship's existing
    /// supplier; anything else (including `null`) fails validation.
    #[oai(skip_serializing_if_is_none)]
    pub supplier: Option<Uuid>,
}

impl Example for RelationshipInput {
    fn example() -> Self {
        Self {
            fields: RelationshipFields::example(),
            supplier: None,
        }
    }
}

/// The body of `POST /api/relationships`: the PUT body with `supplier`
/// required.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct RelationshipCreate {
    #[oai(flatten)]
    pub fields: RelationshipFields,
    /// Supplier entityId: an existing supplier of the tenant.
    pub supplier: Uuid,
}

impl Example for RelationshipCreate {
    fn example() -> Self {
        Self {
            fields: RelationshipFields {
                name: "Example relationship".into(),
                ..RelationshipFields::example()
            },
            supplier: crate::demo::SUPPLIER,
        }
    }
}

crate::wire! {
    /// A link to a related resource.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Link {
        pub rel: String,
        /// Absolute URL.
        pub href: String,
        pub method: String,
    }
}

crate::wire! {
    /// A reference to another resource: its id, display name and links. Users
    /// (`internalManager`, `externalManager`) are named "Last, First".
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct Reference {
        pub entity_id: Uuid,
        pub name: String,
        pub links: Vec<Link>,
    }
}

crate::wire! {
    /// A relationship as read.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct Relationship {
        pub entity_id: Uuid,
        /// `R` and five digits, numbered per tenant in creation order.
        pub relationship_number: String,
        pub name: String,
        pub status: Status,
        pub start_effective_date: Timestamp,
        pub classification: String,
        pub category: String,
        #[skip_none]
        pub sub_category: Option<String>,
        pub internal_access: Access,
        pub external_access: Access,
        pub organizations: Vec<Reference>,
        #[skip_none]
        pub supplier: Option<Reference>,
        #[skip_none]
        pub parent_relationship: Option<Reference>,
        // Manager names are "Last, First" (see `Reference`); no doc comments
        // here, so that the references stay plain `$ref`s.
        pub internal_manager: Reference,
        pub external_manager: Reference,
        pub third_party_locations: Vec<Reference>,
        pub extension_fields: BTreeMap<String, String>,
        pub created_at: Timestamp,
        pub modified_at: Timestamp,
        pub links: Vec<Link>,
    }
}

crate::wire! {
    /// What a create or an update answers: the id and where to go next.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct RelationshipWritten {
        pub entity_id: Uuid,
        pub links: Vec<Link>,
    }
}

crate::wire! {
    /// The vendor's success envelope.
    #[derive(Debug, Clone)]
    #[oai(rename = "Envelope")]
    pub struct RiskEnvelope<T> {
        /// Always `true`.
        pub success: bool,
        pub result: T,
        /// Always empty.
        pub errors: Vec<RiskError>,
    }
}

crate::wire! {
    /// The vendor's list envelope.
    #[derive(Debug, Clone)]
    #[rename_all = "camelCase"]
    #[oai(rename = "ListEnvelope")]
    pub struct RiskListEnvelope<T> {
        /// Always `true`.
        pub success: bool,
        /// How many relationships match the filters in all, counted up to
        /// 10,050 (the deepest `offset` and a page): a larger match says
        /// 10,050, and a full page's `Link` header pages on past it.
        pub total_count: i64,
        pub result: Vec<T>,
        /// Always empty.
        pub errors: Vec<RiskError>,
    }
}

pub(super) fn ok<T: ParseFromJSON + ToJSON>(result: T) -> Negotiated<RiskEnvelope<T>> {
    Negotiated(RiskEnvelope {
        success: true,
        result,
        errors: Vec::new(),
    })
}

#[derive(ApiResponse)]
pub enum RelationshipFetched {
    /// The relationship; `ETag` is its version, `Last-Modified` its `modifiedAt`.
    #[oai(status = 200)]
    Ok(
        Negotiated<RiskEnvelope<Relationship>>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Last-Modified")] String,
    ),
}

#[derive(ApiResponse)]
pub enum RelationshipsListed {
    /// A page of relationships; `Link` names the next page when this one is full.
    #[oai(status = 200)]
    Ok(
        Negotiated<RiskListEnvelope<Relationship>>,
        #[oai(header = "Link")] Option<String>,
    ),
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

/// A relationship id in a path, as the document describes it: a GUID, not
/// the empty GUID. Read as text, so that the dialect words the refusal
/// (`relationshipId must be a GUID`) in its envelope.
pub struct RelationshipIdParam(pub String);

impl poem_openapi::types::Type for RelationshipIdParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> std::borrow::Cow<'static, str> {
        "string(relationship-id)".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        poem_openapi::registry::MetaSchemaRef::Inline(Box::new(poem_openapi::registry::MetaSchema {
            format: Some("uuid"),
            pattern: Some("^(?!00000000-0000-0000-0000-000000000000$)".to_string()),
            ..poem_openapi::registry::MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for RelationshipIdParam {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.clone()))
    }
}

impl poem_openapi::types::ParseFromParameter for RelationshipIdParam {
    fn parse_from_parameter(value: &str) -> poem_openapi::types::ParseResult<Self> {
        Ok(Self(value.to_string()))
    }
}
