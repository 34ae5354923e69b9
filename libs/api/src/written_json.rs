//! Response bodies (JSON, HTML) written once and served many times.

/// A JSON body documented as `T` whose bytes were written before the request came: the kept
/// roll-up preview (the domain's serialisation, which `T` mirrors field for field, as issued
/// reports freeze it: [`pcref_app::App::rollup_preview`]) and kept pages of the library
/// ([`pcref_app::LibraryPage`]). Requests share those bytes instead of building `T` and a JSON
/// value tree each time. The end-to-end tests read every field of these bodies, so a drift
/// between a body and its documented type fails them.
pub struct WrittenJson<T> {
    body: bytes::Bytes,
    _documented_as: std::marker::PhantomData<T>,
}

impl<T> WrittenJson<T> {
    /// A body already written as JSON (kept by the use case, shared rather than copied).
    pub fn written(body: bytes::Bytes) -> Self {
        WrittenJson {
            body,
            _documented_as: std::marker::PhantomData,
        }
    }
}

impl<T: poem_openapi::types::ToJSON> WrittenJson<T> {
    /// Writes `value` exactly as poem-openapi's `Json<T>` would, to be kept.
    pub fn write(value: &T) -> bytes::Bytes {
        value.to_json_string().into()
    }
}

impl<T: poem_openapi::types::Type> poem_openapi::payload::Payload for WrittenJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }
}

impl<T: Send> poem::IntoResponse for WrittenJson<T> {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(self.body)
    }
}

impl<T: poem_openapi::types::Type> poem_openapi::ApiResponse for WrittenJson<T> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        use poem_openapi::payload::Payload;
        use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses};
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }
}

/// An HTML page rendered before the request came (an issued report's page, rendered once per
/// server), served without copying it; documented as poem-openapi's `Html<String>` is.
pub struct WrittenHtml(pub bytes::Bytes);

impl poem_openapi::payload::Payload for WrittenHtml {
    const CONTENT_TYPE: &'static str = "text/html; charset=utf-8";

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        <String as poem_openapi::types::Type>::schema_ref()
    }
}

impl poem::IntoResponse for WrittenHtml {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(<Self as poem_openapi::payload::Payload>::CONTENT_TYPE)
            .body(self.0)
    }
}
