//! Webhooks: each change a subscription asks for, POSTed to its URL and
//! signed as the Standard Webhooks specification says.
//!
//! - [`Webhook`] and [`Events`]: what a subscription is and which changes
//!   it asks for (the API is `dialects::webhooks`, the rows `store::webhooks`).
//! - [`secret`]: the signing secret (`whsec_…`, shown once), sealed at rest,
//!   and the `webhook-signature` it makes.
//! - [`guard`]: which URLs may be called (no private addresses unless the
//!   operator allows them), checked when a URL is saved and again on every
//!   connection.
//! - [`dispatch`]: the background task that queues, sends and retries.
//!
//! The change history is the outbox. Every write's change record is
//! written in the write's own transaction (`store::changes`); the
//! dispatcher queues a subscription's deliveries from the history in `seq`
//! order, which is commit order, and remembers how far it has queued
//! (`queued_through`), in one transaction with the deliveries it queued.
//! So every committed change is queued once, also after a crash, and a
//! write pays nothing for the subscriptions there are.

pub mod dispatch;
pub mod guard;
pub mod secret;

use std::time::Duration;

use crate::domain::FieldError;
use crate::store::changes::{Operation, ResourceType};

/// What a subscription asks for, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub url: String,
    pub events: Events,
    pub description: Option<String>,
    pub active: bool,
    /// The signing secret, sealed ([`secret::Sealer`]).
    pub secret: String,
    /// The last change `seq` whose delivery is queued (the dispatcher's).
    pub queued_through: i64,
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

/// How deliveries are made: the operator's settings.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Whether URLs may reach loopback, link-local and private addresses.
    pub allow_private: bool,
    /// How long a delivery may take, in all (connecting: at most half of it).
    pub timeout: Duration,
    /// How long to wait after each failed attempt before the next; after
    /// the last, the delivery has failed.
    pub retry_schedule: Vec<Duration>,
}

/// Seconds after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
/// 10 h (8 attempts over about 27.6 hours), each ±10 % at random.
pub const DEFAULT_RETRY_SCHEDULE: [u64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: Duration::from_secs(10),
            retry_schedule: DEFAULT_RETRY_SCHEDULE.iter().map(|s| Duration::from_secs(*s)).collect(),
        }
    }
}

impl WebhookSettings {
    /// How long a subscription must have failed every delivery before it
    /// is disabled: the whole retry schedule.
    pub fn failing_limit(&self) -> Duration {
        self.retry_schedule.iter().sum()
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
