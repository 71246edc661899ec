//! Risk relationships: the rules of the vendor document (seeds/002) in one place.
//!
//! A request is checked in two steps. [`RelationshipState::parse`] reads the
//! body's members straight onto the stored state (PUT keeps omitted optional
//! fields), checking everything the body says on its own (required fields,
//! lengths, GUIDs, enumerations, duplicates); then [`check_references`]
//! checks the result against the tenant's data, which the store loads in one
//! batch. Every violation is reported, not the first.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::text::{self, TextKind, required_text};
use crate::domain::{FieldError, Violations};

mod references;

pub use references::{ExtensionRule, References, check_references};

pub const NAME_MAX: usize = 500;
pub const SETUP_VALUE_MAX: usize = 200;

/// An optional field of a write: omitted (keep what is stored), explicitly
/// emptied (`null`, `[]`, `{}`), or set.
enum Patch<T> {
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
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
        ManagerOnly,
        Team,
        All,
    }
}

/// What a body whose access breaks a rule reads as meanwhile (never stored).
impl Default for Access {
    fn default() -> Self {
        Self::ManagerOnly
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

/// What a body whose status breaks a rule reads as meanwhile (never stored).
impl Default for Status {
    fn default() -> Self {
        Self::Draft
    }
}

impl FromStr for Status {
    type Err = ();

    /// Exactly as documented (the document lists these spellings only).
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::named(s.trim()).ok_or(())
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

/// A relationship body: its JSON object (an XML body is read into the same
/// shape), each member of the documented JSON type.
pub type Members = serde_json::Map<String, Value>;

/// What a relationship body is written onto.
#[derive(Debug, Clone, Copy)]
pub enum Onto<'a> {
    /// Nothing: a create, where `supplier` is required.
    New,
    /// The stored relationship `id` (which a parent may not equal): an
    /// omitted optional field keeps its value, `supplier` may only be
    /// omitted or repeated.
    Stored(Uuid, &'a RelationshipState),
    /// Unknown (the path names no relationship): the body's own problems only.
    Unread,
}

/// What a relationship holds, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
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

impl RelationshipState {
    /// The state a body writes `onto` what is stored, checking every field
    /// on its own (in the order of the fields, every violation reported);
    /// the `supplier` rule is checked once all else holds.
    pub fn parse(body: &Members, onto: Onto<'_>) -> Result<Self, Vec<FieldError>> {
        let (id, current) = match onto {
            Onto::Stored(id, current) => (Some(id), Some(current)),
            Onto::New | Onto::Unread => (None, None),
        };
        let mut r = Reader {
            body,
            v: Violations::default(),
            supplier_rule: None,
        };
        let line = |max| move |field: &str, text: &str| required_text(field, text, max);
        let state = Self {
            name: r.required("name", line(NAME_MAX)),
            start_effective_date: r.required("startEffectiveDate", |field, text| {
                parse_instant(text)
                    .ok_or_else(|| FieldError::new(field, "must be an ISO date or date-time (e.g. 2026-05-01)"))
            }),
            organizations: match body.get("organizations").and_then(Value::as_array) {
                None => r.refuse(FieldError::new("organizations", "is required")),
                Some(items) if items.is_empty() => {
                    r.refuse(FieldError::new("organizations", "must name at least one organization"))
                }
                Some(items) => guid_list(&mut r.v, "organizations", items),
            },
            internal_manager: r.required("internalManager", parse_guid),
            external_manager: r.required("externalManager", parse_guid),
            supplier: r.supplier(onto),
            classification: r.required("classification", line(SETUP_VALUE_MAX)),
            category: r.required("category", line(SETUP_VALUE_MAX)),
            sub_category: r
                .optional(
                    "subCategory",
                    |v| v.as_str().is_some_and(text::is_blank_line),
                    |v, s| {
                        v.check(required_text(
                            "subCategory",
                            s.as_str().unwrap_or_default(),
                            SETUP_VALUE_MAX,
                        ))
                    },
                )
                .over(current.and_then(|c| c.sub_category.clone())),
            parent_relationship: r
                .optional(
                    "parentRelationship",
                    |v| v.as_str().is_some_and(|s| s.trim().is_empty()),
                    |v, p| match v.check(parse_guid("parentRelationship", p.as_str().unwrap_or_default())) {
                        Some(p) if Some(p) == id => {
                            v.add(FieldError::new(
                                "parentRelationship",
                                "cannot be the relationship itself",
                            ));
                            None
                        }
                        p => p,
                    },
                )
                .over(current.and_then(|c| c.parent_relationship)),
            internal_access: r.required("internalAccess", one_of(Access::NAMES)),
            external_access: r.required("externalAccess", one_of(Access::NAMES)),
            status: r.required("status", one_of(Status::NAMES)),
            third_party_locations: r
                .optional(
                    "thirdPartyLocations",
                    |v| v.as_array().is_some_and(Vec::is_empty),
                    |v, items| Some(guid_list(v, "thirdPartyLocations", items.as_array()?)),
                )
                .over(current.map(|c| c.third_party_locations.clone()))
                .unwrap_or_default(),
            extension_fields: r
                .optional(
                    "extensionFields",
                    |v| v.as_object().is_some_and(Members::is_empty),
                    |_, fields| {
                        let fields = fields.as_object()?.iter();
                        Some(
                            fields
                                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                                .collect(),
                        )
                    },
                )
                .over(current.map(|c| c.extension_fields.clone()))
                .unwrap_or_default(),
        };
        match (r.v.is_empty(), r.supplier_rule) {
            (false, _) => Err(r.v.into_errors()),
            (true, Some(rule)) => Err(vec![rule]),
            (true, None) => Ok(state),
        }
    }
}

/// A value of an enumeration, read by its `FromStr`; `names` are its spellings.
fn one_of<T: FromStr<Err = ()>>(names: &'static [&'static str]) -> impl Fn(&str, &str) -> Result<T, FieldError> {
    move |field, text| {
        text.parse()
            .map_err(|()| FieldError::new(field, format!("must be one of {}", names.join(", "))))
    }
}

/// Reads a body's members, recording every violation; a field that breaks
/// a rule reads as its type's default meanwhile (the state is then dropped).
struct Reader<'a> {
    body: &'a Members,
    v: Violations,
    /// Why the `supplier` may not be written, reported only when all else holds.
    supplier_rule: Option<FieldError>,
}

impl<'a> Reader<'a> {
    fn refuse<T: Default>(&mut self, error: FieldError) -> T {
        self.v.add(error);
        T::default()
    }

