//! Query parameters the spec documents but the handler reads as a whole.

use std::marker::PhantomData;

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaParamIn, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

/// A query parameter of object type `T`, documented for the spec (declare it
/// with `#[oai(style = "deepObject")]`: `name[eq]=x&name[contains]=y`) and
/// extracting nothing: a handler taking several reads the query string in
/// one pass, so that every problem in it is reported at once and unknown
/// parameters are refused.
pub struct Documented<T>(PhantomData<T>);

impl<'a, T: Type> ApiExtractor<'a> for Documented<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = false;

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Query)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(T::schema_ref())
    }

    async fn from_request(
        _request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self(PhantomData))
    }
}

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
