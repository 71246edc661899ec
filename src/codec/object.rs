//! A request body handed to a domain that reads its members itself.

use std::marker::PhantomData;

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use super::body::{Accepts, JsonOrXml, known, required, screen, take};
use super::expected::{MAX_REPORTED, Schemas, push_segment};
use crate::domain::{FieldError, text};
use crate::error::AppError;

/// A request body handed over as its JSON object, for a domain that reads
/// the members itself (and reports every rule it breaks at once): read,
/// screened and documented as `S`, in one of the encodings `A` accepts.
///
/// Refused before the domain sees it, as a typed reader would: a member
/// whose JSON type is not the documented one (a list sent as text), then
/// every member `S` does not declare (in the body's order), then a `null`
/// body or item.
pub struct BodyObject<S, A = JsonOrXml>(pub serde_json::Map<String, Value>, PhantomData<(A, S)>);

impl<'a, S: Type + Send + Sync + 'static, A: Accepts> ApiExtractor<'a> for BodyObject<S, A> {
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
        let (format, value) = take::<S, A>(request, body).await?;
        screen::<S>(format, &value)?;
        let documented = known::<S>();
        let mut shape = Shape {
            schemas: Schemas::new(&documented.components),
            misfits: Vec::new(),
            unknown: Vec::new(),
            null_item: false,
        };
        shape.value(&value, &documented.root, &mut String::new(), 0);
        match value {
            _ if !shape.misfits.is_empty() => Err(AppError::Validation(shape.misfits).into()),
            _ if !shape.unknown.is_empty() => Err(AppError::Validation(shape.unknown).into()),
            Value::Object(members) if !shape.null_item => Ok(Self(members, PhantomData)),
            _ => Err(AppError::BadRequest("the body does not fit the operation's schema".into()).into()),
        }
    }
}

/// Walks a screened body once, collecting what [`BodyObject`] refuses.
struct Shape<'r> {
    schemas: Schemas<'r>,
    misfits: Vec<FieldError>,
    unknown: Vec<FieldError>,
    /// Whether the body or an item is `null`.
    null_item: bool,
}

impl<'r> Shape<'r> {
    /// Checks `value` at `path` (empty at the root, `depth` 0) against `schema`.
    fn value(&mut self, value: &Value, schema: &'r Value, path: &mut String, depth: usize) {
        if self.misfits.len() >= MAX_REPORTED || self.unknown.len() >= MAX_REPORTED {
            return;
        }
        let s = self.schemas.resolve(schema);
        let fits = match (s.get("type").and_then(Value::as_str), value) {
            (Some("array"), Value::Array(_)) | (Some("object"), Value::Object(_)) => true,
            // A member may be null (omitted, cleared); the body or an item may not.
            (_, Value::Null) => {
                self.null_item |= depth != 1;
                true
            }
            (Some("array" | "object"), _) => false,
            _ => true,
        };
        if !fits {
            let field = Some(path.clone())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "body".into());
            let message = format!("must be {}", self.schemas.describe(s));
            self.misfits.push(FieldError::new(field, message));
            return;
        }
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    if let Some(item_schema) = s.get("items") {
                        self.child(path, &index.to_string(), item, item_schema, depth);
                    }
                }
            }
            Value::Object(members) => {
                let properties = s.get("properties").and_then(Value::as_object);
                for (key, member) in members {
                    let declared = properties.and_then(|p| p.get(key));
                    match declared.or_else(|| s.get("additionalProperties")) {
                        Some(member_schema) if member_schema.is_object() => {
                            self.child(path, &text::printable_name(key), member, member_schema, depth);
                        }
                        Some(Value::Bool(true)) => {}
                        _ => {
                            let mut field = path.clone();
                            push_segment(&mut field, &text::printable_name(key));
                            self.unknown.push(FieldError::new(field, "is not a known field"));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn child(&mut self, path: &mut String, segment: &str, item: &Value, schema: &'r Value, depth: usize) {
        let len = path.len();
        push_segment(path, segment);
        self.value(item, schema, path, depth + 1);
        path.truncate(len);
    }
}
