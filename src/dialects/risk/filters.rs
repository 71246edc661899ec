//! The list's filters: one table ([`FILTERS`]) that the parser reads, that
//! the spec's parameters are checked against (see the tests), and whose
//! fields the store turns into SQL.
//!
//! On the wire a filter is `field[op]=value` (`name[contains]=acme`), as the
//! vendor's clients send it; the spec declares each field and operator as a
//! query parameter of that name ([`parameters`]), so that every generated
//! client takes it as a plain argument (`name_contains`, `nameContains`).

use serde_json::{Value, json};

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
    /// The schema of this kind's value under `op`, and what the operator means.
    fn parameter(self, op: FilterOp) -> (Value, &'static str) {
        let text = json!({"type": "string", "minLength": 1});
        match (self, op) {
            (Kind::Id, _) => (json!({"type": "string", "format": "uuid"}), "exactly this GUID."),
            (Kind::Status, FilterOp::Eq) => (
                json!({"$ref": "#/components/schemas/RelationshipStatus"}),
                "exactly this status.",
            ),
            (_, FilterOp::Contains) => (text, "contains this, case-insensitively."),
            (Kind::Instant, FilterOp::Lt) => (
                instant(),
                "before this instant (RFC 3339; an ISO date is midnight UTC).",
            ),
            (Kind::Instant, FilterOp::Gt) => (instant(), "after this instant (RFC 3339; an ISO date is midnight UTC)."),
            (Kind::Instant, _) => (
                instant(),
                "exactly this instant (RFC 3339; an ISO date is midnight UTC).",
            ),
            _ => (text, "exactly this value."),
        }
    }

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

/// An instant as the spec declares it: RFC 3339; the parser also takes ISO
/// dates (midnight UTC) and the other ISO forms of `startEffectiveDate`.
fn instant() -> Value {
    json!({"type": "string", "format": "date-time"})
}

/// The filters as the spec declares them: one optional query parameter per
/// field and operator, named as on the wire (`name[contains]`).
pub fn parameters() -> Vec<Value> {
    FILTERS
        .iter()
        .flat_map(|&(name, kind, _)| {
            kind.operators().iter().map(move |&(op, filter_op)| {
                let (schema, meaning) = kind.parameter(filter_op);
                json!({
                    "name": format!("{name}[{op}]"),
                    "schema": schema,
                    "in": "query",
                    "description": format!("`{name}`: {meaning}"),
                    "required": false,
                    "deprecated": false,
                    "explode": true,
                })
            })
        })
        .collect()
}

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

    /// The spec's query parameters of the list are exactly the table's:
    /// paging, then one plain parameter per filter and operator, named as
    /// the parser reads it.
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
        let names: Vec<String> = parameters
            .iter()
            .filter_map(|p| p["name"].as_str())
            .map(String::from)
            .collect();
        let filters = FILTERS
            .iter()
            .flat_map(|(name, kind, _)| kind.operators().iter().map(move |(op, _)| format!("{name}[{op}]")));
        let expected: Vec<String> = PAGING.iter().map(|p| p.to_string()).chain(filters).collect();
        assert_eq!(names, expected);
        for parameter in &parameters {
            assert!(parameter.get("style").is_none(), "{parameter}");
            let name = parameter["name"].as_str().unwrap_or_default();
            if name.contains('[') {
                // Read as a filter: an empty value is refused for what it is, not for its name.
                let errors = parse(&format!("{name}=")).expect_err("an empty value");
                assert!(
                    errors[0].message.starts_with("must") || errors[0].message.contains("status"),
                    "{name}: {errors:?}"
                );
            }
        }
    }
}
