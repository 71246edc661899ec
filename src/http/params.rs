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
