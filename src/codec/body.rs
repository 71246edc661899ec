//! Request and response bodies in either encoding.
//!
//! [`Body<T>`] reads a JSON or XML request body (or a form, where the
//! operation takes one) by `Content-Type` and validates it with `T`'s own
//! rules; [`Negotiated<T>`] is a response body that the negotiation layer
//! encodes as `Accept` asks. Both list their media types with `T`'s schema
//! in the spec.
//!
//! A body that does not fit is answered naming each field as the client
//! spelled it and what it should be ("organizations.0 must be a UUID",
//! "colour is not a known field"), never with the reader's own text, which
//! names Rust types and schema components (see [`crate::codec::expected`]).
//! A UTF-8 byte-order mark before a JSON or XML document is ignored (RFC
//! 8259 section 8.1 allows it; .NET clients send one).

use std::any::TypeId;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock, RwLock};

use bytes::Bytes;
use poem::{IntoResponse, Request, RequestBody, Response};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, ResponseContent};

use serde::Serialize;
use serde_json::Value;

use crate::codec::expected::{MAX_REPORTED, Schemas, push_segment};
use crate::codec::form;
use crate::codec::negotiate::{Format, body_format};
use crate::codec::rendered::Rendered;
use crate::domain::FieldError;
use crate::domain::text;
use crate::error::AppError;
use crate::xml::{self, XmlError};

/// The media types of `formats`, each with `T`'s schema.
pub(super) fn media_types<T: Type>(formats: &[Format]) -> Vec<MetaMediaType> {
    formats
        .iter()
        .map(|format| MetaMediaType {
            content_type: format.media_type(false),
            schema: T::schema_ref(),
        })
        .collect()
}

/// Which encodings a request body may come in; the spec lists each.
pub trait Accepts: Send + Sync + 'static {
    const FORMATS: &'static [Format];
    /// The same list as the `Accept` header of a 415.
    const ACCEPT: &'static str;
}

/// JSON or XML: every operation's bodies.
pub struct JsonOrXml;

impl Accepts for JsonOrXml {
    const FORMATS: &'static [Format] = &Format::ALL;
    const ACCEPT: &'static str = crate::error::SUPPORTED_MEDIA_TYPES;
}

/// JSON, XML or an HTML form (urlencoded or multipart, with Rack's nested
/// names: see [`crate::codec::form`]), for the operations whose vendors' clients send forms.
pub struct JsonXmlOrForm;

impl Accepts for JsonXmlOrForm {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Xml, Format::Form, Format::Multipart];
    const ACCEPT: &'static str =
        "application/json, application/xml, application/x-www-form-urlencoded, multipart/form-data";
}

/// A request body of type `T`, in one of the encodings `A` accepts,
/// documented with the schema of `S`.
///
/// `S` differs from `T` where the documented schema has required fields but
/// the operation reports every missing one at once: then `T` is a lenient
/// twin of `S` (same property names, all optional) that validation checks.
pub struct Body<T, A = JsonOrXml, S = T>(pub T, PhantomData<(A, S)>);

impl<'a, T, A, S> ApiExtractor<'a> for Body<T, A, S>
where
    T: ParseFromJSON + Send + 'static,
    A: Accepts,
    S: Type + Send + Sync + 'static,
{
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        S::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        required::<S, A>()
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let (format, value) = take::<T, A>(request, body).await?;
        Ok(Self(decode::<T, S>(format, value)?, PhantomData))
    }
}

/// A required request body documented as `S`, in the encodings `A` accepts.
pub(super) fn required<S: Type, A: Accepts>() -> Option<MetaRequest> {
    Some(MetaRequest {
        description: None,
        content: media_types::<S>(A::FORMATS),
        required: true,
    })
}

/// The request's body in the encoding its `Content-Type` names (one `A`
/// accepts), read as a JSON value shaped by `R`'s schema.
pub(super) async fn take<R: Type + 'static, A: Accepts>(
    request: &Request,
    body: &mut RequestBody,
) -> poem::Result<(Format, Value)> {
    let format = body_format(request.content_type(), A::FORMATS)
        .map_err(|reason| AppError::UnsupportedMediaType(reason, A::ACCEPT))?;
    let bytes = body.take()?.into_bytes().await?;
    Ok((format, read::<R>(request, format, bytes, A::ACCEPT).await?))
}

