//! Form configurations: named rules for what a Relationship users write may
//! set and how each field is validated (the platform's Rails-style rules).

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::text::{TextKind, is_snake_case};
use crate::domain::{FieldError, Violations};

/// The resources a configuration can govern.
pub const RELATIONSHIP_USER: &str = "RelationshipUser";
/// The fields of a relationship user a configuration can list (besides `properties.<name>`).
pub const FORM_FIELDS: [&str; 2] = ["relationship_id", "user_id"];

/// Who may change a row written through a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceOwner {
    /// Any credential of the tenant.
    Anyone,
    /// Only the API client or key that created the row.
    Creator,
}

/// How the spec documents a form configuration's `resource`: see
/// [`FormConfiguration::parse`].
pub struct FormResource;

impl TextKind for FormResource {
    const PATTERN: &'static str = "^RelationshipUser$";
}

/// How the spec documents a form configuration's `resource_owner`: see
/// [`ResourceOwner::parse`].
pub struct FormOwner;

impl TextKind for FormOwner {
    const PATTERN: &'static str = "^(anyone|creator)$";
}

impl ResourceOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anyone => "anyone",
            Self::Creator => "creator",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "anyone" => Some(Self::Anyone),
            "creator" => Some(Self::Creator),
            _ => None,
        }
    }
}

/// The validations of one field; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validations {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub presence: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<LengthRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion: Option<Vec<String>>,
    /// A regular expression the value must match (anywhere, as Rails does; anchor it with `^...$`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<u32>,
}

/// A valid form configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct FormConfiguration {
    pub name: String,
    pub resource: String,
    pub resource_owner: ResourceOwner,
    /// Writable fields and their validations, by field name.
    pub fields: BTreeMap<String, Validations>,
    /// The credential that created the configuration.
    pub created_by: String,
}

/// Whether `field` is one a relationship-user form can carry.
pub fn is_form_field(field: &str) -> bool {
    FORM_FIELDS.contains(&field) || field.strip_prefix("properties.").is_some_and(is_snake_case)
}

impl FormConfiguration {
    /// Checks a configuration when it is saved, so that a bad one is never used.
    pub fn parse(
        name: &str,
        resource: &str,
        resource_owner: &str,
        fields: BTreeMap<String, Validations>,
        created_by: String,
    ) -> Result<Self, Vec<FieldError>> {
        let mut v = Violations::default();
        if !is_snake_case(name) || name.len() > 100 {
            v.add(FieldError::new(
                "name",
                "must be snake_case (a-z, 0-9, _), at most 100 characters",
            ));
        }
        if resource != RELATIONSHIP_USER {
            v.add(FieldError::new("resource", format!("must be {RELATIONSHIP_USER}")));
        }
        let owner = ResourceOwner::parse(resource_owner);
        if owner.is_none() {
            v.add(FieldError::new("resource_owner", "must be anyone or creator"));
        }
        for (field, rules) in &fields {
            let at = format!("fields.{field}");
            if !is_form_field(field) {
                v.add(FieldError::new(
                    &at,
                    "is not a relationship user field (relationship_id, user_id or properties.<snake_case name>)",
                ));
            }
            if let Some(pattern) = &rules.format {
                if let Err(e) = Regex::new(pattern) {
                    v.add(FieldError::new(
                        format!("{at}.validations.format.with"),
                        format!("is not a valid regular expression: {e}"),
                    ));
                }
            }
            if let Some(LengthRule {
                minimum: Some(min),
                maximum: Some(max),
            }) = rules.length
            {
                if min > max {
                    v.add(FieldError::new(
                        format!("{at}.validations.length"),
                        "minimum is greater than maximum",
                    ));
                }
            }
            if rules.inclusion.as_ref().is_some_and(Vec::is_empty) {
                v.add(FieldError::new(
                    format!("{at}.validations.inclusion.in"),
                    "must list at least one value",
                ));
            }
        }
        match owner {
            Some(resource_owner) if v.is_empty() => Ok(Self {
                name: name.to_string(),
                resource: resource.to_string(),
                resource_owner,
                fields,
                created_by,
            }),
            _ => Err(v.into_errors()),
        }
    }
}

