//! What every request passes through: a tracing span and metrics, problem+json for every
//! error, security headers, and the body size limit.

use std::sync::Arc;
use std::time::Instant;

use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::registry::MetaApi;
use poem_openapi::OperationId;
use tokio::io::AsyncReadExt;
use tracing::Instrument;

use crate::metrics::Metrics;
use crate::problem::{problem_response, ApiError, Problem};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Operational paths, used as their own metric label.
pub const FIXED_ROUTES: [&str; 5] = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"];

/// The methods each path answers, for the `Allow` header of a 405 (RFC 9110 §15.5.6).
#[derive(Debug, Default)]
pub struct AllowedMethods {
    /// Path templates split into segments (`None` for a `{parameter}`), with their methods.
    routes: Vec<(Vec<Option<String>>, Vec<Method>)>,
}

impl AllowedMethods {
    /// From the API's operations, mounted under `prefix`, and the fixed `GET` routes.
    pub fn new(apis: Vec<MetaApi>, prefix: &str, fixed_get: &[&str]) -> AllowedMethods {
        let mut index = AllowedMethods::default();
        for path in apis.into_iter().flat_map(|api| api.paths) {
            let template = format!("{prefix}{}", path.path);
            for operation in path.operations {
                index.add(&template, operation.method);
            }
        }
        for path in fixed_get {
            index.add(path, Method::GET);
        }
        index
    }

    fn segments(path: &str) -> Vec<Option<String>> {
        path.trim_matches('/')
            .split('/')
            .map(|segment| {
                let parameter = segment.starts_with(':')
                    || (segment.starts_with('{') && segment.ends_with('}'));
                (!parameter).then(|| segment.to_owned())
            })
            .collect()
    }

    fn add(&mut self, template: &str, method: Method) {
        let segments = AllowedMethods::segments(template);
        match self.routes.iter_mut().find(|(s, _)| *s == segments) {
            Some((_, methods)) if !methods.contains(&method) => methods.push(method),
            Some(_) => {}
            None => self.routes.push((segments, vec![method])),
        }
    }

    /// The `Allow` value for a request path, if it is one of ours: the methods declared, and
    /// `HEAD` wherever `GET` is (poem answers it from `GET`).
    pub fn allow(&self, path: &str) -> Option<String> {
        let wanted: Vec<&str> = path.trim_matches('/').split('/').collect();
        // A path matches the templates with the most literal segments first, as routing does.
        let (_, methods) = self
            .routes
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t.as_deref().is_none_or(|t| t == *w))
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| t.is_some()).count())?;
        let mut names: Vec<&str> = methods.iter().map(Method::as_str).collect();
        if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
            names.push("HEAD");
        }
        Some(names.join(", "))
    }
}

pub struct Observe {
    metrics: Arc<Metrics>,
    allowed: Arc<AllowedMethods>,
}

impl Observe {
    pub fn new(metrics: Arc<Metrics>, allowed: Arc<AllowedMethods>) -> Observe {
        Observe { metrics, allowed }
    }
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ObserveEndpoint {
            inner,
            metrics: self.metrics.clone(),
            allowed: self.allowed.clone(),
        }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
    allowed: Arc<AllowedMethods>,
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        // Any method outside the standard set is one label: a client must not be able to
        // create metric series at will.
        let method = match req.method().as_str() {
            m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
            _ => "other",
        }
        .to_owned();
        let path = req.uri().path().to_owned();
        let sent_credentials = req.headers().contains_key(header::AUTHORIZATION);
        let request_id = uuid::Uuid::now_v7();
        let span = tracing::info_span!("request", %method, %path, %request_id);

        let result = self.inner.call(req).instrument(span.clone()).await;
        let (operation, mut response) = match result {
            Ok(output) => {
                let response = output.into_response();
                let operation = response.data::<OperationId>().map(|o| o.0.to_owned());
                (operation, response)
            }
            Err(error) => {
                let operation = error.data::<OperationId>().map(|o| o.0.to_owned());
                let response = span.in_scope(|| problem_response(error, sent_credentials));
                (operation, response)
            }
        };
        let operation = operation.unwrap_or_else(|| {
            FIXED_ROUTES
                .iter()
                .find(|r| path == **r || path.starts_with(&format!("{r}/")))
                .map_or("unmatched", |r| r)
                .to_owned()
        });

        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && !response.headers().contains_key(header::ALLOW)
        {
            if let Some(allow) = self.allowed.allow(&path) {
                if let Ok(value) = HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
            }
        }
        let headers = response.headers_mut();
        if let Ok(id) = HeaderValue::from_str(&request_id.to_string()) {
            headers.insert("x-request-id", id);
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if path.starts_with("/api/") {
            // Answers carry personal data: no shared or browser cache may keep them.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }

        let status = response.status().as_u16();
        let elapsed = started.elapsed();
        self.metrics
            .observe(&operation, &method, status, elapsed.as_secs_f64());
        span.in_scope(|| {
            tracing::info!(
                operation = %operation,
                status,
                latency_ms = elapsed.as_secs_f64() * 1000.0,
                "answered"
            )
        });
        Ok(response)
    }
}

/// Refuses bodies over the limit with 413, whether or not `Content-Length` announces them.
pub struct BodyLimit {
    max: usize,
}

impl BodyLimit {
    pub fn new(max: usize) -> BodyLimit {
        BodyLimit { max }
    }
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max: self.max,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    max: usize,
}

fn too_large() -> poem::Error {
    let problem = Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is larger than {} bytes (1 MiB)",
            MAX_BODY_BYTES
        ),
    );
    ApiError::PayloadTooLarge(poem_openapi::payload::Json(problem)).into_poem_error()
}

/// How much of an oversized body is read and thrown away before answering 413. Most clients
/// (curl, reqwest) only read the answer once they have sent their body; closing the connection
/// on them mid-upload leaves them with a broken pipe instead of the 413. Beyond this, close.
const DRAIN_LIMIT: u64 = 16 * 1024 * 1024;

async fn drain(reader: impl tokio::io::AsyncRead + Unpin) {
    let _ = tokio::io::copy(&mut reader.take(DRAIN_LIMIT), &mut tokio::io::sink()).await;
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(length) if length > self.max as u64 => {
                drain(req.take_body().into_async_read()).await;
                return Err(too_large());
            }
            Some(_) => {}
            None => {
                // Chunked or unannounced: read it with the limit rather than trust it.
                let mut reader = req.take_body().into_async_read();
                let mut body = Vec::new();
                (&mut reader)
                    .take(self.max as u64 + 1)
                    .read_to_end(&mut body)
                    .await
                    .map_err(|e| {
                        poem::Error::from_string(
                            format!("could not read the request body: {e}"),
                            StatusCode::BAD_REQUEST,
                        )
                    })?;
                if body.len() > self.max {
                    drain(reader).await;
                    return Err(too_large());
                }
                req.set_body(body);
            }
        }
        self.inner.call(req).await
    }
}
