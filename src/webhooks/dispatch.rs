//! The dispatcher: a background task of every instance that claims, sends
//! and retries deliveries.
//!
//! Each round (woken by this process's commits, at most every 50 ms, and
//! every second for other instances' and for retries that fall due) it
//! finds the subscriptions with work and, for each, claims it
//! (`Store::webhook_claim`: the deliveries due again, and the changes after
//! `queued_through` it asks for; on PostgreSQL the subscription is leased
//! by one conditional UPDATE, so two instances never claim the same one),
//! sends them one after the
//! other in change order, and writes how each went and how far it got in
//! one transaction (`Store::webhook_settle`). One sender per subscription
//! at a time keeps first attempts in change order; a failed attempt is due
//! again later and never holds back the ones after it. A sender that dies
//! leaves its claim to expire, and the next sends the same deliveries
//! again, with the same ids: at least once, never lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use rand_core::{OsRng, RngCore};
use reqwest::Url;
use reqwest::redirect::Policy;
use uuid::Uuid;

use super::WebhookSettings;
use super::guard::{self, Resolver};
use super::secret::sign;
use crate::domain::TenantId;
use crate::domain::webhook::Webhook;
use crate::error::AppError;
use crate::store::setup::records::{RecordKey, Stored};
use crate::store::webhooks::{DeliveryAttempt, DeliveryState, Due, Outcome, Settled};
use crate::store::{Engine, Store, WriteTx, now};
use crate::wire::Timestamp;
use crate::write::{self, Change};

/// Deliveries a claim takes at most.
const BATCH: i64 = 100;
const BATCH_LEN: usize = BATCH as usize;
/// How often a round runs when no commit of this process wakes it.
const POLL: Duration = Duration::from_secs(1);
/// The least time between rounds: under a write load, a round serves the
/// commits of this long, rather than one round (and its queries) a commit.
const GAP: Duration = Duration::from_millis(50);
/// A claim's lease, in delivery timeouts: what a sender that dies holds up.
const LEASE_TIMEOUTS: u32 = 6;
/// Subscriptions served at once.
const CONCURRENCY: usize = 8;
/// Bytes of a receiver's answer read at most (the rest is not read).
const ANSWER_READ: usize = 4_096;
/// Characters of a receiver's answer kept in the delivery log.
const ANSWER_KEPT: usize = 200;

/// Sends deliveries; one per instance.
pub struct Dispatcher {
    store: Store,
    settings: WebhookSettings,
    client: reqwest::Client,
}

