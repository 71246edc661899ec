//! Query parameters the spec documents but the handler reads as a whole.

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaParamIn, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

/// A text query parameter the spec marks required, read as optional: the
/// handler also takes the value from an older place (a body it still reads
/// but no longer documents) and refuses the request in its dialect's words
/// when neither has it.
pub struct RequiredText(pub Option<String>);

impl<'a> ApiExtractor<'a> for RequiredText {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = true;

    type ParamType = String;
    type ParamRawType = String;

    fn register(registry: &mut Registry) {
        <String as Type>::register(registry);
    }

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Query)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(<String as Type>::schema_ref())
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let query = request.uri().query().unwrap_or_default();
        Ok(Self(
            form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == param_opts.name)
                .map(|(_, value)| value.into_owned()),
        ))
    }
}
