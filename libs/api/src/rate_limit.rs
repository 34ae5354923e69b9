//! Rate limiting: every request draws from a bucket keyed by its credential (or, without one, by
//! the caller's address); a request beyond the limit is answered 429 with `Retry-After`.
//!
//! The state lives in this process only. With N instances behind a load balancer a caller can
//! get up to N× the limit; a shared store (the database, or Redis) is the next step if that
//! matters. Own code rather than `governor`: that crate would add dashmap, quanta and others to
//! the build for what is about a hundred lines here.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use poem::http::header::{self, HeaderValue};
use poem::http::StatusCode;
use poem::web::RemoteAddr;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use sha2::{Digest, Sha256};

use poem_openapi::payload::Json;

use crate::problem::{ApiError, Problem};

/// The most keys one limiter remembers. A key costs 16 bytes plus the hash table's overhead, so
/// a full table is about 2.2 MiB (131 072 slots of 17 bytes) whatever callers send.
pub const MAX_KEYS: usize = 100_000;

/// Failed attempts at `/oauth/token` allowed per client id and per address in a minute.
pub const TOKEN_FAILURES_PER_MINUTE: u32 = 10;

const NANOS_PER_MINUTE: u64 = 60_000_000_000;
/// Keys whose bucket has filled up again are forgotten this often (forgetting them changes
/// nothing: an absent key is a full bucket).
const PRUNE_EVERY: u64 = NANOS_PER_MINUTE;
/// When the table is full of keys in use, look for idle ones at most this often, so that a flood
/// of new keys does not cost a full scan per request.
const FULL_PRUNE_EVERY: u64 = 1_000_000_000;

/// How long to wait before the next request is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for `Retry-After`, rounded up and at least 1 (0 would invite an instant
    /// retry that fails again).
    pub fn secs(&self) -> u64 {
        (self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)).max(1)
    }
}

/// A request allowed, and how many more the bucket holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub remaining: u32,
}

/// A keyed limiter using GCRA (a token bucket kept as one timestamp per key): up to
/// `per_minute` requests at once, refilled at `per_minute` a minute. Keys are any strings;
/// only a 64-bit keyed hash of each is kept, so that long keys cost no memory and nobody can
/// choose keys that collide (the hash key is random per process).
pub struct RateLimiter {
    per_minute: u32,
    /// Nanoseconds between two requests at the steady rate.
    period: u64,
    /// Nanoseconds of credit a full bucket holds (`period × per_minute`, one minute).
    burst: u64,
    epoch: Instant,
    max_keys: usize,
    hasher: RandomState,
    state: Mutex<State>,
}

struct State {
    /// Key hash → theoretical arrival time, in nanoseconds since `epoch`. A time at or before
    /// now is a full bucket, the same as no entry.
    tats: HashMap<u64, u64>,
    last_prune: u64,
}