/// Applies one field's validations to its value, with the platform's Rails-style messages.
pub fn validate_value(rules: &Validations, value: Option<&str>) -> Vec<String> {
    let mut messages = Vec::new();
    let present = value.is_some_and(|v| !v.trim().is_empty());
    if rules.presence && !present {
        messages.push("can't be blank".to_string());
    }
    let Some(value) = value.filter(|_| present) else {
        return messages;
    };
    if let Some(length) = rules.length {
        let n = value.chars().count() as u32;
        if let Some(max) = length.maximum.filter(|max| n > *max) {
            messages.push(format!("is too long (maximum is {max} characters)"));
        }
        if let Some(min) = length.minimum.filter(|min| n < *min) {
            messages.push(format!("is too short (minimum is {min} characters)"));
        }
    }
    if let Some(allowed) = &rules.inclusion {
        if !allowed.iter().any(|a| a == value) {
            messages.push("is not included in the list".to_string());
        }
    }
    if let Some(pattern) = &rules.format {
        // Patterns compiled when the configuration was saved; an unreadable one fails closed.
        if compiled(pattern).is_none_or(|re| !re.is_match(value)) {
            messages.push("is invalid".to_string());
        }
    }
    messages
}

/// A compiled pattern, compiled once per distinct pattern and kept.
fn compiled(pattern: &str) -> Option<Regex> {
    static CACHE: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, Regex>>> =
        std::sync::LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(re) = cache.get(pattern) {
        return Some(re.clone());
    }
    let re = Regex::new(pattern).ok()?;
    cache.insert(pattern.to_string(), re.clone());
    Some(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_says_which_resources_and_owners_are_taken() {
        let resource = Regex::new(FormResource::PATTERN).expect("pattern");
        let owner = Regex::new(FormOwner::PATTERN).expect("pattern");
        for text in [
            "RelationshipUser",
            "relationshipuser",
            "",
            " anyone",
            "anyone",
            "creator",
            "Creator",
            "anyonecreator",
        ] {
            assert_eq!(resource.is_match(text), text == RELATIONSHIP_USER, "{text:?}");
            assert_eq!(owner.is_match(text), ResourceOwner::parse(text).is_some(), "{text:?}");
        }
    }

    fn rules(json: &str) -> Validations {
        serde_json::from_str(json).expect("rules")
    }

    #[test]
    fn rails_messages_for_each_validation() {
        assert_eq!(
            validate_value(&rules(r#"{"presence": true}"#), None),
            ["can't be blank"]
        );
        assert_eq!(
            validate_value(&rules(r#"{"presence": true}"#), Some("  ")),
            ["can't be blank"]
        );
        assert_eq!(
            validate_value(&rules(r#"{"length": {"maximum": 3}}"#), Some("abcd")),
            ["is too long (maximum is 3 characters)"]
        );
        assert_eq!(
            validate_value(&rules(r#"{"length": {"minimum": 2}}"#), Some("a")),
            ["is too short (minimum is 2 characters)"]
        );
        assert_eq!(
            validate_value(&rules(r#"{"inclusion": ["a"]}"#), Some("b")),
            ["is not included in the list"]
        );
        assert_eq!(
            validate_value(&rules(r#"{"format": "^[0-9]+$"}"#), Some("12a")),
            ["is invalid"]
        );
        assert!(validate_value(&rules(r#"{"format": "^[0-9]+$", "presence": true}"#), Some("12")).is_empty());
        assert!(
            validate_value(&rules(r#"{"inclusion": ["a"]}"#), None).is_empty(),
            "absent values are only checked for presence"
        );
    }

    #[test]
    fn bad_configurations_are_refused_when_saved() {
        assert!(
            serde_json::from_str::<Validations>(r#"{"uniqueness": true}"#).is_err(),
            "unknown validation"
        );
        let bad = BTreeMap::from([
            ("properties.status".to_string(), rules(r#"{"format": "("}"#)),
            ("owner".to_string(), Validations::default()),
        ]);
        let errors = FormConfiguration::parse("Bad-Name", "Relationship", "someone", bad, "x".into()).expect_err("bad");
        assert_eq!(errors.len(), 5);
    }
}
