//! Risk relationships: the rules of the vendor document (seeds/002) in one place.
//!
//! A request is parsed in two steps. [`RelationshipCommand::parse`] checks
//! everything a body says on its own (required fields, lengths, GUIDs,
//! enumerations, duplicates); [`RelationshipCommand::apply`] merges it onto
//! the stored state (PUT keeps omitted optional fields); then
//! [`check_references`] checks the result against the tenant's data, which
//! the store loads in one batch. Every violation is reported, not the first.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::domain::text::{TextKind, required_text};
use crate::domain::{FieldError, Violations};

mod references;

pub use references::{ExtensionRule, References, check_references};

pub const NAME_MAX: usize = 500;
pub const SETUP_VALUE_MAX: usize = 200;

/// An optional field of a write: omitted (keep what is stored), explicitly
/// emptied (`null`, `[]`, `{}`), or set.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    fn try_map<U>(self, f: impl FnOnce(T) -> Option<U>) -> Option<Patch<U>> {
        match self {
            Patch::Keep => Some(Patch::Keep),
            Patch::Clear => Some(Patch::Clear),
            Patch::Set(v) => f(v).map(Patch::Set),
        }
    }

    /// The value after applying this patch to `current`.
    fn over(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }
}

crate::wire! {
    /// Who sees a relationship (`internalAccess`, `externalAccess`): `ManagerOnly`,
    /// `Team` or `All`. Read case-insensitively; stored and written as listed.
    #[oai(rename = "AccessLevel")]
    pub enum Access {
        ManagerOnly = "ManagerOnly",
        Team = "Team",
        All = "All",
    }
}

impl FromStr for Access {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or(())
    }
}

crate::wire! {
    /// A relationship's status.
    #[oai(rename = "RelationshipStatus")]
    pub enum Status {
        Active = "Relationship_Active",
        Inactive = "Relationship_Inactive",
        Draft = "Relationship_Draft",
        Expired = "Relationship_Expired",
    }
}

impl FromStr for Status {
    type Err = ();

    /// Exactly as documented (the document lists these spellings only).
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.iter().copied().find(|st| st.as_str() == s.trim()).ok_or(())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the spec documents a relationship's `startEffectiveDate`: a date
/// (`yyyy-MM-dd`), the form of the document's example. [`parse_instant`]
/// also takes the date-times the document promises, which start with one.
pub struct StartDate;

impl TextKind for StartDate {
    const PATTERN: &'static str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}";
    const MIN_LENGTH: Option<usize> = Some(10);
    const FORMAT: Option<&'static str> = Some("date");
}

/// Parses the ISO date or date-time forms the document promises:
/// `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm[:ss[.fff]]` (UTC), and either with an
/// offset or `Z`.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// A GUID that is not the empty GUID.
pub fn parse_guid(field: &str, text: &str) -> Result<Uuid, FieldError> {
    match Uuid::parse_str(text.trim()) {
        Ok(id) if id.is_nil() => Err(FieldError::new(field, "must not be the empty GUID")),
        Ok(id) => Ok(id),
        Err(_) => Err(FieldError::new(field, "must be a GUID")),
    }
}

/// A relationship write as the client sent it, before any rule is applied.
#[derive(Debug, Clone, Default)]
pub struct RawRelationship {
    pub name: Option<String>,
    pub start_effective_date: Option<String>,
    pub organizations: Option<Vec<String>>,
    pub internal_manager: Option<String>,
    pub external_manager: Option<String>,
    pub supplier: Patch<String>,
    pub classification: Option<String>,
    pub category: Option<String>,
    pub sub_category: Patch<String>,
    pub parent_relationship: Patch<String>,
    pub internal_access: Option<String>,
    pub external_access: Option<String>,
    pub status: Option<String>,
    pub third_party_locations: Patch<Vec<String>>,
    pub extension_fields: Patch<BTreeMap<String, String>>,
}

/// A relationship write whose fields are each valid on their own.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipCommand {
    pub name: String,
    pub start_effective_date: DateTime<Utc>,
    pub organizations: Vec<Uuid>,
    pub internal_manager: Uuid,
    pub external_manager: Uuid,
    pub supplier: Patch<Uuid>,
    pub classification: String,
    pub category: String,
    pub sub_category: Patch<String>,
    pub parent_relationship: Patch<Uuid>,
    pub internal_access: Access,
    pub external_access: Access,
    pub status: Status,
    pub third_party_locations: Patch<Vec<Uuid>>,
    pub extension_fields: Patch<BTreeMap<String, String>>,
}

