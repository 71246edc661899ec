//! `/api/setup/webhooks`: subscriptions to the change history, delivered
//! as signed POSTs (see `crate::webhooks`), with their delivery log. Read
//! and written like the other setup resources (the same list, get and
//! update, scopes `setup.read` and `setup.write`); a create answers the
//! signing secret, once, and a subscription can be deleted.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use crate::api::ProblemError;
use crate::api::auth::Bearer;
use crate::api::envelope::{IfMatch, Unique};
use crate::auth::Scope;
use crate::codec::text::Text;
use crate::codec::{Body, Negotiated};
use crate::context::ApiContext;
use crate::dialects::ApiTag;
use crate::dialects::setup::{self, Created, Fetched, Input, ListPage, Listed, Meta, Resource, WriteContext};
use crate::domain::etag::etag;
use crate::domain::setup::NAME_MAX;
use crate::domain::text::{Line, OptionalLine, optional_text, required_text};
use crate::domain::webhook::{self as hooks, Events};
use crate::domain::{FieldError, Violations};
use crate::error::AppError;
use crate::store::WriteTx;
use crate::store::setup::records::{RecordKey, Stored};
use crate::store::webhooks::{Delivery, DeliveryAttempt};
use crate::webhooks::guard::{self, URL_MAX};
use crate::webhooks::secret;
use crate::write::{self, Change};

crate::wire! {
    /// A webhook subscription: each change it asks for is POSTed to `url`
    /// as JSON (the change as `GET /api/changes` shows it), signed as the
    /// Standard Webhooks specification says.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct Webhook {
        pub entity_id: Uuid,
        /// Where deliveries are POSTed (http or https).
        pub url: String,
        /// Which changes are delivered, each as `resource.operation`
        /// (either part `*`) or `*` for every change: a resource type sent
        /// alone (`relationships`) reads back as `relationships.*`.
        pub events: Vec<String>,
        #[skip_none]
        pub description: Option<String>,
        /// Only active webhooks are delivered to; one that failed every
        /// delivery for the whole retry schedule is made inactive.
        pub active: bool,
        #[flatten]
        pub meta: Meta,
    }
}

impl Resource for Webhook {
    type Data = hooks::Webhook;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            meta: (&s).into(),
            entity_id: s.entity_id,
            url: s.data.url,
            events: s.data.events.patterns(),
            description: s.data.description,
            active: s.data.active,
        }
    }
}

crate::wire! {
    /// A webhook just created, with its signing secret: shown in this
    /// answer only (liaison keeps it sealed and never shows it again).
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct WebhookCreated {
        #[flatten]
        pub webhook: Webhook,
        /// The signing secret: `whsec_` and the base64 of 32 bytes, as
        /// Standard Webhooks libraries take it. Each delivery carries
        /// `webhook-id`, `webhook-timestamp` (Unix seconds) and
        /// `webhook-signature`: `v1,` and the base64 of the HMAC-SHA256,
        /// keyed with the bytes after `whsec_`, of `id.timestamp.body`.
        pub secret: String,
    }
}

/// What a client sends to create or replace a webhook.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct WebhookInput {
    /// An absolute http or https URL, at most 2,048 characters, without a
    /// user name or password. It must not reach a loopback, link-local or
    /// private address unless the operator allows them (400).
    pub url: Text<Line<URL_MAX>>,
    /// Which changes to deliver, at most 50 patterns: `*` (every change), a
    /// resource type (`relationships`: its every change), or a resource type
    /// and an operation (`relationships.update`), either part `*`
    /// (`*.delete`). Absent, `null` or empty: every change.
    #[oai(nullable, skip_serializing_if_is_none, validator(max_items = 50))]
    pub events: Option<Vec<String>>,
    /// Up to 200 characters on one line; blank or `null` means none.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub description: Option<Text<OptionalLine<NAME_MAX>>>,
    /// Defaults to `true` (absent or `null`); `false` stops deliveries
    /// (changes made meanwhile are not delivered later).
    #[oai(nullable, skip_serializing_if_is_none)]
    pub active: Option<bool>,
    /// Not read from the body: the newest change when an update arrives,
    /// where a webhook made active again starts.
    #[oai(skip)]
    pub resume_from: i64,
}

