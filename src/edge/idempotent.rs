//! `Idempotency-Key` on POSTs (the IETF httpapi draft), at the edge: the
//! key is read and the request hashed before the handler runs; the answer
//! is kept after it (see `store::idempotency` for the claim in between).

use poem::http::header::{self, HeaderName, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Request, Response};
use sha2::{Digest, Sha256};

use crate::domain::{FieldError, text};
use crate::error::AppError;
use crate::store::Store;
use crate::store::idempotency::{self, KeptAnswer, Pending, SharedSlot};

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The answer headers kept with a key and given again.
const KEPT_HEADERS: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::ETAG,
    header::LAST_MODIFIED,
    header::LINK,
];

/// The request's idempotency slot: for a POST with `Idempotency-Key`, the
/// key and the hash of the request (its body read here, within the body
/// limit, and put back).
pub async fn read(req: &mut Request) -> Result<SharedSlot, poem::Error> {
    let slot = SharedSlot::default();
    let Some(value) = req
        .headers()
        .get(IDEMPOTENCY_KEY)
        .filter(|_| req.method() == Method::POST)
    else {
        return Ok(slot);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                IDEMPOTENCY_KEY,
                "must be 1 to 255 visible ASCII characters",
            )])
        })?
        .to_string();
    let body = req.take_body().into_bytes().await?;
    let mut hash = Sha256::new();
    for part in [req.uri().path(), req.uri().query().unwrap_or_default()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    if let Some(content_type) = req.headers().get(header::CONTENT_TYPE) {
        hash.update(content_type.as_bytes());
    }
    hash.update([0]);
    hash.update(&body);
    let hash = text::hex(&hash.finalize());
    req.set_body(Body::from(body));
    slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pending = Some(Pending { key, hash });
    Ok(slot)
}

/// `response`, after keeping it for the key the request claimed (if it
/// did): an answer of the server's own failure (5xx) is not kept, and lets
/// the key go when nothing was written under it.
pub async fn keep(store: &Store, slot: &SharedSlot, response: Response) -> Response {
    let Some(claim) = idempotency::take_claim(slot) else {
        return response;
    };
    if response.status().is_server_error() {
        if let Err(err) = store.idempotency_answer(&claim, None).await {
            tracing::warn!(error = %err, "an idempotency key could not be let go");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = body.into_bytes().await.unwrap_or_default();
    let answer = KeptAnswer {
        status: parts.status.as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = parts.headers.get(name)?.to_str().ok()?;
                Some((name.as_str().to_string(), value.to_string()))
            })
            .collect(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    if let Err(err) = store.idempotency_answer(&claim, Some(&answer)).await {
        // The write (if any) stands; a retry with this key is told it is in progress.
        tracing::warn!(error = %err, "the answer to an idempotent request could not be kept");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A kept answer, given again, marked `Idempotent-Replayed: true`.
pub fn replayed(answer: &KeptAnswer) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK))
        .body(answer.body.clone());
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
