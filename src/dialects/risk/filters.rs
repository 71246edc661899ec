//! The list's filters: one table ([`FILTERS`]) that the parser reads, that
//! the spec's parameters are checked against (see the tests), and whose
//! fields the store turns into SQL.
//!
//! On the wire a filter is `field[op]=value` (`name[contains]=acme`), as the
//! vendor's clients send it; the spec describes each field as one
//! `deepObject` query parameter whose properties are its operators, so that
//! generated clients send exactly that.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use uuid::Uuid;

use crate::domain::FieldError;
use crate::domain::relationship::{Status, parse_guid, parse_instant};
use crate::store::relationships::{Filter, FilterField, FilterOp, FilterValue};

/// What a filter's value is, which fixes the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A GUID: `eq`.
    Id,
    /// Text: `eq` (exact), `contains` (case-insensitive).
    Text,
    /// A status: `eq` (one of the documented values), `contains`.
    Status,
    /// An ISO date or date-time: `eq`, `lt`, `gt`.
    Instant,
}

impl Kind {
    pub fn operators(self) -> &'static [(&'static str, FilterOp)] {
        const EQ: (&str, FilterOp) = ("eq", FilterOp::Eq);
        const CONTAINS: (&str, FilterOp) = ("contains", FilterOp::Contains);
        match self {
            Kind::Id => &[EQ],
            Kind::Text | Kind::Status => &[EQ, CONTAINS],
            Kind::Instant => &[EQ, ("lt", FilterOp::Lt), ("gt", FilterOp::Gt)],
        }
    }
}

/// Every filter: its name on the wire, its kind, the stored field it tests.
pub const FILTERS: &[(&str, Kind, FilterField)] = &[
    ("entityId", Kind::Id, FilterField::EntityId),
    ("name", Kind::Text, FilterField::Name),
    ("status", Kind::Status, FilterField::Status),
    ("relationshipNumber", Kind::Text, FilterField::RelationshipNumber),
    ("classification", Kind::Text, FilterField::Classification),
    ("category", Kind::Text, FilterField::Category),
    ("createdAt", Kind::Instant, FilterField::CreatedAt),
    ("modifiedAt", Kind::Instant, FilterField::ModifiedAt),
    ("startEffectiveDate", Kind::Instant, FilterField::StartEffectiveDate),
];

/// The list's other parameters, read by the handler's typed parameters.
pub const PAGING: [&str; 5] = ["limit", "offset", "after", "order_by", "dir"];

/// Parses the filters of a list's query string, every problem at once.
pub fn parse(query: &str) -> Result<Vec<Filter>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut filters = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if PAGING.contains(&key.as_ref()) {
            continue;
        }
        let found = key
            .strip_suffix(']')
            .and_then(|k| k.split_once('['))
            .and_then(|(name, op)| {
                let &(_, kind, field) = FILTERS.iter().find(|(n, ..)| *n == name)?;
                let &(_, op) = kind.operators().iter().find(|(o, _)| *o == op)?;
                Some((kind, field, op))
            });
        let Some((kind, field, op)) = found else {
            let message = if key.contains('[') {
                "is not a supported filter field and operator"
            } else {
                "is not a known parameter"
            };
            errors.push(FieldError::new(key.as_ref(), message));
            continue;
        };
        match value_of(kind, op, &key, &value) {
            Ok(value) => filters.push(Filter { field, op, value }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(filters) } else { Err(errors) }
}

fn value_of(kind: Kind, op: FilterOp, key: &str, value: &str) -> Result<FilterValue, FieldError> {
    match kind {
        Kind::Id => parse_guid(key, value).map(|id| FilterValue::Text(id.to_string())),
        Kind::Instant => parse_instant(value)
            .map(FilterValue::Instant)
            .ok_or_else(|| FieldError::new(key, "must be an ISO date or date-time")),
        Kind::Status if op == FilterOp::Eq => value
            .parse::<Status>()
            .map(|s| FilterValue::Text(s.as_str().to_string()))
            .map_err(|()| FieldError::new(key, "is not a relationship status")),
        _ if value.is_empty() => Err(FieldError::new(key, "must not be empty")),
        _ => Ok(FilterValue::Text(value.to_string())),
    }
}