impl Example for WebhookInput {
    fn example() -> Self {
        Self {
            url: "https://hooks.example.com/liaison".into(),
            events: Some(vec!["relationships".into(), "*.delete".into()]),
            description: Some("Our CRM's sync".into()),
            active: Some(true),
            resume_from: 0,
        }
    }
}

impl Input for WebhookInput {
    type Data = hooks::Webhook;

    /// The subscription; on update, its secret and place in the history kept.
    fn into_data(self, write: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        let mut violations = Violations::default();
        let url = violations.check(required_text("url", &self.url, URL_MAX).and_then(|url| {
            guard::check_syntax(&url)
                .map(|_| url)
                .map_err(|m| FieldError::new("url", m))
        }));
        let events = Events::parse("events", self.events.as_deref().unwrap_or_default())
            .map_err(|errors| errors.into_iter().for_each(|e| violations.add(e)))
            .ok();
        let description = violations.check(optional_text("description", self.description.as_deref(), NAME_MAX));
        match (url, events, description) {
            (Some(url), Some(events), Some(description)) if violations.is_empty() => Ok(hooks::Webhook {
                url,
                events,
                description,
                active: self.active.unwrap_or(true),
                secret: write.current.map(|c| c.secret.clone()).unwrap_or_default(),
                // Made active again, it starts from now (not what changed meanwhile).
                queued_through: match write.current {
                    Some(c) if !c.active && self.active != Some(false) => c.queued_through.max(self.resume_from),
                    Some(c) => c.queued_through,
                    None => 0,
                },
            }),
            _ => Err(violations.into_errors()),
        }
    }
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted, with its deliveries and their log.
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
pub enum Redelivered {
    /// The delivery is due now: one more attempt, with the same
    /// `webhook-id`, goes out within seconds; its outcome joins the log.
    #[oai(status = 202)]
    Accepted(Negotiated<Delivery>),
}

/// Deletes a webhook as the caller asks.
struct Remove;

impl Change<Stored<hooks::Webhook>> for Remove {
    type Output = ();

    async fn apply(self, _tx: &mut WriteTx, _current: &Stored<hooks::Webhook>) -> Result<(), AppError> {
        Ok(())
    }
}

pub struct WebhooksApi {
    ctx: ApiContext,
}

impl WebhooksApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    /// 400 unless `url` may be called (see `webhooks::guard`).
    async fn check_url(&self, url: &str) -> Result<(), AppError> {
        guard::check(url, self.ctx.webhooks.allow_private)
            .await
            .map(|_| ())
            .map_err(|message| AppError::Validation(vec![FieldError::new("url", message)]))
    }

    /// The caller's webhook `id`, or 404.
    async fn webhook(&self, tenant: crate::domain::TenantId, id: Uuid) -> Result<Stored<hooks::Webhook>, AppError> {
        self.ctx
            .store
            .record_get::<hooks::Webhook>(tenant, None, id)
            .await?
            .ok_or(AppError::NotFound("Webhook"))
    }
}

const COLLECTION: &str = "/api/setup/webhooks";