impl RateLimiter {
    /// A limiter of `per_minute` requests a minute per key (0 is taken as 1).
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter::with_capacity(per_minute, MAX_KEYS)
    }

    /// As `new`, remembering at most `max_keys` keys.
    pub fn with_capacity(per_minute: u32, max_keys: usize) -> RateLimiter {
        let per_minute = per_minute.max(1);
        let period = (NANOS_PER_MINUTE / u64::from(per_minute)).max(1);
        RateLimiter {
            per_minute,
            period,
            burst: period * u64::from(per_minute),
            epoch: Instant::now(),
            max_keys: max_keys.max(1),
            hasher: RandomState::new(),
            state: Mutex::new(State {
                tats: HashMap::new(),
                last_prune: 0,
            }),
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Takes one request from `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: &str) -> Result<Allowance, RetryAfter> {
        self.check_at(key, Instant::now())
    }

    /// Whether `key` could make a request now, without taking one.
    pub fn peek(&self, key: &str) -> Result<(), RetryAfter> {
        self.peek_at(key, Instant::now())
    }

    pub fn check_at(&self, key: &str, now: Instant) -> Result<Allowance, RetryAfter> {
        let now = self.nanos(now);
        let id = self.hasher.hash_one(key);
        let mut state = self.lock();
        if now.saturating_sub(state.last_prune) >= PRUNE_EVERY {
            state.prune(now);
        }
        let stored = state.tats.get(&id).copied();
        let new_tat = self.admit(stored, now)?;
        if stored.is_none() && state.tats.len() >= self.max_keys {
            if now.saturating_sub(state.last_prune) >= FULL_PRUNE_EVERY {
                state.prune(now);
                if state.tats.len() >= self.max_keys {
                    // Logged at most once a second, like the scan.
                    tracing::warn!(
                        keys = state.tats.len(),
                        "rate limiter full of keys in use; new keys are not limited"
                    );
                }
            }
            if state.tats.len() >= self.max_keys {
                // Every remembered key is in use. Refusing new keys would let a flood of them
                // lock out everyone new, so this one goes through, unremembered.
                return Ok(self.allowance(new_tat, now));
            }
        }
        state.tats.insert(id, new_tat);
        Ok(self.allowance(new_tat, now))
    }

    pub fn peek_at(&self, key: &str, now: Instant) -> Result<(), RetryAfter> {
        let now = self.nanos(now);
        let id = self.hasher.hash_one(key);
        let stored = self.lock().tats.get(&id).copied();
        self.admit(stored, now).map(|_| ())
    }

    /// Keys remembered now (for tests and the bound).
    pub fn len(&self) -> usize {
        self.lock().tats.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// GCRA: the new theoretical arrival time if one more request fits in the burst.
    fn admit(&self, stored: Option<u64>, now: u64) -> Result<u64, RetryAfter> {
        let tat = stored.unwrap_or(now).max(now);
        let new_tat = tat.saturating_add(self.period);
        let ahead = new_tat - now;
        if ahead > self.burst {
            Err(RetryAfter(Duration::from_nanos(ahead - self.burst)))
        } else {
            Ok(new_tat)
        }
    }

    fn allowance(&self, new_tat: u64, now: u64) -> Allowance {
        let left = self.burst.saturating_sub(new_tat.saturating_sub(now)) / self.period;
        Allowance {
            remaining: u32::try_from(left).unwrap_or(u32::MAX),
        }
    }

    fn nanos(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is plain numbers, consistent after any panic: keep using it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn prune(&mut self, now: u64) {
        self.tats.retain(|_, tat| *tat > now);
        self.last_prune = now;
    }
}

/// The address part of a key: the IPv4 address, or the /64 network of an IPv6 address (one
/// host usually holds a whole /64, so single IPv6 addresses would be free keys).
///
/// Behind a reverse proxy every caller has the proxy's address: unauthenticated callers then
/// share one bucket. Trusting `X-Forwarded-For` would need a setting naming the proxies.
pub fn address_key(addr: &RemoteAddr) -> String {
    match addr.as_socket_addr().map(|a| a.ip()) {
        Some(IpAddr::V4(ip)) => format!("addr:{ip}"),
        Some(IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => format!("addr:{v4}"),
            None => {
                let network = Ipv6Addr::from(u128::from(ip) & !u128::from(u64::MAX));
                format!("addr:{network}/64")
            }
        },
        None => "addr:unknown".to_owned(),
    }
}

/// The bucket a request draws from, or `None` for the operational endpoints, which are never
/// limited (probes and scrapers must always get through).
///
/// - With an `Authorization` header: `token:<SHA-256 of the header value>` — per credential,
///   and the raw token is never kept.
/// - Without: the caller's address (`address_key`), so that a flood without a token is limited
///   too.
///
/// An API client's requests also draw from `client:<client_id>` (see [`ClientRateLimit`]), so
/// that every token of one client shares one bucket.
pub fn request_key(req: &Request) -> Option<String> {
    if matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics") {
        return None;
    }
    Some(match req.headers().get(header::AUTHORIZATION) {
        Some(credential) => {
            let digest = Sha256::digest(credential.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("token:{hex}")
        }
        None => address_key(req.remote_addr()),
    })
}

/// Failed attempts at `/oauth/token`, limited per client id and per address against guessing.
/// For the token endpoint: call `check` before verifying a secret (answer 429 with the wait on
/// `Err`), and `record_failure` after a failed one. Always on, whatever the general limit.
#[derive(Clone)]
pub struct TokenFailureLimiter {
    limiter: Arc<RateLimiter>,
}

impl Default for TokenFailureLimiter {
    fn default() -> Self {
        TokenFailureLimiter {
            limiter: Arc::new(RateLimiter::new(TOKEN_FAILURES_PER_MINUTE)),
        }
    }
}

impl TokenFailureLimiter {
    pub fn new(failures_per_minute: u32) -> TokenFailureLimiter {
        TokenFailureLimiter {
            limiter: Arc::new(RateLimiter::new(failures_per_minute)),
        }
    }

    /// Whether another attempt is allowed for this client id from this address; on `Err`, the
    /// longer of the two waits.
    pub fn check(&self, client_id: &str, addr: &RemoteAddr) -> Result<(), RetryAfter> {
        let client = self.limiter.peek(&format!("client:{client_id}"));
        let address = self.limiter.peek(&address_key(addr));
        match (client, address) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(a.max_of(b)),
            (Err(wait), Ok(())) | (Ok(()), Err(wait)) => Err(wait),
        }
    }

    pub fn record_failure(&self, client_id: &str, addr: &RemoteAddr) {
        // Past the limit the bucket is already empty: nothing more to take.
        let _ = self.limiter.check(&format!("client:{client_id}"));
        let _ = self.limiter.check(&address_key(addr));
    }
}

impl RetryAfter {
    fn max_of(self, other: RetryAfter) -> RetryAfter {
        RetryAfter(self.0.max(other.0))
    }
}

/// The general limiter, in the request's data for the API-client authentication, which charges
/// each request of a client to `client:<client_id>` once it knows the client.
#[derive(Clone)]
pub struct ClientRateLimit {
    limiter: Arc<RateLimiter>,
}

impl ClientRateLimit {
    /// `Err` is the 429 answer to send.
    pub fn check(&self, client_id: &str) -> poem::Result<()> {
        match self.limiter.check(&format!("client:{client_id}")) {
            Ok(_) => Ok(()),
            Err(wait) => Err(poem::Error::from_response(too_many(
                self.limiter.per_minute(),
                wait,
                "too many requests from this API client, across all its tokens",
            ))),
        }
    }
}

/// The middleware: limits every request but the operational endpoints. `per_minute` 0 turns it
/// off (for a deployment whose gateway limits already).
pub struct RateLimit {
    limiter: Option<Arc<RateLimiter>>,
}

impl RateLimit {
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit {
            limiter: (per_minute > 0).then(|| Arc::new(RateLimiter::new(per_minute))),
        }
    }
}

impl<E: Endpoint> Middleware<E> for RateLimit {
    type Output = RateLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RateLimitEndpoint {
            inner,
            limiter: self.limiter.clone(),
        }
    }
}

pub struct RateLimitEndpoint<E> {
    inner: E,
    limiter: Option<Arc<RateLimiter>>,
}

fn too_many(limit: u32, wait: RetryAfter, detail: &str) -> Response {
    let secs = wait.secs();
    let problem = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("{detail} (at most {limit} a minute); retry in {secs} s"),
    );
    let mut response = ApiError::TooManyRequests(Json(problem), secs).into_response();
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(0u32));
    headers.insert("ratelimit-reset", HeaderValue::from(secs));
    response
}

impl<E: Endpoint> Endpoint for RateLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        if let Some(limiter) = &self.limiter {
            req.set_data(ClientRateLimit {
                limiter: limiter.clone(),
            });
        }
        let (Some(limiter), Some(key)) = (&self.limiter, request_key(&req)) else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        let limit = limiter.per_minute();
        // A credential that does not work would otherwise be a fresh bucket each time: a
        // caller sending made-up tokens is charged to its address, and refused once that is
        // spent.
        let failures_key = req
            .headers()
            .contains_key(header::AUTHORIZATION)
            .then(|| format!("failed-credentials:{}", address_key(req.remote_addr())));
        if let Some(failures) = &failures_key {
            if let Err(wait) = limiter.peek(failures) {
                return Ok(too_many(
                    limit,
                    wait,
                    "too many requests with credentials that did not work came from your address",
                ));
            }
        }
        let allowance = match limiter.check(&key) {
            Ok(allowance) => allowance,
            Err(wait) => {
                let detail = if failures_key.is_some() {
                    "too many requests with this credential"
                } else {
                    "too many requests without credentials from your address"
                };
                return Ok(too_many(limit, wait, detail));
            }
        };

        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        let unauthorized = match &result {
            Ok(response) => response.status() == StatusCode::UNAUTHORIZED,
            Err(error) => error.status() == StatusCode::UNAUTHORIZED,
        };
        if let (true, Some(failures)) = (unauthorized, &failures_key) {
            let _ = limiter.check(failures);
        }
        // Errors travel on as errors, for the problem+json conversion outside; only answers
        // that are already responses carry the remaining count.
        result.map(|mut response| {
            let headers = response.headers_mut();
            headers.insert("ratelimit-limit", HeaderValue::from(limit));
            headers.insert(
                "ratelimit-remaining",
                HeaderValue::from(allowance.remaining),
            );
            response
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, secs: f64) -> Instant {
        start + Duration::from_secs_f64(secs)
    }

    #[test]
    fn a_full_bucket_allows_the_burst_then_refuses() {
        let limiter = RateLimiter::new(5);
        let t0 = Instant::now();
        for expected in (0..5).rev() {
            let allowed = limiter.check_at("a", t0).expect("within the burst");
            assert_eq!(allowed.remaining, expected);
        }
        let wait = limiter.check_at("a", t0).expect_err("the sixth is refused");
        // One request every 12 s at 5 a minute.
        assert_eq!(wait.0, Duration::from_secs(12));
        assert_eq!(wait.secs(), 12);
        // A refusal takes nothing: still 12 s.
        assert_eq!(limiter.check_at("a", t0), Err(wait));
    }

    #[test]
    fn the_bucket_refills_at_the_steady_rate() {
        let limiter = RateLimiter::new(5);
        let t0 = Instant::now();
        for _ in 0..5 {
            limiter.check_at("a", t0).expect("burst");
        }
        let wait = limiter.check_at("a", at(t0, 11.5)).expect_err("not yet");
        assert_eq!(wait.secs(), 1, "0.5 s rounds up to 1");
        assert_eq!(
            limiter.check_at("a", at(t0, 12.0)).map(|a| a.remaining),
            Ok(0)
        );
        limiter
            .check_at("a", at(t0, 12.0))
            .expect_err("one refilled, one taken");
        // Part way: the bucket is full again at 72 s; at 66 s it holds 4.5, one is taken and
        // whole requests are counted.
        let allowed = limiter.check_at("a", at(t0, 66.0)).expect("refilled");
        assert_eq!(allowed.remaining, 3);
        // Idle for a minute after that, the bucket is full again.
        let allowed = limiter.check_at("a", at(t0, 200.0)).expect("full");
        assert_eq!(allowed.remaining, 4);
    }

    #[test]
    fn retry_after_is_whole_seconds_and_at_least_one() {
        assert_eq!(RetryAfter(Duration::ZERO).secs(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(1)).secs(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(1000)).secs(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(1001)).secs(), 2);
        let limiter = RateLimiter::new(600);
        let t0 = Instant::now();
        for _ in 0..600 {
            limiter.check_at("a", t0).expect("burst");
        }
        // 100 ms until the next at 600 a minute: still 1 s in the header.
        assert_eq!(limiter.check_at("a", t0).map_err(|w| w.secs()), Err(1));
    }

    #[test]
    fn keys_are_independent() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        limiter.check_at("a", t0).expect("first");
        limiter.check_at("a", t0).expect("second");
        assert!(limiter.check_at("a", t0).is_err());
        assert!(limiter.peek_at("a", t0).is_err());
        assert!(limiter.peek_at("b", t0).is_ok());
        assert_eq!(limiter.check_at("b", t0).map(|a| a.remaining), Ok(1));
    }

    #[test]
    fn peek_takes_nothing() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        for _ in 0..10 {
            limiter.peek_at("a", t0).expect("peek");
        }
        limiter.check_at("a", t0).expect("the one request");
        assert!(limiter.peek_at("a", t0).is_err());
    }

    #[test]
    fn memory_is_bounded_and_idle_keys_are_forgotten() {
        let limiter = RateLimiter::with_capacity(60, 100);
        let t0 = Instant::now();
        for i in 0..100 {
            limiter.check_at(&format!("k{i}"), t0).expect("new key");
        }
        assert_eq!(limiter.len(), 100);
        // Full of keys in use: a new key is let through but not remembered.
        limiter.check_at("new", t0).expect("let through");
        assert_eq!(limiter.len(), 100);
        // Each key's one request is refilled after 1 s: the keys are idle and make room.
        limiter.check_at("later", at(t0, 2.0)).expect("new key");
        assert_eq!(limiter.len(), 1);
        // And the periodic prune forgets idle keys even when the table is not full.
        limiter
            .check_at("much later", at(t0, 200.0))
            .expect("new key");
        assert_eq!(limiter.len(), 1);
        for i in 0..10_000 {
            let _ = limiter.check_at(&format!("flood{i}"), at(t0, 300.0));
        }
        assert!(limiter.len() <= 100);
    }

    #[test]
    fn request_keys_hash_credentials_and_skip_operational_paths() {
        let with_token = Request::builder()
            .uri_str("/api/v1/me")
            .header("authorization", "Bearer pcref_pat_secret")
            .finish();
        let key = request_key(&with_token).expect("limited");
        assert!(key.starts_with("token:"));
        assert!(!key.contains("pcref_pat_secret"));
        assert_eq!(key.len(), "token:".len() + 64);
        let anonymous = Request::builder()
            .uri_str("/api/v1/reference/pillars")
            .finish();
        assert!(request_key(&anonymous)
            .expect("limited")
            .starts_with("addr:"));
        for path in ["/healthz", "/readyz", "/metrics"] {
            let probe = Request::builder().uri_str(path).finish();
            assert_eq!(request_key(&probe), None, "{path}");
        }
    }

    #[test]
    fn addresses_key_ipv6_by_network() {
        let key = |text: &str| {
            let addr: std::net::SocketAddr = text.parse().expect("address");
            address_key(&RemoteAddr(poem::Addr::SocketAddr(addr)))
        };
        assert_eq!(key("192.0.2.7:1234"), "addr:192.0.2.7");
        assert_eq!(key("[::ffff:192.0.2.7]:1234"), "addr:192.0.2.7");
        assert_eq!(key("[2001:db8:1:2:3:4:5:6]:1"), "addr:2001:db8:1:2::/64");
        assert_eq!(key("[2001:db8:1:2:ffff::1]:1"), "addr:2001:db8:1:2::/64");
    }

    #[test]
    fn token_failures_are_limited_per_client_and_per_address() {
        let failures = TokenFailureLimiter::new(2);
        let here = RemoteAddr(poem::Addr::SocketAddr(
            "192.0.2.1:1".parse().expect("address"),
        ));
        let there = RemoteAddr(poem::Addr::SocketAddr(
            "192.0.2.2:1".parse().expect("address"),
        ));
        failures.record_failure("c1", &here);
        failures.check("c1", &here).expect("one failure is fine");
        failures.record_failure("c1", &here);
        assert!(failures.check("c1", &here).is_err());
        // The client id is spent from anywhere, and the address for any client id.
        assert!(failures.check("c1", &there).is_err());
        assert!(failures.check("c2", &here).is_err());
        failures.check("c2", &there).expect("neither is spent");
    }
}
