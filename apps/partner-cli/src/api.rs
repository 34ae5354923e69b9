//! The hub's API as the CLI uses it: the OAuth2 client-credentials exchange (the `oauth2`
//! crate over reqwest), then JSON requests with the access token, retried when the failure is
//! transient (no connection, 429 with `Retry-After`, 502–504, an `Idempotency-Key` still in
//! flight). Neither the client's secret nor the token is ever printed: `oauth2`'s
//! `ClientSecret` and `AccessToken` hide themselves from `Debug`, and no message quotes them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{anyhow, Context};
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AccessToken, AsyncHttpClient, ClientId, ClientSecret, EndpointNotSet, EndpointSet,
    HttpClientError, HttpRequest, HttpResponse, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// Where and who: from flags and the environment.
pub struct Connection {
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
    pub alliance_id: Uuid,
    pub scopes: Vec<String>,
    /// Retries of a transient failure, after the first attempt.
    pub retries: u32,
}

type OAuthClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// How often and how long to retry a transient failure.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first wait; each later one doubles, up to `max_wait`.
    pub first_wait: Duration,
    /// No wait is longer, whatever `Retry-After` asks.
    pub max_wait: Duration,
}

impl RetryPolicy {
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        attempts: 6,
        first_wait: Duration::from_millis(500),
        max_wait: Duration::from_secs(60),
    };

    /// The wait before attempt `attempt + 1` (counting from 1): `Retry-After` when the hub
    /// gave one, otherwise exponential backoff.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self
            .first_wait
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        retry_after.unwrap_or(backoff).min(self.max_wait)
    }
}

/// `Retry-After` in seconds (the hub sends whole seconds; an HTTP date is not used by it).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Whether an HTTP status is worth the same request again.
fn transient(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Whether a transport error is worth another attempt: the hub could not be reached or did
/// not answer in time. (A request sent but unanswered may have been acted on; creates carry
/// an `Idempotency-Key`, so the retry gets the first answer instead of a second record.)
fn transient_error(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request()
}

/// The HTTP client for both the token exchange and the API: no redirects (a token or a secret
/// must never be replayed to another address), bounded waits.
fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("pcref-partner/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot set up the HTTP client")
}

/// `oauth2`'s HTTP client for the token endpoint, retrying the same transient failures as the
/// API's requests (the token endpoint limits failed attempts with 429 and `Retry-After`).
struct TokenHttp<'a> {
    client: &'a reqwest::Client,
    retry: RetryPolicy,
}

impl<'c> AsyncHttpClient<'c> for TokenHttp<'_> {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut attempt = 1;
            loop {
                let mut again = oauth2::http::Request::builder()
                    .method(parts.method.clone())
                    .uri(parts.uri.clone())
                    .body(body.clone())
                    .map_err(HttpClientError::Http)?;
                *again.headers_mut() = parts.headers.clone();
                let wait = match self.client.call(again).await {
                    Ok(response)
                        if transient(response.status()) && attempt < self.retry.attempts =>
                    {
                        self.retry.wait(attempt, retry_after(response.headers()))
                    }
                    Err(HttpClientError::Reqwest(e))
                        if transient_error(&e) && attempt < self.retry.attempts =>
                    {
                        self.retry.wait(attempt, None)
                    }
                    done => return done,
                };
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        })
    }
}

/// A problem+json answer (RFC 9457), as the hub sends them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An answer of the hub, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    /// `Idempotent-Replayed: true`: the first answer to this key, sent again.
    pub replayed: bool,
    pub body: Value,
    /// The scope a 403 `insufficient_scope` names in `WWW-Authenticate`.
    pub missing_scope: Option<String>,
}

impl Answer {
    pub fn problem(&self) -> Problem {
        serde_json::from_value(self.body.clone()).unwrap_or_default()
    }

    /// A 409 about the `Idempotency-Key` itself, not replayed ("a request with this
    /// Idempotency-Key is still being processed"): asking again later gets the first request's
    /// answer. Any other 409 is the target's state refusing the request, which is final.
    pub fn key_in_flight(&self) -> bool {
        if self.status != StatusCode::CONFLICT || self.replayed {
            return false;
        }
        let problem = self.problem();
        let names_key = |text: &str| text.to_ascii_lowercase().contains("idempotency-key");
        problem.detail.as_deref().is_some_and(names_key)
            || problem.title.as_deref().is_some_and(names_key)
            || problem.errors.iter().any(|e| names_key(&e.field))
    }

