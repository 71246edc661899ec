//! Webhooks: each change a subscription asks for, POSTed to its URL and
//! signed as the Standard Webhooks specification says.
//!
//! - `domain::webhook`: what a subscription is and which changes it asks
//!   for (the API is `dialects::webhooks`, the rows `store::webhooks`).
//! - [`secret`]: the signing secret (`whsec_…`, shown once; sealed at rest
//!   with `domain::sealed`) and the `webhook-signature` it makes.
//! - [`guard`]: which URLs may be called (no private addresses unless the
//!   operator allows them), checked when a URL is saved and again on every
//!   connection.
//! - [`dispatch`]: the background task that queues, sends and retries.
//!
//! The change history is the outbox. Every write's change record is
//! written in the write's own transaction (`store::changes`); the
//! dispatcher serves a subscription from the history in `seq` order, which
//! is commit order, and notes how far it got (`queued_through`) in the
//! transaction that writes the attempts it made. So every committed change
//! is delivered, also after a crash (again, then, with the same id), and a
//! write pays nothing for the subscriptions there are.

pub mod dispatch;
pub mod guard;
pub mod secret;

use std::time::Duration;

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