    /// A required member, read by `parse`.
    fn required<T: Default>(&mut self, field: &str, parse: impl FnOnce(&str, &str) -> Result<T, FieldError>) -> T {
        match self.body.get(field).and_then(Value::as_str) {
            None => self.refuse(FieldError::new(field, "is required")),
            Some(text) => self.v.check(parse(field, text)).unwrap_or_default(),
        }
    }

    /// An optional member: omitted, emptied (`null`, or a value `empty`
    /// holds for), or set and read by `parse` (which records why it cannot be).
    fn optional<T>(
        &mut self,
        field: &str,
        empty: impl FnOnce(&Value) -> bool,
        parse: impl FnOnce(&mut Violations, &'a Value) -> Option<T>,
    ) -> Patch<T> {
        match self.body.get(field) {
            None => Patch::Keep,
            Some(Value::Null) => Patch::Clear,
            Some(value) if empty(value) => Patch::Clear,
            Some(value) => parse(&mut self.v, value).map_or(Patch::Keep, Patch::Set),
        }
    }

    /// The supplier written `onto` the stored one.
    fn supplier(&mut self, onto: Onto<'_>) -> Option<Uuid> {
        let sent = match self.body.get("supplier") {
            None => Patch::Keep,
            Some(Value::Null) => Patch::Clear,
            Some(s) => Patch::Set(self.v.check(parse_guid("supplier", s.as_str().unwrap_or_default()))?),
        };
        let rule = match (onto, sent) {
            (Onto::Unread, _) => return None,
            (Onto::New, Patch::Set(s)) => return Some(s),
            (Onto::New, _) => "is required",
            (Onto::Stored(_, current), Patch::Keep) => return current.supplier,
            (Onto::Stored(_, current), Patch::Set(s)) if current.supplier == Some(s) => return Some(s),
            (Onto::Stored(..), _) => "cannot change on update: omit it or send the existing supplier",
        };
        self.supplier_rule = Some(FieldError::new("supplier", rule));
        None
    }
}

/// GUIDs of a list field: each valid, none repeated.
fn guid_list(v: &mut Violations, field: &str, items: &[Value]) -> Vec<Uuid> {
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match parse_guid(&format!("{field}[{i}]"), item.as_str().unwrap_or_default()) {
            Ok(id) if ids.contains(&id) => v.add(FieldError::new(
                format!("{field}[{i}]"),
                format!("repeats {id}; no duplicates allowed"),
            )),
            Ok(id) => ids.push(id),
            Err(e) => v.add(e),
        }
    }
    ids
}

#[cfg(test)]
mod tests;