/// What a relationship holds, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipState {
    pub name: String,
    pub start_effective_date: DateTime<Utc>,
    pub organizations: Vec<Uuid>,
    pub internal_manager: Uuid,
    pub external_manager: Uuid,
    pub supplier: Option<Uuid>,
    pub classification: String,
    pub category: String,
    pub sub_category: Option<String>,
    pub parent_relationship: Option<Uuid>,
    pub internal_access: Access,
    pub external_access: Access,
    pub status: Status,
    pub third_party_locations: Vec<Uuid>,
    pub extension_fields: BTreeMap<String, String>,
}

fn required<'a>(v: &mut Violations, field: &str, value: Option<&'a str>) -> Option<&'a str> {
    if value.is_none() {
        v.add(FieldError::new(field, "is required"));
    }
    value
}

/// GUIDs of a list field: each valid, none repeated.
fn guid_list(v: &mut Violations, field: &str, items: &[String]) -> Option<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match parse_guid(&format!("{field}[{i}]"), item) {
            Ok(id) if ids.contains(&id) => {
                v.add(FieldError::new(
                    format!("{field}[{i}]"),
                    format!("repeats {id}; no duplicates allowed"),
                ));
                ok = false;
            }
            Ok(id) => ids.push(id),
            Err(e) => {
                v.add(e);
                ok = false;
            }
        }
    }
    ok.then_some(ids)
}

