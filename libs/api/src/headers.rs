//! Request headers that operations take as parameters, documented with their exact grammar and
//! read from the raw request (poem-openapi's `Header` drops a value that is not visible ASCII,
//! which would turn a conditional update into an unconditional one).
//!
//! They are extracted after the caller is authenticated (they follow the security parameter),
//! so a request without credentials is answered 401 whatever else is wrong with it.

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaParamIn, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use pcref_domain::{IfMatch, ValidationError};

use crate::idempotency;
use crate::problem::ApiError;

fn string_schema(pattern: &str, min: Option<usize>, max: Option<usize>) -> MetaSchemaRef {
    let mut schema = MetaSchema::new("string");
    schema.pattern = Some(pattern.to_owned());
    schema.min_length = min;
    schema.max_length = max;
    MetaSchemaRef::Inline(Box::new(schema))
}

/// Reads `If-Match`: a value that is not `*` or a list of entity tags is a malformed request.
fn read_if_match(request: &Request) -> poem::Result<Option<IfMatch>> {
    let mut values = request.headers().get_all("if-match").iter();
    let Some(raw) = values.next() else {
        return Ok(None);
    };
    let bad = |detail: String| ApiError::bad_request(detail).into_poem_error();
    if values.next().is_some() {
        return Err(bad("If-Match: send the header once".to_owned()));
    }
    let text = raw
        .to_str()
        .map_err(|_| bad("If-Match: must be visible ASCII, such as \"1\"".to_owned()))?;
    IfMatch::parse(text)
        .map(Some)
        .map_err(|e: ValidationError| bad(format!("{}: {}", e.field, e.message)))
}

/// `If-Match` on an update that requires it: documented as required; when it is missing the
/// use case answers 428 (RFC 6585), which says more than a 400 would.
pub struct RequiredIfMatch(pub Option<IfMatch>);

/// `If-Match` where it is optional (deletes, rotations): checked when sent.
pub struct OptionalIfMatch(pub Option<IfMatch>);

macro_rules! if_match_extractor {
    ($name:ident, $required:literal) => {
        impl<'a> ApiExtractor<'a> for $name {
            const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
            const PARAM_IS_REQUIRED: bool = $required;

            type ParamType = String;
            type ParamRawType = ();

            fn register(_registry: &mut Registry) {}

            fn param_in() -> Option<MetaParamIn> {
                Some(MetaParamIn::Header)
            }

            fn param_schema_ref() -> Option<MetaSchemaRef> {
                Some(string_schema(IfMatch::PATTERN, Some(1), None))
            }

            async fn from_request(
                request: &'a Request,
                _body: &mut RequestBody,
                _param_opts: ExtractParamOptions<Self::ParamType>,
            ) -> poem::Result<Self> {
                read_if_match(request).map($name)
            }
        }
    };
}

if_match_extractor!(RequiredIfMatch, true);
if_match_extractor!(OptionalIfMatch, false);

/// `Idempotency-Key` on a create (see `idempotency`): 1 to 255 visible ASCII characters. The
/// middleware acts on a well-formed key; a malformed one is refused here, with 400.
pub struct IdempotencyKey;

impl<'a> ApiExtractor<'a> for IdempotencyKey {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = false;

    type ParamType = String;
    type ParamRawType = ();

    fn register(_registry: &mut Registry) {}

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Header)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(string_schema(
            idempotency::KEY_PATTERN,
            Some(1),
            Some(idempotency::MAX_KEY_LEN),
        ))
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        idempotency::key_of(request)
            .map(|_| IdempotencyKey)
            .map_err(poem::Error::from_response)
    }
}

/// The preview's `ETag` on a publication: required, and a real tag (`*` would publish
/// whatever the plan has become since the preview, so it answers 428 like a missing header).
pub struct PreviewIfMatch(pub Option<IfMatch>);

impl<'a> ApiExtractor<'a> for PreviewIfMatch {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = true;

    type ParamType = String;
    type ParamRawType = ();

    fn register(_registry: &mut Registry) {}

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Header)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(string_schema(IfMatch::TAGS_PATTERN, Some(1), None))
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        read_if_match(request).map(PreviewIfMatch)
    }
}
