//! The framework's own errors (unknown route, wrong method, unreadable
//! body, unparsable parameter) in the project's terms: an [`AppError`]
//! worded from what the route table and the request say, never from the
//! framework's message text, which names internals (`param0`,
//! `optional_integer(uint64)`) and is only logged.

use crate::document::routes::{Location, RouteTable};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::error::{SUPPORTED_MEDIA_TYPES, UnsupportedContentType};

/// Turns any error that reached the HTTP layer into an [`AppError`]:
/// ours come back as they were; poem's and poem-openapi's own (unknown
/// route, wrong method, unparsable parameter or body) get their meaning,
/// worded in the client's terms (see `parameter_error`): their own
/// text names internals (`param0`, `optional_integer(uint64)`) and is
/// only logged.
pub fn app_error(err: poem::Error, routes: &RouteTable, method: &str, uri: &poem::http::Uri) -> AppError {
    use poem::error::{MethodNotAllowedError, NotFoundError, ReadBodyError};
    use poem_openapi::error::{ContentTypeError, ParseParamError, ParsePathError};

    let path = uri.path();
    if err.is::<AppError>() {
        return match err.downcast::<AppError>() {
            Ok(app) => app,
            Err(err) => AppError::Internal(anyhow::anyhow!("{err}")),
        };
    }
    if err.is::<NotFoundError>() {
        return AppError::RouteNotFound;
    }
    if err.is::<MethodNotAllowedError>() {
        return AppError::MethodNotAllowed {
            allow: routes.allowed_methods(path),
        };
    }
    if let Some(read) = err.downcast_ref::<ReadBodyError>() {
        return match read {
            ReadBodyError::PayloadTooLarge => AppError::PayloadTooLarge { limit: None },
            ReadBodyError::Io(io) => {
                if let Some(too_large) = find_cause::<BodyTooLarge>(io) {
                    AppError::PayloadTooLarge {
                        limit: Some(too_large.0),
                    }
                } else if find_cause::<BodyTimedOut>(io).is_some() {
                    AppError::RequestTimeout
                } else {
                    AppError::BadRequest("the request body could not be read".into())
                }
            }
            ReadBodyError::Utf8(_) => AppError::BadRequest("the request body is not valid UTF-8".into()),
            ReadBodyError::BodyHasBeenTaken => AppError::Internal(anyhow::anyhow!("{read}")),
        };
    }
    if let Some(ct) = err.downcast_ref::<ContentTypeError>() {
        let reason = match ct {
            ContentTypeError::ExpectContentType => UnsupportedContentType::Missing,
            ContentTypeError::NotSupported { content_type } => {
                UnsupportedContentType::Unsupported(content_type.clone())
            }
        };
        return AppError::UnsupportedMediaType(reason, SUPPORTED_MEDIA_TYPES);
    }
    let request = Parsed { routes, method, uri };
    if err.is::<ParsePathError>() {
        // The framework names path parameters its own way (`param0`):
        // the one refused is the one whose value its schema does not take.
        let schemas = routes.schemas();
        let declared = routes.parameters(method, path);
        for (name, raw) in routes.path_parameters(path) {
            let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
            let schema = declared.iter().find(|p| p.name == name).map(|p| &p.schema);
            if schema.is_some_and(|schema| !schemas.takes_text(&value, schema)) {
                return parameter_error(&request, name);
            }
        }
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        tracing::debug!(parameter = e.name, reason = e.reason, "a parameter could not be parsed");
        return parameter_error(&request, e.name);
    }
    let status = err.status();
    tracing::debug!(error = %err, "request refused by the framework");
    if status.is_client_error() {
        return AppError::BadRequest("the request could not be read".into());
    }
    AppError::Internal(anyhow::anyhow!("{err}"))
}

/// What is known of a request whose parameter could not be parsed.
struct Parsed<'a> {
    routes: &'a RouteTable,
    method: &'a str,
    uri: &'a poem::http::Uri,
}

/// The parameter `name` could not be parsed: say so by its name as sent and
/// by what its schema takes ("must be an integer from 1 to 200"), or that it
/// is missing ("is required"; a required header is refused as missing
/// before the handler runs, so a header here is malformed).
fn parameter_error(request: &Parsed<'_>, name: &str) -> AppError {
    let path = request.uri.path();
    let declared = request
        .routes
        .parameters(request.method, path)
        .iter()
        .find(|p| p.name == name);
    let Some(declared) = declared else {
        return AppError::Validation(vec![FieldError::new(name, "is not valid")]);
    };
    let missing = match declared.location {
        Location::Query => !form_urlencoded::parse(request.uri.query().unwrap_or_default().as_bytes())
            .any(|(key, _)| key == name || key.strip_prefix(name).is_some_and(|rest| rest.starts_with('['))),
        Location::Path | Location::Header | Location::Cookie => false,
    };
    let message = if missing {
        "is required".to_string()
    } else {
        format!("must be {}", request.routes.schemas().describe(&declared.schema))
    };
    AppError::Validation(vec![FieldError::new(name, message)])
}

/// The marker inside the I/O error a capped request body yields once it
/// passes the limit; carries the limit.
#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than {0} bytes")]
pub struct BodyTooLarge(pub u64);

/// The marker inside the I/O error a request body yields when nothing of it
/// arrived for the body timeout.
#[derive(Debug, thiserror::Error)]
#[error("no part of the request body arrived for {0:?}")]
pub struct BodyTimedOut(pub std::time::Duration);

/// The marker `M` that caused `err`, however deeply the body stack wrapped it.
fn find_cause<M: std::error::Error + 'static>(err: &std::io::Error) -> Option<&M> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = err.get_ref().map(|e| e as _);
    while let Some(e) = current {
        if let Some(marker) = e.downcast_ref::<M>() {
            return Some(marker);
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|e| e as _),
            None => e.source(),
        };
    }
    None
}