    /// One line for an unsuccessful answer: the problem's detail, or its title, or the status.
    pub fn describe(&self) -> String {
        if let Some(scope) = &self.missing_scope {
            return format!(
                "the API client's token lacks the scope `{scope}`: ask your organisation's admin to grant `{scope}` to the client (or pass --scope with it)"
            );
        }
        let problem = self.problem();
        let text = problem
            .detail
            .or(problem.title)
            .unwrap_or_else(|| "no explanation given".to_owned());
        format!("{text} (HTTP {})", self.status.as_u16())
    }
}

/// A request could not get an answer at all.
#[derive(Debug)]
pub enum SendError {
    /// The hub could not be reached, or did not answer, even after retries.
    Unreachable(String),
    /// The credentials stopped working and a new token was refused.
    Credentials(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Unreachable(m) | SendError::Credentials(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for SendError {}

/// A connection to the hub with a working access token.
pub struct Api {
    base: String,
    pub alliance_id: Uuid,
    http: reqwest::Client,
    oauth: OAuthClient,
    scopes: Vec<String>,
    token: Mutex<AccessToken>,
    pub retry: RetryPolicy,
}

impl Api {
    /// Exchanges the client's credentials for an access token.
    pub async fn connect(c: Connection) -> anyhow::Result<Api> {
        let base = c.url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| anyhow!("PCREF_URL is not a URL ({e}): {base}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(anyhow!(
                "PCREF_URL must start with http:// or https://: {base}"
            ));
        }
        let token_url = TokenUrl::new(format!("{base}/oauth/token"))
            .map_err(|e| anyhow!("PCREF_URL is not a URL ({e}): {base}"))?;
        let oauth = BasicClient::new(ClientId::new(c.client_id.trim().to_owned()))
            .set_client_secret(ClientSecret::new(c.client_secret))
            .set_token_uri(token_url);
        let http = http_client()?;
        let retry = RetryPolicy {
            attempts: c.retries.saturating_add(1),
            ..RetryPolicy::DEFAULT
        };
        let token = exchange(&oauth, &http, retry, &c.scopes, &base).await?;
        Ok(Api {
            base,
            alliance_id: c.alliance_id,
            http,
            oauth,
            scopes: c.scopes,
            token: Mutex::new(token),
            retry,
        })
    }

    fn bearer(&self) -> String {
        let token = self.token.lock().unwrap_or_else(|e| e.into_inner());
        format!("Bearer {}", token.secret())
    }

    async fn renew(&self) -> anyhow::Result<()> {
        let fresh = exchange(
            &self.oauth,
            &self.http,
            self.retry,
            &self.scopes,
            &self.base,
        )
        .await?;
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    /// `path` under `/api/v1`, with its query.
    pub fn path(&self, path: &str) -> String {
        format!("{}/api/v1{}", self.base, path)
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, SendError> {
        self.send(Method::GET, path, query, None, None).await
    }

    /// A create: the exact bytes sent, with their `Idempotency-Key`.
    pub async fn post(&self, path: &str, body: &[u8], key: &str) -> Result<Answer, SendError> {
        self.send(Method::POST, path, &[], Some(body), Some(key))
            .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&[u8]>,
        key: Option<&str>,
    ) -> Result<Answer, SendError> {
        let url = self.path(path);
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, self.bearer())
                .query(query);
            if let Some(body) = body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_vec());
            }
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            let wait = match request.send().await {
                Err(e) if transient_error(&e) && attempt < self.retry.attempts => {
                    self.retry.wait(attempt, None)
                }
                Err(e) => {
                    return Err(SendError::Unreachable(format!(
                        "no answer from {} after {attempt} attempt(s): {}",
                        self.base,
                        describe_transport(&e)
                    )))
                }
                Ok(response) => {
                    let status = response.status();
                    let waited = retry_after(response.headers());
                    if status == StatusCode::CONFLICT && key.is_some() {
                        // 409 is either the key still in flight (an earlier attempt is still
                        // running: wait and ask again) or the target's state refusing the
                        // request (final: report it).
                        let answer = answer(response).await;
                        if !answer.key_in_flight() || attempt >= self.retry.attempts {
                            return Ok(answer);
                        }
                        tokio::time::sleep(self.retry.wait(attempt, waited)).await;
                        attempt += 1;
                        continue;
                    }
                    if transient(status) && attempt < self.retry.attempts {
                        self.retry.wait(attempt, waited)
                    } else if status == StatusCode::UNAUTHORIZED && !renewed {
                        // The token expired (they last an hour) or was revoked: get another
                        // once. With an Idempotency-Key, the hub scopes it to the API client,
                        // not to the token, so the retry still replays rather than repeats.
                        renewed = true;
                        self.renew()
                            .await
                            .map_err(|e| SendError::Credentials(format!("{e:#}")))?;
                        continue;
                    } else {
                        return Ok(answer(response).await);
                    }
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let missing_scope = (status == StatusCode::FORBIDDEN)
        .then(|| response.headers().get(WWW_AUTHENTICATE))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(insufficient_scope);
    let text = response.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        replayed,
        body,
        missing_scope,
    }
}

/// The scope named by `WWW-Authenticate: Bearer ..., error="insufficient_scope", scope="x"`.
fn insufficient_scope(challenge: &str) -> Option<String> {
    if !challenge.contains("insufficient_scope") {
        return None;
    }
    let start = challenge.find("scope=\"")? + "scope=\"".len();
    let rest = &challenge[start..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn describe_transport(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "cannot connect (is the hub running, and is PCREF_URL right?)".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else {
        // reqwest's messages name the URL, which holds no secret (the token is a header).
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        text
    }
}

/// The client-credentials grant, with a clear message for each way it fails.
async fn exchange(
    oauth: &OAuthClient,
    http: &reqwest::Client,
    retry: RetryPolicy,
    scopes: &[String],
    base: &str,
) -> anyhow::Result<AccessToken> {
    let http = TokenHttp {
        client: http,
        retry,
    };
    let mut request = oauth.exchange_client_credentials();
    for scope in scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    match request.request_async(&http).await {
        Ok(token) => Ok(token.access_token().clone()),
        Err(RequestTokenError::ServerResponse(e)) => {
            let described = e
                .error_description()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            Err(match e.error() {
                BasicErrorResponseType::InvalidClient => anyhow!(
                    "the hub refused the API client: the client id or secret is wrong, or the client was revoked (check PCREF_CLIENT_ID and PCREF_CLIENT_SECRET, or ask your organisation's admin for a new secret)"
                ),
                BasicErrorResponseType::InvalidScope => anyhow!(
                    "the API client may not have the scopes asked for ({}){described}: ask your organisation's admin to grant them",
                    scopes.join(" ")
                ),
                other => anyhow!("the hub refused the token request: {}{described}", other.as_ref()),
            })
        }
        Err(RequestTokenError::Request(HttpClientError::Reqwest(e))) => Err(anyhow!(
            "cannot get an access token from {base}: {}",
            describe_transport(&e)
        )),
        Err(RequestTokenError::Request(e)) => {
            Err(anyhow!("cannot get an access token from {base}: {e}"))
        }
        Err(RequestTokenError::Parse(_, body)) => {
            // Not an OAuth2 answer: a problem+json (429 after retries, 5xx) or another server.
            let problem: Problem = serde_json::from_slice(&body).unwrap_or_default();
            Err(match problem.detail.or(problem.title) {
                Some(text) => anyhow!("the hub's token endpoint answered: {text}"),
                None => anyhow!(
                    "{base}/oauth/token did not answer like the hub's token endpoint: is PCREF_URL right?"
                ),
            })
        }
        Err(RequestTokenError::Other(m)) => Err(anyhow!(
            "{base}/oauth/token answered unexpectedly ({m}): is PCREF_URL right?"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_retry_after_wins_within_the_cap() {
        let p = RetryPolicy::DEFAULT;
        assert_eq!(p.wait(1, None), Duration::from_millis(500));
        assert_eq!(p.wait(2, None), Duration::from_secs(1));
        assert_eq!(p.wait(4, None), Duration::from_secs(4));
        assert_eq!(p.wait(30, None), Duration::from_secs(60));
        assert_eq!(
            p.wait(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            p.wait(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn only_a_key_still_in_flight_is_worth_asking_again() {
        let conflict = |detail: &str, replayed: bool| Answer {
            status: StatusCode::CONFLICT,
            replayed,
            body: serde_json::json!({"title": "Conflict", "status": 409, "detail": detail}),
            missing_scope: None,
        };
        let in_flight =
            "a request with this Idempotency-Key is still being processed; retry shortly";
        assert!(conflict(in_flight, false).key_in_flight());
        assert!(!conflict(in_flight, true).key_in_flight());
        assert!(!conflict("reported_on is before the latest update's", false).key_in_flight());
    }

    #[test]
    fn the_missing_scope_is_read_from_the_challenge() {
        assert_eq!(
            insufficient_scope(
                "Bearer realm=\"pcref-hub\", error=\"insufficient_scope\", scope=\"feedback:read\""
            )
            .as_deref(),
            Some("feedback:read")
        );
        assert_eq!(insufficient_scope("Bearer realm=\"pcref-hub\""), None);
    }
}
