//! A webhook subscription as stored, and which changes it asks for (the
//! delivery is `crate::webhooks`).

use crate::domain::change::{Operation, ResourceType};
use crate::domain::{FieldError, TenantId};

/// What a subscription asks for, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub url: String,
    pub events: Events,
    pub description: Option<String>,
    pub active: bool,
    /// The signing secret, sealed ([`crate::domain::sealed::Sealer`]).
    pub secret: String,
    /// The last change `seq` whose delivery is queued (the dispatcher's).
    pub queued_through: i64,
}

impl Webhook {
    /// What binds the sealed secret of subscription `id` to its row.
    pub fn binding(tenant: TenantId, id: uuid::Uuid) -> String {
        format!("{tenant}/{id}")
    }
}

/// Which changes a subscription asks for: patterns `resource.operation`,
/// either part `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Events(Vec<(String, String)>);

/// How `events` are described in the spec and in errors.
pub const EVENTS_RULE: &str = "`*` (every change), a resource type (`relationships`: its every change), or a \
resource type and an operation (`relationships.update`), either part `*` (`*.delete`)";

impl Events {
    /// Every change.
    pub fn all() -> Self {
        Self(vec![("*".into(), "*".into())])
    }

    /// Reads the patterns a client sent (`field` names the list in errors);
    /// none sent: every change.
    pub fn parse(field: &str, patterns: &[String]) -> Result<Self, Vec<FieldError>> {
        if patterns.is_empty() {
            return Ok(Self::all());
        }
        let mut parsed = Vec::new();
        let mut errors = Vec::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let (resource, operation) = pattern.split_once('.').unwrap_or((pattern, "*"));
            let resource_known = resource == "*" || ResourceType::NAMES.contains(&resource);
            let operation_known = operation == "*" || Operation::NAMES.contains(&operation);
            if resource_known && operation_known {
                let pair = (resource.to_string(), operation.to_string());
                if !parsed.contains(&pair) {
                    parsed.push(pair);
                }
            } else {
                errors.push(FieldError::new(
                    format!("{field}.{i}"),
                    format!("must be {EVENTS_RULE}"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self(parsed))
        } else {
            Err(errors)
        }
    }

    /// Reads the stored form ([`Events::stored`]).
    pub fn from_stored(text: &str) -> Self {
        let patterns: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        Self::parse("events", &patterns).unwrap_or_else(|_| Self(Vec::new()))
    }

    /// The stored form: the patterns, space-separated.
    pub fn stored(&self) -> String {
        self.patterns().join(" ")
    }

    /// The patterns as a client reads them back (`relationships.*`, `*`).
    pub fn patterns(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(resource, operation)| match (resource.as_str(), operation.as_str()) {
                ("*", "*") => "*".to_string(),
                _ => format!("{resource}.{operation}"),
            })
            .collect()
    }

    /// Whether a change of `resource` by `operation` is asked for.
    pub fn matches(&self, resource: &str, operation: &str) -> bool {
        self.0
            .iter()
            .any(|(r, o)| (r == "*" || r == resource) && (o == "*" || o == operation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(patterns: &[&str]) -> Result<Events, Vec<FieldError>> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        Events::parse("events", &patterns)
    }

    #[test]
    fn events_match_by_resource_and_operation() {
        let e = events(&["relationships.update", "suppliers", "*.delete"]).expect("valid");
        assert!(e.matches("relationships", "update"));
        assert!(!e.matches("relationships", "create"));
        assert!(e.matches("suppliers", "create"));
        assert!(e.matches("users", "delete"));
        assert!(!e.matches("users", "update"));
        assert_eq!(e.patterns(), ["relationships.update", "suppliers.*", "*.delete"]);
        assert_eq!(Events::from_stored(&e.stored()), e);
    }

    #[test]
    fn no_events_is_every_change_and_unknown_ones_are_named() {
        assert_eq!(events(&[]).expect("valid"), Events::all());
        assert!(Events::all().matches("webhooks", "delete"));
        let errors = events(&["*", "relationship.update", "users.touch"]).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["events.1", "events.2"]);
    }
}