/// `bytes` without a leading UTF-8 byte-order mark.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads `bytes` in `format` as a JSON value; XML and forms are shaped by
/// `T`'s schema (which elements are lists, numbers, booleans).
pub(super) async fn read<T: Type + 'static>(
    request: &Request,
    format: Format,
    bytes: Bytes,
    accept: &'static str,
) -> Result<Value, AppError> {
    let known = known::<T>();
    let (root, registry) = (T::schema_ref(), &known.registry);
    let refused = |what: &'static str| {
        move |err: XmlError| match err {
            XmlError::Syntax(reason) => AppError::BadRequest(format!("the body is not {what}: {reason}")),
            XmlError::Field(field) => AppError::Validation(vec![field]),
        }
    };
    match format {
        Format::Json => serde_json::from_slice(without_bom(&bytes))
            .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}"))),
        Format::Xml => xml::from_xml(without_bom(&bytes), &root, registry).map_err(refused("valid XML")),
        Format::Form => form::from_urlencoded(&bytes, &root, registry).map_err(refused("a valid form")),
        Format::Multipart => {
            let fields = form::multipart_fields(request, bytes, accept).await?;
            form::from_fields(fields, &root, registry).map_err(refused("a valid form"))
        }
    }
}

/// Turns a body's `value`, read in `format`, into a validated `T`,
/// documented as `S`.
///
/// Before `T` reads the value, every string and key in it is screened for
/// characters no field can store, and a JSON value where `S` documents a
/// string must be a string: `T`'s reader would take `false` or `12345` for
/// the text "false" or "12345". XML and form bodies are text that takes the
/// schema's types as it is read, so only JSON can get a type wrong. Every
/// violation comes back at once, naming the field as the client spelled it.
pub fn decode<T, S>(format: Format, value: Value) -> Result<T, AppError>
where
    T: ParseFromJSON + 'static,
    S: Type + 'static,
{
    screen::<S>(format, &value)?;
    match T::parse_from_json(Some(value.clone())) {
        Ok(parsed) => Ok(parsed),
        Err(e) => Err(explain::<T, S>(value, e.into_message())),
    }
}

/// Screens a body's `value`, read in `format`, against `S`'s schema (see [`decode`]).
pub(super) fn screen<S: Type + 'static>(format: Format, value: &Value) -> Result<(), AppError> {
    let documented = known::<S>();
    let mut screen = Screen {
        schemas: (format == Format::Json).then(|| Schemas::new(&documented.components)),
        errors: Vec::new(),
    };
    let root = screen.schemas.map(|_| &documented.root);
    screen.value(value, root, &mut String::new());
    if screen.errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(screen.errors))
    }
}

/// Why `T`'s reader refused `value`, in the client's words: every field
/// that does not fit `T`'s schema (said in the words of the documented
/// schema `S` where it describes the field: `id` "must be an integer" where
/// the lenient reader takes text), else every field `T`'s schema does not
/// declare, when without them the value reads. The reader's own `message`
/// names Rust types and schema components: it is logged, never read or
/// answered.
fn explain<T: ParseFromJSON + 'static, S: Type + 'static>(mut value: Value, message: String) -> AppError {
    let reader = known::<T>();
    let schemas = Schemas::new(&reader.components);
    let mut errors = Vec::new();
    schemas.check(&value, &reader.root, &mut String::new(), &mut errors);
    let documented = known::<S>();
    let documented_schemas = Schemas::new(&documented.components);
    if !errors.is_empty() {
        // A value the documented schema takes (`id: 6` where the reader
        // wants text it would also take) is not why the reader refused.
        let mut misfits = Vec::new();
        documented_schemas.check(&value, &documented.root, &mut String::new(), &mut misfits);
        errors.retain(|e| misfits.iter().any(|m| m.field == e.field));
    }
    if !errors.is_empty() {
        for error in &mut errors {
            let described = documented_schemas.at(&documented.root, &error.field);
            if let Some(schema) = described.filter(|_| error.message.starts_with("must be ")) {
                error.message = format!("must be {}", documented_schemas.describe(schema));
            }
        }
        return AppError::Validation(errors);
    }
    // Whatever else the reader refused, members its schema does not declare
    // are refused by name (the reader stops at the first; all are reported).
    let undeclared = schemas.take_undeclared(&mut value, &reader.root, &mut String::new());
    if !undeclared.is_empty() && T::parse_from_json(Some(value)).is_ok() {
        errors.extend(
            undeclared
                .into_iter()
                .take(MAX_REPORTED)
                .map(|field| FieldError::new(field, "is not a known field")),
        );
    }
    if errors.is_empty() {
        tracing::debug!(
            reason = message,
            "a body was refused for a reason the schema does not show"
        );
        return AppError::BadRequest("the body does not fit the operation's schema".into());
    }
    AppError::Validation(errors)
}

/// Walks a decoded body once, collecting what no field could take.
struct Screen<'r> {
    /// The documented schemas, when types are checked (JSON bodies).
    schemas: Option<Schemas<'r>>,
    errors: Vec<FieldError>,
}

