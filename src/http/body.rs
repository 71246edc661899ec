//! Request and response bodies in either encoding.
//!
//! [`Body<T>`] reads a JSON or XML request body by `Content-Type` and
//! validates it with `T`'s own rules; [`Negotiated<T>`] is a response body
//! that the negotiation layer encodes as `Accept` asks. Both list
//! `application/json` and `application/xml` with `T`'s schema in the spec.

use std::any::TypeId;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock, RwLock};

use poem::{IntoResponse, Request, RequestBody, Response};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, ResponseContent};

use serde_json::Value;

use crate::domain::FieldError;
use crate::domain::text;
use crate::http::envelope::Rendered;
use crate::http::error::AppError;
use crate::http::negotiate::{Format, body_format};
use crate::http::xml;

/// The media types of `formats`, each with `T`'s schema.
fn media_types<T: Type>(formats: &[Format]) -> Vec<MetaMediaType> {
    formats
        .iter()
        .map(|format| MetaMediaType {
            content_type: format.media_type(false),
            schema: T::schema_ref(),
        })
        .collect()
}

/// Which encodings a request body may come in.
pub trait Accepts: Send + Sync + 'static {
    const FORMATS: &'static [Format];
    /// The encodings the spec lists: JSON and XML always. Forms are read
    /// where vendors take them and said so in the operation's description,
    /// but not listed: client generators that see a form variant beside
    /// JSON send the form (or, openapi-python-client 0.29, break).
    const DOCUMENTED: &'static [Format] = &Format::ALL;
    /// The same list as the `Accept` header of a 415.
    const ACCEPT: &'static str;
}

/// JSON or XML: every operation's bodies.
pub struct JsonOrXml;

impl Accepts for JsonOrXml {
    const FORMATS: &'static [Format] = &Format::ALL;
    const ACCEPT: &'static str = crate::http::negotiate::SUPPORTED_MEDIA_TYPES;
}

/// JSON, XML or an HTML form, for the operations whose vendors take forms.
pub struct JsonXmlOrForm;

impl Accepts for JsonXmlOrForm {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Xml, Format::Form];
    const ACCEPT: &'static str = "application/json, application/xml, application/x-www-form-urlencoded";
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
        Some(MetaRequest {
            description: None,
            content: media_types::<S>(A::DOCUMENTED),
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let format = body_format(request.content_type(), A::FORMATS)
            .map_err(|reason| AppError::UnsupportedMediaType(reason, A::ACCEPT))?;
        let bytes = body.take()?.into_bytes().await?;
        Ok(Self(decode::<T, S>(format, &bytes)?, PhantomData))
    }
}

/// Decodes `bytes` in `format` into a validated `T`, documented as `S`.
///
/// Before `T` reads the value, every string and key in it is screened for
/// characters no field can store, and a JSON value where `S` documents a
/// string must be a string: `T`'s reader would take `false` or `12345` for
/// the text "false" or "12345". XML and form bodies are text that takes the
/// schema's types as it is read, so only JSON can get a type wrong. Every
/// violation comes back at once, naming the field as the client spelled it.
pub fn decode<T, S>(format: Format, bytes: &[u8]) -> Result<T, AppError>
where
    T: ParseFromJSON + 'static,
    S: Type + 'static,
{
    let value = match format {
        Format::Json => serde_json::from_slice(bytes)
            .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?,
        Format::Xml => xml::from_xml(bytes, &T::schema_ref(), &registry_of::<T>())
            .map_err(|e| AppError::BadRequest(format!("the body is not valid XML: {e}")))?,
        Format::Form => xml::from_form(bytes, &T::schema_ref(), &registry_of::<T>())
            .map_err(|e| AppError::BadRequest(format!("the body is not a valid form: {e}")))?,
    };
    let documented = registry_of::<S>();
    let root = S::schema_ref();
    let mut screen = Screen {
        registry: (format == Format::Json).then_some(&*documented),
        errors: Vec::new(),
    };
    let schema = screen.registry.and_then(|r| xml::resolve(r, &root));
    screen.value(&value, schema, &mut String::new());
    if !screen.errors.is_empty() {
        return Err(AppError::Validation(screen.errors));
    }
    T::parse_from_json(Some(value)).map_err(|e| AppError::BadRequest(e.into_message()))
}

/// At most this many problems of one body are reported.
const MAX_REPORTED: usize = 20;

/// Walks a decoded body once, collecting what no field could take.
struct Screen<'r> {
    /// The documented schemas, when types are checked (JSON bodies).
    registry: Option<&'r Registry>,
    errors: Vec<FieldError>,
}

impl<'r> Screen<'r> {
    /// Screens `value` at `path` (`form.properties.status`, `organizations.0`;
    /// empty at the root), documented by `schema` when known.
    fn value(&mut self, value: &Value, schema: Option<&'r MetaSchema>, path: &mut String) {
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
        if schema.is_some_and(|s| s.ty == "string") && !matches!(value, Value::String(_) | Value::Null) {
            self.errors.push(FieldError::new(field(path), "must be a string"));
            return;
        }
        match value {
            Value::String(text) => {
                if let Err(e) = text::storable(&field(path), text) {
                    self.errors.push(e);
                }
            }
            Value::Array(items) => {
                let items_schema = schema.and_then(|s| self.child(s.items.as_deref()));
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
                            let declared = s.properties.iter().find(|(name, _)| name == key).map(|(_, p)| p);
                            self.child(declared.or(s.additional_properties.as_deref()))
                        });
                        self.value(member, property, path);
                    }
                    path.truncate(len);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn child(&self, schema: Option<&'r MetaSchemaRef>) -> Option<&'r MetaSchema> {
        xml::resolve(self.registry?, schema?)
    }
}

fn push_segment(path: &mut String, segment: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(segment);
}

/// The schemas `T` refers to, built once per type and kept.
fn registry_of<T: Type + 'static>() -> Arc<Registry> {
    static CACHE: LazyLock<RwLock<HashMap<TypeId, Arc<Registry>>>> = LazyLock::new(Default::default);
    let key = TypeId::of::<T>();
    if let Some(found) = CACHE.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return found.clone();
    }
    let mut registry = Registry::new();
    T::register(&mut registry);
    let registry = Arc::new(registry);
    CACHE
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, registry.clone());
    registry
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

impl<T: ToJSON> IntoResponse for Negotiated<T> {
    fn into_response(self) -> Response {
        let mut response = Response::default();
        response.extensions_mut().insert(Rendered::of(&self.0));
        response
    }
}

/// An optional request body: absent when the request has neither a
/// `Content-Type` nor any bytes (a `DELETE` usually), else read like [`Body`].
pub struct MaybeBody<T>(pub Option<T>);

impl<'a, T: ParseFromJSON + Send + 'static> ApiExtractor<'a> for MaybeBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: media_types::<T>(&Format::ALL),
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
            return Ok(Self(None));
        }
        let format = body_format(request.content_type(), &Format::ALL)
            .map_err(|reason| AppError::UnsupportedMediaType(reason, JsonOrXml::ACCEPT))?;
        Ok(Self(Some(decode::<T, T>(format, &bytes)?)))
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