impl RelationshipCommand {
    /// Checks every field on its own; `id` is the relationship being
    /// written (for PUT), which a parent may not equal.
    pub fn parse(raw: RawRelationship, id: Option<Uuid>) -> Result<Self, Vec<FieldError>> {
        let mut v = Violations::default();
        let name =
            required(&mut v, "name", raw.name.as_deref()).and_then(|n| v.check(required_text("name", n, NAME_MAX)));
        let start = required(&mut v, "startEffectiveDate", raw.start_effective_date.as_deref()).and_then(|d| {
            v.check(parse_instant(d).ok_or_else(|| {
                FieldError::new(
                    "startEffectiveDate",
                    "must be an ISO date or date-time (e.g. 2026-05-01)",
                )
            }))
        });
        let organizations = match raw.organizations.as_deref() {
            None => {
                v.add(FieldError::new("organizations", "is required"));
                None
            }
            Some([]) => {
                v.add(FieldError::new("organizations", "must name at least one organization"));
                None
            }
            Some(items) => guid_list(&mut v, "organizations", items),
        };
        let internal_manager = required(&mut v, "internalManager", raw.internal_manager.as_deref())
            .and_then(|m| v.check(parse_guid("internalManager", m)));
        let external_manager = required(&mut v, "externalManager", raw.external_manager.as_deref())
            .and_then(|m| v.check(parse_guid("externalManager", m)));
        let supplier = raw.supplier.try_map(|s| v.check(parse_guid("supplier", &s)));
        let classification = required(&mut v, "classification", raw.classification.as_deref())
            .and_then(|c| v.check(required_text("classification", c, SETUP_VALUE_MAX)));
        let category = required(&mut v, "category", raw.category.as_deref())
            .and_then(|c| v.check(required_text("category", c, SETUP_VALUE_MAX)));
        let sub_category = raw
            .sub_category
            .try_map(|s| v.check(required_text("subCategory", &s, SETUP_VALUE_MAX)));
        let parent = raw.parent_relationship.try_map(|p| {
            let p = v.check(parse_guid("parentRelationship", &p))?;
            if Some(p) == id {
                v.add(FieldError::new(
                    "parentRelationship",
                    "cannot be the relationship itself",
                ));
                return None;
            }
            Some(p)
        });
        let mut access = |field: &str, value: Option<&str>| {
            required(&mut v, field, value).and_then(|a| {
                v.check(
                    a.parse::<Access>()
                        .map_err(|()| FieldError::new(field, format!("must be one of {}", Access::NAMES.join(", ")))),
                )
            })
        };
        let internal_access = access("internalAccess", raw.internal_access.as_deref());
        let external_access = access("externalAccess", raw.external_access.as_deref());
        let status = required(&mut v, "status", raw.status.as_deref()).and_then(|s| {
            v.check(
                s.parse::<Status>()
                    .map_err(|()| FieldError::new("status", format!("must be one of {}", Status::NAMES.join(", ")))),
            )
        });
        let locations = raw
            .third_party_locations
            .try_map(|items| guid_list(&mut v, "thirdPartyLocations", &items));
        let extension_fields = raw.extension_fields;
        if !v.is_empty() {
            return Err(v.into_errors());
        }
        match (
            name,
            start,
            organizations,
            internal_manager,
            external_manager,
            supplier,
            classification,
            category,
            sub_category,
            parent,
            internal_access,
            external_access,
            status,
            locations,
        ) {
            (
                Some(name),
                Some(start_effective_date),
                Some(organizations),
                Some(internal_manager),
                Some(external_manager),
                Some(supplier),
                Some(classification),
                Some(category),
                Some(sub_category),
                Some(parent_relationship),
                Some(internal_access),
                Some(external_access),
                Some(status),
                Some(third_party_locations),
            ) => Ok(Self {
                name,
                start_effective_date,
                organizations,
                internal_manager,
                external_manager,
                supplier,
                classification,
                category,
                sub_category,
                parent_relationship,
                internal_access,
                external_access,
                status,
                third_party_locations,
                extension_fields,
            }),
            _ => Err(vec![FieldError::new("body", "is invalid")]),
        }
    }

    /// The state after this write: onto nothing (create, where `supplier`
    /// is required) or onto the stored state (update, where `supplier` may
    /// only be omitted or repeated).
    pub fn apply(self, current: Option<&RelationshipState>) -> Result<RelationshipState, Vec<FieldError>> {
        let supplier = match (current, self.supplier) {
            (None, Patch::Set(s)) => Some(s),
            (None, _) => return Err(vec![FieldError::new("supplier", "is required")]),
            (Some(cur), Patch::Keep) => cur.supplier,
            (Some(cur), Patch::Set(s)) if cur.supplier == Some(s) => Some(s),
            (Some(_), _) => {
                return Err(vec![FieldError::new(
                    "supplier",
                    "cannot change on update: omit it or send the existing supplier",
                )]);
            }
        };
        Ok(RelationshipState {
            name: self.name,
            start_effective_date: self.start_effective_date,
            organizations: self.organizations,
            internal_manager: self.internal_manager,
            external_manager: self.external_manager,
            supplier,
            classification: self.classification,
            category: self.category,
            sub_category: self.sub_category.over(current.and_then(|c| c.sub_category.clone())),
            parent_relationship: self
                .parent_relationship
                .over(current.and_then(|c| c.parent_relationship)),
            internal_access: self.internal_access,
            external_access: self.external_access,
            status: self.status,
            third_party_locations: self
                .third_party_locations
                .over(current.map(|c| c.third_party_locations.clone()))
                .unwrap_or_default(),
            extension_fields: self
                .extension_fields
                .over(current.map(|c| c.extension_fields.clone()))
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests;