#[OpenApi(prefix_path = "/api/setup/webhooks", tag = "ApiTag::Webhooks")]
impl WebhooksApi {
    /// List webhooks
    ///
    /// The tenant's webhooks, oldest first (`limit` 1-200, default 50;
    /// `offset` up to 10,000, counted from `after`, when sent: the cursor in
    /// a full page's `Link: <…>; rel="next"`). Secrets are never shown.
    #[oai(path = "/", method = "get", operation_id = "listWebhooks")]
    async fn webhooks_list(
        &self,
        request: &poem::Request,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip, 0-10000 (default 0).
        #[oai(validator(minimum(value = "0"), maximum(value = "10000")))]
        offset: Query<Option<i64>>,
        /// A cursor from the `Link rel="next"` of the previous page: this page starts after it.
        after: Query<Option<String>>,
    ) -> Result<Listed<Webhook>, ProblemError> {
        let page = setup::page(limit.0, offset.0, after.0.as_deref())?;
        Ok(setup::list::<Webhook, Webhook>(&self.ctx.store, auth.0.tenant, None, page, request).await?)
    }

    /// Create a webhook
    ///
    /// Subscribes `url` to the changes `events` names, from now on (changes
    /// committed before are not delivered). 201 with `Location`, `ETag`
    /// and the signing secret, shown this once.
    ///
    /// Each change is POSTed as JSON: the change record of `GET
    /// /api/changes`, whose `seq` orders and deduplicates. Headers, as
    /// Standard Webhooks says: `webhook-id` (the delivery's id, the same on
    /// every attempt), `webhook-timestamp` (Unix seconds of the attempt),
    /// `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
    /// `webhook-id.webhook-timestamp.body`, keyed with the secret's bytes
    /// after `whsec_`). Any 2xx answer (within 10 s) delivers it; anything
    /// else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
    /// (±10 %), then the delivery has failed; a webhook that failed every
    /// delivery for that long (about 27.6 h) is made inactive. Redirects are
    /// not followed. First attempts go out in change order; a failing
    /// delivery does not hold back the ones after it.
    #[oai(path = "/", method = "post", operation_id = "createWebhook")]
    async fn webhooks_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<WebhookInput>,
    ) -> Result<Created<WebhookCreated>, ProblemError> {
        let principal = auth.0;
        let actor = principal.actor();
        let write = WriteContext {
            number: 0,
            actor: &actor,
            current: None,
        };
        let mut data = body.0.clone().into_data(&write).map_err(AppError::Validation)?;
        self.check_url(&body.0.url).await?;
        let (tenant, entity_id, plain) = (principal.tenant, Uuid::new_v4(), secret::generate());
        data.secret = self
            .ctx
            .store
            .seal(&hooks::Webhook::binding(tenant, entity_id), &plain)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the store has no sealing key")))?;
        data.queued_through = self.ctx.store.changes_kept(tenant).await?.newest;
        let mut tx = self.ctx.store.begin_write(tenant).await?;
        let result = tx
            .record_insert(Some(entity_id), None, data)
            .await
            .map_err(AppError::from);
        let stored = write::finish(tx, result).await?;
        let (location, tag) = (format!("{COLLECTION}/{entity_id}"), etag(stored.version));
        let created = WebhookCreated {
            webhook: Webhook::from_stored(stored),
            secret: plain,
        };
        Ok(Created::Created(Negotiated(created), location, tag))
    }

    /// Get a webhook
    ///
    /// One webhook of the caller's tenant, with its `ETag` (never its
    /// secret); another tenant's is 404.
    #[oai(path = "/:entityId", method = "get", operation_id = "getWebhook")]
    async fn webhooks_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId", example = "crate::demo::examples::webhook")] entity_id: Path<Uuid>,
    ) -> Result<Fetched<Webhook>, ProblemError> {
        Ok(setup::get(&self.ctx.store, auth.0.tenant, None, entity_id.0).await?)
    }

    /// Update a webhook
    ///
    /// Replaces its URL, events, description and active flag (the secret
    /// stays). With `If-Match`, only while the ETag is current (else 412 and
    /// nothing changes). Made active again, it delivers the changes from
    /// then on.
    #[oai(path = "/:entityId", method = "put", operation_id = "updateWebhook")]
    async fn webhooks_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId", example = "crate::demo::examples::webhook")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT: update only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<WebhookInput>,
    ) -> Result<Fetched<Webhook>, ProblemError<IfMatch>> {
        self.check_url(&body.0.url).await?;
        let key = RecordKey {
            parent_id: None,
            entity_id: entity_id.0,
        };
        let mut input = body.0;
        input.resume_from = self.ctx.store.changes_kept(auth.0.tenant).await?.newest;
        Ok(setup::update(&self.ctx.store, &auth.0, key, if_match.0.as_deref(), input).await?)
    }

    /// Delete a webhook
    ///
    /// Deletes it with its deliveries and their log: 204. With `If-Match`,
    /// only while the ETag is current (else 412). Another tenant's: 404.
    #[oai(path = "/:entityId", method = "delete", operation_id = "deleteWebhook")]
    async fn webhooks_delete(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId", example = "crate::demo::examples::webhook")] entity_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT: delete only if it is still current.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> Result<Deleted, ProblemError<IfMatch>> {
        let tx = self.ctx.store.begin_write(auth.0.tenant).await?;
        let key = RecordKey {
            parent_id: None,
            entity_id: entity_id.0,
        };
        write::remove::<Stored<hooks::Webhook>, _>(tx, &key, if_match.0.as_deref(), Remove).await?;
        Ok(Deleted::NoContent)
    }

    /// List a webhook's delivery attempts
    ///
    /// Every attempt to deliver a change to the webhook, newest first: the
    /// delivery (its `webhook-id`), the change's `seq`, the attempt's number,
    /// the receiver's status, how long it took, what went wrong, and what
    /// follows (`retrying`, `delivered`, `failed`). `limit` 1-200 (default
    /// 50), `offset` up to 10,000. Kept as long as the change history.
    #[oai(
        path = "/:entityId/deliveries",
        method = "get",
        operation_id = "listWebhookDeliveries"
    )]
    async fn webhooks_deliveries(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "entityId", example = "crate::demo::examples::webhook")] entity_id: Path<Uuid>,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip, 0-10000 (default 0).
        #[oai(validator(minimum(value = "0"), maximum(value = "10000")))]
        offset: Query<Option<i64>>,
    ) -> Result<Listed<DeliveryAttempt>, ProblemError> {
        let tenant = auth.0.tenant;
        self.webhook(tenant, entity_id.0).await?;
        let (page, _) = setup::page(limit.0, offset.0, None)?;
        let (items, total_count) = self.ctx.store.webhook_attempts(tenant, entity_id.0, page).await?;
        let page = ListPage {
            items,
            total_count,
            limit: page.limit,
            offset: page.offset,
        };
        Ok(Listed::Ok(Negotiated(page), None))
    }

    /// Redeliver a delivery
    ///
    /// Sends the delivery once more, now, with the same `webhook-id` and
    /// body (signed anew): 202, and its outcome joins the log. A delivery
    /// still pending is simply due now; one that was delivered or failed
    /// gets one attempt. An inactive webhook delivers nothing: 409.
    #[oai(
        path = "/:entityId/deliveries/:deliveryId/redeliver",
        method = "post",
        operation_id = "redeliverWebhookDelivery"
    )]
    async fn webhooks_redeliver(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "entityId", example = "crate::demo::examples::webhook")] entity_id: Path<Uuid>,
        /// The delivery (its `webhook-id`).
        #[oai(name = "deliveryId")]
        delivery_id: Path<Uuid>,
    ) -> Result<Redelivered, ProblemError<Unique>> {
        let tenant = auth.0.tenant;
        if !self.webhook(tenant, entity_id.0).await?.data.active {
            return Err(AppError::Conflict("the webhook is inactive: make it active to deliver".into()).into());
        }
        let delivery = self
            .ctx
            .store
            .webhook_redeliver(tenant, entity_id.0, delivery_id.0, crate::store::now())
            .await?
            .ok_or(AppError::NotFound("Delivery"))?;
        Ok(Redelivered::Accepted(Negotiated(delivery)))
    }
}