impl Dispatcher {
    pub fn new(store: Store, settings: WebhookSettings) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .connect_timeout(settings.timeout / 2)
            .timeout(settings.timeout)
            .dns_resolver(Arc::new(Resolver {
                allow_private: settings.allow_private,
            }))
            .user_agent(concat!("liaison-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            store,
            settings,
            client,
        })
    }

    /// Runs rounds until aborted.
    pub fn start(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if self.store.engine() == Engine::Sqlite {
                if let Err(err) = self.store.webhooks_release_all().await {
                    tracing::warn!(error = %err, "webhook deliveries: claims of a previous run not released");
                }
            }
            let signal = self.store.change_signal();
            loop {
                let notified = signal.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if let Err(err) = self.round().await {
                    tracing::warn!(error = %err, "webhook deliveries: a round failed");
                }
                // Commits meanwhile are not missed: `notified` hears them from the round's start.
                tokio::time::sleep(GAP).await;
                let _ = tokio::time::timeout(POLL, notified).await;
            }
        })
    }

    /// Serves every subscription that has work now.
    pub async fn round(&self) -> Result<(), sqlx::Error> {
        let due = self.store.webhooks_due(now()).await?;
        futures_util::stream::iter(due)
            .for_each_concurrent(CONCURRENCY, |(tenant, id)| async move {
                if let Err(err) = self.serve(tenant, id).await {
                    tracing::warn!(error = %err, webhook = %id, "webhook deliveries failed");
                }
            })
            .await;
        Ok(())
    }

    /// Claims, sends and settles the subscription's due deliveries: what is
    /// due now, and on while a claim comes back full. What falls due while
    /// they are sent waits for the next round, so that under a steady load a
    /// claim and its settle serve a round's worth of changes rather than the
    /// few that came in during the last sends.
    async fn serve(&self, tenant: TenantId, id: Uuid) -> Result<(), AppError> {
        loop {
            let at = now();
            let lease = self.settings.timeout * LEASE_TIMEOUTS;
            let until = at + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
            let Some(claim) = self.store.webhook_claim(tenant, id, at, BATCH, until).await? else {
                return Ok(());
            };
            if claim.due.is_empty() {
                // Nothing to send; on while it moved past changes it does not ask for.
                if claim.through > claim.webhook.data.queued_through {
                    continue;
                }
                return Ok(());
            }
            // Sends while a whole attempt still fits in the lease; the rest stays due.
            let last_start = Instant::now() + lease.saturating_sub(self.settings.timeout * 2);
            let claimed: Vec<(bool, i64)> = claim.due.iter().map(|d| (d.stored, d.seq)).collect();
            let settled = self.send_all(tenant, &claim.webhook, claim.due, last_start).await;
            // Served up to the first change whose first attempt was not sent.
            let unsent = claimed[settled.len()..]
                .iter()
                .filter(|(stored, _)| !stored)
                .map(|(_, seq)| seq - 1);
            let through = unsent.min().map_or(claim.through, |before| before.min(claim.through));
            self.store.count_attempts(&settled);
            let failing_since = self.store.webhook_settle(tenant, id, &settled, through, now()).await?;
            // A delivery whose schedule is spent, of a webhook that delivered nothing meanwhile.
            let spent = settled.iter().any(|s| s.state == DeliveryState::Failed);
            if spent && failing_since.is_some_and(|since| self.failed_too_long(since)) {
                tracing::warn!(webhook = %id, "webhook disabled: every delivery failed for the whole retry schedule");
                let tx = self.store.begin_write(tenant).await?;
                let key = RecordKey {
                    parent_id: None,
                    entity_id: id,
                };
                write::update::<Stored<Webhook>, _>(tx, &key, None, Deactivate).await?;
                // Settled once more, inactive: no longer failing.
                self.store.webhook_settle(tenant, id, &[], through, now()).await?;
                return Ok(());
            }
            if claimed.len() < BATCH_LEN {
                return Ok(());
            }
        }
    }

    fn failed_too_long(&self, since: DateTime<Utc>) -> bool {
        (now() - since)
            .to_std()
            .is_ok_and(|failing| failing >= self.settings.failing_limit())
    }

    /// Sends `due` to the subscription, one after the other.
    async fn send_all(
        &self,
        tenant: TenantId,
        webhook: &Stored<Webhook>,
        due: Vec<Due>,
        last_start: Instant,
    ) -> Vec<Settled> {
        let secret = self
            .store
            .open_sealed(&Webhook::binding(tenant, webhook.entity_id), &webhook.data.secret);
        let url = Url::parse(&webhook.data.url);
        let mut settled = Vec::with_capacity(due.len());
        for delivery in due {
            if Instant::now() > last_start {
                break;
            }
            let started = (now(), Instant::now());
            let answer = match (&secret, &url) {
                (None, _) => Err("the signing secret cannot be opened with this instance's key".to_string()),
                (_, Err(_)) => Err("the URL cannot be read".to_string()),
                (Some(secret), Ok(url)) => self.send(url, secret, &delivery, started.0).await,
            };
            settled.push(self.settle(delivery, started, answer));
        }
        settled
    }

    /// One POST: the receiver's status and what it answered, or why there was no answer.
    async fn send(&self, url: &Url, secret: &str, delivery: &Due, at: DateTime<Utc>) -> Result<(u16, String), String> {
        if !guard::may_call(url, self.settings.allow_private) {
            return Err("the URL's address may not be reached".into());
        }
        let (id, timestamp) = (delivery.id.to_string(), at.timestamp());
        let signature = sign(secret, &id, timestamp, delivery.body.as_bytes());
        let mut response = self
            .client
            .post(url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(|err| describe(&err))?;
        let mut answer = Vec::new();
        while answer.len() < ANSWER_READ {
            match response.chunk().await {
                Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        answer.truncate(ANSWER_READ);
        Ok((
            response.status().as_u16(),
            String::from_utf8_lossy(&answer).into_owned(),
        ))
    }

    /// How an attempt went, and what follows it.
    fn settle(
        &self,
        delivery: Due,
        (at, started): (DateTime<Utc>, Instant),
        answer: Result<(u16, String), String>,
    ) -> Settled {
        let attempt = delivery.attempts + 1;
        let (status, error) = match answer {
            Ok((status, _)) if (200..300).contains(&status) => (Some(status), None),
            Ok((status, text)) => {
                let text: String = text.chars().filter(|c| !c.is_control()).take(ANSWER_KEPT).collect();
                (Some(status), Some(format!("answered {status}: {}", text.trim())))
            }
            Err(why) => (None, Some(why)),
        };
        let retry = self
            .settings
            .retry_schedule
            .get(usize::try_from(delivery.attempts).unwrap_or(usize::MAX))
            .filter(|_| delivery.state == DeliveryState::Pending);
        let (outcome, state, next_attempt_at) = match (&error, retry) {
            (None, _) => (Outcome::Delivered, DeliveryState::Delivered, None),
            (Some(_), Some(wait)) => (Outcome::Retrying, DeliveryState::Pending, Some(now() + jitter(*wait))),
            (Some(_), None) if delivery.state == DeliveryState::Pending => {
                (Outcome::Failed, DeliveryState::Failed, None)
            }
            (Some(_), None) => (Outcome::Failed, delivery.state, None),
        };
        Settled {
            attempt: DeliveryAttempt {
                delivery_id: delivery.id,
                seq: delivery.seq,
                attempt,
                at: Timestamp(at),
                status: status.map(i64::from),
                duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
                error,
                outcome,
            },
            state,
            next_attempt_at,
            due: delivery,
        }
    }
}

/// `wait` ±10 %, at random.
fn jitter(wait: Duration) -> chrono::Duration {
    let factor = 0.9 + 0.2 * (OsRng.next_u32() as f64 / u32::MAX as f64);
    chrono::Duration::from_std(wait.mul_f64(factor)).unwrap_or(chrono::Duration::MAX)
}

/// Why a request got no answer, in a line for the delivery log.
fn describe(err: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    format!("{what}: {cause}")
}

/// Turns a subscription off (it failed every delivery for too long); the
/// change is recorded like any other, by `system`.
struct Deactivate;

impl Change<Stored<Webhook>> for Deactivate {
    type Output = Webhook;

    async fn apply(self, _tx: &mut WriteTx, current: &Stored<Webhook>) -> Result<Webhook, AppError> {
        Ok(Webhook {
            active: false,
            ..current.data.clone()
        })
    }
}