/// `entityId`: `entityId[eq]=<GUID>`.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields)]
pub struct IdFilter {
    /// Exactly this entityId.
    pub eq: Option<Uuid>,
}

/// A text field: `name[eq]=...`, `name[contains]=...`.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields)]
pub struct TextFilter {
    /// Exactly this value.
    #[oai(validator(min_length = 1))]
    pub eq: Option<String>,
    /// Contains this value, case-insensitively.
    #[oai(validator(min_length = 1))]
    pub contains: Option<String>,
}

/// `status`: `status[eq]=Relationship_Active`, `status[contains]=Active`.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields)]
pub struct StatusFilter {
    // Exactly this status (a doc comment here would wrap the enum's
    // reference in `allOf`, which generators mishandle).
    pub eq: Option<Status>,
    /// The status contains this, case-insensitively (e.g. `Active`).
    #[oai(validator(min_length = 1))]
    pub contains: Option<String>,
}

/// A date field: `createdAt[gt]=2026-01-01T00:00:00Z`. Documented as
/// RFC 3339 date-times; ISO dates (`2026-01-01`, midnight UTC) and the other
/// ISO forms of `startEffectiveDate` are accepted too.
#[derive(Object, Debug, Clone)]
#[oai(deny_unknown_fields)]
pub struct DateFilter {
    /// Exactly at.
    pub eq: Option<DateTime<Utc>>,
    /// Before.
    pub lt: Option<DateTime<Utc>>,
    /// After.
    pub gt: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_parsed_and_refused_together() {
        let ok = parse("limit=5&name[contains]=acme&createdAt[gt]=2026-01-01&status[eq]=Relationship_Active")
            .expect("valid");
        assert_eq!(ok.len(), 3);
        let errors = parse("foo=1&name[like]=x&entityId[eq]=nope&createdAt[lt]=yesterday").expect_err("invalid");
        assert_eq!(errors.len(), 4);
    }

    /// The spec's parameters of the list are exactly the table's: paging,
    /// then one deepObject parameter per filter whose properties are its
    /// kind's operators.
    #[tokio::test]
    async fn the_spec_documents_exactly_the_table() {
        let (json, _) = crate::spec(crate::context::ApiContext::detached()).expect("the document");
        let spec: serde_json::Value = serde_json::from_str(&json).expect("spec");
        let parameters: Vec<serde_json::Value> = spec["paths"]["/api/relationships"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .filter(|p| p["in"] == "query")
            .cloned()
            .collect();
        let names: Vec<&str> = parameters.iter().filter_map(|p| p["name"].as_str()).collect();
        let expected: Vec<&str> = PAGING.iter().copied().chain(FILTERS.iter().map(|(n, ..)| *n)).collect();
        assert_eq!(names, expected);
        for &(name, kind, _) in FILTERS {
            let parameter = parameters.iter().find(|p| p["name"] == name).expect("documented");
            assert_eq!(parameter["style"], "deepObject", "{name}");
            let reference = parameter["schema"]["$ref"].as_str().expect("a schema reference");
            let schema = &spec["components"]["schemas"][reference.rsplit('/').next().unwrap_or_default()];
            let properties: Vec<&str> = schema["properties"]
                .as_object()
                .expect("properties")
                .keys()
                .map(String::as_str)
                .collect();
            let mut operators: Vec<&str> = kind.operators().iter().map(|(o, _)| *o).collect();
            operators.sort_unstable();
            let mut properties = properties;
            properties.sort_unstable();
            assert_eq!(properties, operators, "{name}");
        }
    }
}
