//! The list's filters and order, and the SQL condition they make.

use chrono::{DateTime, Utc};

use super::RelationshipRecord;
use crate::domain::{Position, TenantId};
use crate::store::{keyset_after, to_db_time};

/// A list filter on one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: FilterField,
    pub op: FilterOp,
    pub value: FilterValue,
}

/// What a filter compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Text(String),
    Instant(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    EntityId,
    Name,
    Status,
    RelationshipNumber,
    Classification,
    Category,
    CreatedAt,
    ModifiedAt,
    StartEffectiveDate,
}

impl FilterField {
    fn column(self) -> &'static str {
        match self {
            Self::EntityId => "entity_id",
            Self::Name => "name",
            Self::Status => "status",
            Self::RelationshipNumber => "relationship_number",
            Self::Classification => "classification",
            Self::Category => "category",
            Self::CreatedAt => "created_at",
            Self::ModifiedAt => "modified_at",
            Self::StartEffectiveDate => "start_effective_date",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Contains,
    Lt,
    Gt,
}

/// How a list is ordered, and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub by_modified: bool,
    pub descending: bool,
    /// Start after this row (a cursor: the last row of the previous page).
    pub after: Option<Position>,
}

impl Order {
    /// The column the list is sorted by (then by `entity_id`).
    pub(super) fn column(self) -> &'static str {
        if self.by_modified { "modified_at" } else { "created_at" }
    }

    /// Where `record` stands in this order.
    pub fn position_of(self, record: &RelationshipRecord) -> Position {
        let at = if self.by_modified {
            record.modified_at
        } else {
            record.created_at
        };
        Position {
            at,
            id: record.entity_id,
        }
    }

    /// `ASC` or `DESC`.
    pub(super) fn direction(self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }

    /// Where a page in this order starts, when it starts after a row: the
    /// condition on `r` (see [`keyset_after`]).
    pub(super) fn start(self, first: usize) -> Option<(String, [String; 2])> {
        let sort = format!("r.{}", self.column());
        Some(keyset_after(
            self.after?,
            (&sort, "r.entity_id"),
            self.descending,
            first,
        ))
    }
}

/// The WHERE clause of a tenant's filtered list of relationships `r`, and
/// the values it binds in order.
pub(super) fn where_clause(tenant: TenantId, filters: &[Filter]) -> (String, Vec<String>) {
    let mut conditions = vec!["r.tenant_id = $1".to_string()];
    let mut values = vec![tenant.to_string()];
    for f in filters {
        let p = values.len() + 1;
        let column = format!("r.{}", f.field.column());
        let value = match &f.value {
            FilterValue::Text(text) => text.clone(),
            FilterValue::Instant(at) => to_db_time(*at),
        };
        let (condition, value) = match f.op {
            FilterOp::Eq => (format!("{column} = ${p}"), value),
            FilterOp::Lt => (format!("{column} < ${p}"), value),
            FilterOp::Gt => (format!("{column} > ${p}"), value),
            FilterOp::Contains => (
                format!("LOWER({column}) LIKE ${p} ESCAPE '\\'"),
                format!("%{}%", escape_like(&value.to_lowercase())),
            ),
        };
        conditions.push(condition);
        values.push(value);
    }
    (conditions.join(" AND "), values)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