impl<'r> Screen<'r> {
    /// Screens `value` at `path` (`form.properties.status`, `organizations.0`;
    /// empty at the root), documented by `schema` when known.
    fn value(&mut self, value: &Value, schema: Option<&'r Value>, path: &mut String) {
        if self.errors.len() >= MAX_REPORTED {
            return;
        }
        let field = |path: &str| {
            if path.is_empty() {
                "body".to_string()
            } else {
                path.to_string()
            }
        };
        let schema = schema.zip(self.schemas).map(|(s, schemas)| schemas.resolve(s));
        if let Some((schema, schemas)) = schema.zip(self.schemas) {
            if schema.get("type").and_then(Value::as_str) == Some("string")
                && !matches!(value, Value::String(_) | Value::Null)
            {
                let message = format!("must be {}", schemas.kind(schema));
                self.errors.push(FieldError::new(field(path), message));
                return;
            }
        }
        match value {
            Value::String(text) => {
                if let Err(e) = text::storable(&field(path), text) {
                    self.errors.push(e);
                }
            }
            Value::Array(items) => {
                let items_schema = schema.and_then(|s| s.get("items"));
                for (index, item) in items.iter().enumerate() {
                    let len = path.len();
                    push_segment(path, &index.to_string());
                    self.value(item, items_schema, path);
                    path.truncate(len);
                }
            }
            Value::Object(members) => {
                for (key, member) in members {
                    let len = path.len();
                    push_segment(path, &text::printable_name(key));
                    if let Err(e) = text::storable(path, key) {
                        self.errors.push(e);
                    } else {
                        let property = schema.and_then(|s| {
                            let declared = s.get("properties").and_then(|p| p.get(key));
                            declared.or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
                        });
                        self.value(member, property, path);
                    }
                    path.truncate(len);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// The schemas of a type: as registered, and as the spec writes them.
pub(super) struct Known {
    registry: Registry,
    /// The registry's schemas as JSON, for [`Schemas`].
    pub(super) components: serde_json::Map<String, Value>,
    /// The type's own schema (a `$ref`, for an object) as JSON.
    pub(super) root: Value,
}

/// The schemas `T` refers to, built once per type and kept.
pub(super) fn known<T: Type + 'static>() -> Arc<Known> {
    static CACHE: LazyLock<RwLock<HashMap<TypeId, Arc<Known>>>> = LazyLock::new(Default::default);
    let key = TypeId::of::<T>();
    if let Some(found) = CACHE.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return found.clone();
    }
    let mut registry = Registry::new();
    T::register(&mut registry);
    let components = match serde_json::to_value(&registry.schemas) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let root = serde_json::to_value(T::schema_ref()).unwrap_or_default();
    let known = Arc::new(Known {
        registry,
        components,
        root,
    });
    CACHE
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, known.clone());
    known
}

/// A response body of type `T`, encoded as the request's `Accept` asks.
pub struct Negotiated<T>(pub T);

impl<T: Type> ResponseContent for Negotiated<T> {
    fn media_types() -> Vec<MetaMediaType> {
        media_types::<T>(&Format::ALL)
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ToJSON + Serialize + Send + Sync + 'static> IntoResponse for Negotiated<T> {
    fn into_response(self) -> Response {
        let mut response = Response::default();
        response.extensions_mut().insert(Rendered::typed(self.0));
        response
    }
}

/// An optional request body: absent when the request has neither a
/// `Content-Type` nor any bytes (a `DELETE` usually), else read like [`Body`].
/// With `DOCUMENTED = false` it is read but left out of the spec (a body
/// older clients send, whose content the spec now asks for elsewhere).
pub struct MaybeBody<T, A = JsonOrXml, const DOCUMENTED: bool = true>(pub Option<T>, PhantomData<A>);

impl<'a, T: ParseFromJSON + Send + 'static, A: Accepts, const DOCUMENTED: bool> ApiExtractor<'a>
    for MaybeBody<T, A, DOCUMENTED>
{
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        DOCUMENTED.then(|| MetaRequest {
            description: None,
            content: media_types::<T>(A::FORMATS),
            required: false,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let bytes = body.take()?.into_bytes().await?;
        if request.content_type().is_none() && bytes.is_empty() {
            return Ok(Self(None, PhantomData));
        }
        let format = body_format(request.content_type(), A::FORMATS)
            .map_err(|reason| AppError::UnsupportedMediaType(reason, A::ACCEPT))?;
        let value = read::<T>(request, format, bytes, A::ACCEPT).await?;
        Ok(Self(Some(decode::<T, T>(format, value)?), PhantomData))
    }
}

/// The property names of `T`'s schema: tests use it to keep a lenient
/// reading twin (see [`Body`]) in step with the documented type.
#[cfg(test)]
pub fn property_names<T: Type>() -> Vec<String> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    registry
        .schemas
        .get(&*T::name())
        .map(|s| s.properties.iter().map(|(name, _)| name.to_string()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_leading_byte_order_mark_is_dropped() {
        assert_eq!(without_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(without_bom(b"{}\xEF\xBB\xBF"), b"{}\xEF\xBB\xBF");
        assert_eq!(without_bom(b""), b"");
    }
}
