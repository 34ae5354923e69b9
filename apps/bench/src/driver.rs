//! The driver: starts the release server on a generated database (rate limiting off), waits
//! for `/readyz`, then runs each scenario at a fixed concurrency for a fixed time and records
//! requests per second, latency percentiles, errors and the server's peak memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use serde_json::{json, Value};

use crate::manifest::Manifest;
use crate::rng::Rng;

#[derive(Debug, Clone, Args)]
pub struct DriveArgs {
    /// The manifest `generate` wrote (its database URL is the server's).
    #[arg(long, value_name = "FILE", default_value = "hub-bench-manifest.json")]
    pub manifest: PathBuf,
    /// The server binary [default: pcref-hub next to hub-bench, else target/release/pcref-hub]
    #[arg(long, value_name = "PATH")]
    pub server: Option<PathBuf>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds measured per scenario.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds of load before each scenario's measurement starts (not counted).
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Only these scenarios (comma-separated names; the floor always runs).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub only: Vec<String>,
    /// The server's PCREF_DATABASE_MAX_CONNECTIONS [default: the server's own, 8]
    #[arg(long, value_name = "N")]
    pub db_max_connections: Option<u32>,
    /// Write every figure here as JSON.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The server's log (standard output and error) [default: hub-bench-server.log]
    #[arg(long, value_name = "FILE", default_value = "hub-bench-server.log")]
    pub server_log: PathBuf,
}

/// One scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub request: String,
    /// `measured` or `skipped`.
    pub outcome: String,
    pub note: Option<String>,
    pub requests: u64,
    pub errors: u64,
    /// Answers by HTTP status (`transport` for requests that got none).
    pub statuses: BTreeMap<String, u64>,
    pub error_samples: Vec<String>,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The server's VmHWM over the scenario (reset before it through /proc/PID/clear_refs;
    /// since the server started when the reset is refused).
    pub server_peak_hwm_mib: f64,
    /// The highest VmRSS sampled every 50 ms during the scenario.
    pub server_peak_rss_mib: f64,
    pub ratio_to_floor: Option<f64>,
    /// CPU time the server used per request over the measured window (user + system):
    /// unlike requests per second, not skewed much by other work on the machine.
    pub server_cpu_ms_per_request: f64,
    /// The same for the bench's own client.
    pub bench_cpu_ms_per_request: f64,
    /// The machine's 1-minute load average at the scenario's end (other work skews figures).
    pub load_average_1m: Option<f64>,
}

impl ScenarioResult {
    fn skipped(name: &str, request: &str, note: String) -> ScenarioResult {
        ScenarioResult {
            name: name.to_owned(),
            request: request.to_owned(),
            outcome: "skipped".into(),
            note: Some(note),
            requests: 0,
            errors: 0,
            statuses: BTreeMap::new(),
            error_samples: Vec::new(),
            seconds: 0.0,
            requests_per_second: 0.0,
            p50_ms: 0.0,
            p95_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
            server_peak_hwm_mib: 0.0,
            server_peak_rss_mib: 0.0,
            ratio_to_floor: None,
            server_cpu_ms_per_request: 0.0,
            bench_cpu_ms_per_request: 0.0,
            load_average_1m: None,
        }
    }
}

/// What a scenario sends.
#[derive(Debug, Clone)]
enum Kind {
    Healthz,
    Me,
    SearchPublishedPlans,
    GetPlan,
    PostProgressUpdate,
    /// `GET` of a fixed path with the largest alliance's board member's token.
    Fixed(String),
}

struct Scenario {
    name: &'static str,
    request: String,
    kind: Kind,
}

struct Ctx {
    base: String,
    client: reqwest::Client,
    manifest: Manifest,
    largest: usize,
}

const EDITOR_STATUSES: &[&str] = &["on_track", "on_track", "at_risk", "off_track"];

impl Ctx {
    fn request(&self, kind: &Kind, rng: &mut Rng) -> reqwest::RequestBuilder {
        let m = &self.manifest;
        let provider = &m.providers[rng.below(m.providers.len())];
        let bearer = |b: reqwest::RequestBuilder, token: &str| b.bearer_auth(token);
        match kind {
            Kind::Healthz => self.client.get(format!("{}/healthz", self.base)),
            Kind::Me => {
                // Editors and VCSE partners alike.
                let token = if rng.chance(0.5) || m.partners.is_empty() {
                    &provider.editor_token
                } else {
                    &m.partners[rng.below(m.partners.len())].token
                };
                bearer(self.client.get(format!("{}/api/v1/me", self.base)), token)
            }
            Kind::SearchPublishedPlans => {
                let alliance = &m.alliances[provider.alliance].id;
                let word = &m.search_words[rng.below(m.search_words.len())];
                let mut url = format!(
                    "{}/api/v1/alliances/{alliance}/published-plans?q={word}",
                    self.base
                );
                if rng.chance(0.5) {
                    let code = ["M", "N", "K", "J", "H"][rng.below(5)];
                    url.push_str(&format!("&ethnic_category={code}"));
                }
                bearer(self.client.get(url), &provider.editor_token)
            }
            Kind::GetPlan => {
                let plan = &provider.plans[rng.below(provider.plans.len())];
                bearer(
                    self.client
                        .get(format!("{}/api/v1/plans/{plan}", self.base)),
                    &provider.editor_token,
                )
            }
            Kind::PostProgressUpdate => {
                let action = &provider.actions[rng.below(provider.actions.len())];
                let status = EDITOR_STATUSES[rng.below(EDITOR_STATUSES.len())];
                let rag = match status {
                    "on_track" => "green",
                    "at_risk" => "amber",
                    _ => "red",
                };
                bearer(
                    self.client
                        .post(format!("{}/api/v1/actions/{action}/updates", self.base)),
                    &provider.editor_token,
                )
                .json(&json!({
                    "status": status,
                    "rag": rag,
                    "narrative": "Quarterly review with the steering group; next steps agreed with community partners.",
                }))
            }
            Kind::Fixed(path) => bearer(
                self.client.get(format!("{}{path}", self.base)),
                &m.alliances[self.largest].board_token,
            ),
        }
    }
}

/// The server process; killed when dropped.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

fn default_server() -> PathBuf {
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("pcref-hub")));
    match sibling {
        Some(path) if path.is_file() => path,
        _ => PathBuf::from("target/release/pcref-hub"),
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn start_server(
    args: &DriveArgs,
    manifest: &Manifest,
) -> anyhow::Result<(Server, String, PathBuf)> {
    let binary = args.server.clone().unwrap_or_else(default_server);
    if !binary.is_file() {
        anyhow::bail!(
            "no server binary at {}: build it with `cargo build --release -p pcref-hub`, or pass --server",
            binary.display()
        );
    }
    if binary.components().any(|c| c.as_os_str() == "debug") {
        eprintln!(
            "warning: {} looks like a debug build; figures of a debug server mean little",
            binary.display()
        );
    }
    let port = free_port()?;
    let listen = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(&args.server_log)
        .with_context(|| format!("cannot create {}", args.server_log.display()))?;
    let mut command = Command::new(&binary);
    command
        .arg("serve")
        .env_remove("PCREF_CONFIG")
        .env("PCREF_DATABASE_URL", &manifest.database_url)
        .env("PCREF_LISTEN", &listen)
        // The bench measures the server, not its limiter: 0 turns rate limiting off.
        .env("PCREF_RATE_LIMIT_PER_MINUTE", "0")
        .env("PCREF_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if let Some(n) = args.db_max_connections {
        command.env("PCREF_DATABASE_MAX_CONNECTIONS", n.to_string());
    } else {
        command.env_remove("PCREF_DATABASE_MAX_CONNECTIONS");
    }
    let child = command
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    Ok((
        Server {
            child,
            log: args.server_log.clone(),
        },
        format!("http://{listen}"),
        binary,
    ))
}

async fn wait_ready(
    server: &mut Server,
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = server.child.try_wait()? {
            anyhow::bail!(
                "the server exited ({status}) before it was ready:\n{}",
                server.log_tail()
            );
        }
        if let Ok(answer) = client.get(format!("{base}/readyz")).send().await {
            if answer.status().is_success() {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "the server was not ready after 120 s:\n{}",
                server.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A field of /proc/PID/status, in KiB.
fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// CPU time (user + system) a process has used, in milliseconds (Linux counts it in
/// USER_HZ = 100 ticks a second).
fn cpu_ms(pid: &str) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15, that is 12 and 13 after the name.
    (ticks(11) + ticks(12)) as f64 * 10.0
}

/// Resets the process's peak RSS (VmHWM) to its current RSS; `false` when refused.
fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    statuses: BTreeMap<String, u64>,
    samples: Vec<String>,
}

async fn run_scenario(
    ctx: Arc<Ctx>,
    scenario: &Scenario,
    args: &DriveArgs,
    pid: u32,
) -> ScenarioResult {
    let reset = reset_peak(pid);
    let peak_rss = Arc::new(AtomicU64::new(proc_status_kib(pid, "VmRSS:").unwrap_or(0)));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak_rss, done) = (peak_rss.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(rss) = proc_status_kib(pid, "VmRSS:") {
                    peak_rss.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    let measure_from = started + Duration::from_secs_f64(args.warmup);
    let until = measure_from + Duration::from_secs_f64(args.duration);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let cpu_at_start = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        (cpu_ms(&pid.to_string()), cpu_ms("self"))
    });
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let (ctx, tally, kind) = (ctx.clone(), tally.clone(), scenario.kind.clone());
        workers.push(tokio::spawn(async move {
            let mut rng = Rng::new(0xBE7C_u64 ^ ((w as u64) << 20));
            let mut mine = Tally::default();
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let answer = ctx.request(&kind, &mut rng).send().await;
                let (status, sample) = match answer {
                    Ok(answer) => {
                        let status = answer.status();
                        let body = answer.bytes().await;
                        match body {
                            Ok(_) if status.is_success() => (status.as_u16().to_string(), None),
                            Ok(body) => (
                                status.as_u16().to_string(),
                                Some(format!(
                                    "{status}: {}",
                                    String::from_utf8_lossy(&body[..body.len().min(300)])
                                )),
                            ),
                            Err(e) => ("transport".to_owned(), Some(format!("reading body: {e}"))),
                        }
                    }
                    Err(e) => ("transport".to_owned(), Some(format!("{e}"))),
                };
                if sent < measure_from {
                    continue;
                }
                let elapsed = sent.elapsed();
                mine.latencies_us
                    .push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
                *mine.statuses.entry(status).or_default() += 1;
                if let Some(sample) = sample {
                    mine.errors += 1;
                    if mine.samples.len() < 3 {
                        mine.samples.push(sample);
                    }
                }
            }
            if let Ok(mut all) = tally.lock() {
                all.latencies_us.extend(mine.latencies_us);
                all.errors += mine.errors;
                for (k, v) in mine.statuses {
                    *all.statuses.entry(k).or_default() += v;
                }
                for s in mine.samples {
                    if all.samples.len() < 5 && !all.samples.contains(&s) {
                        all.samples.push(s);
                    }
                }
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let seconds = measure_from.elapsed().as_secs_f64();
    let (server_cpu, bench_cpu) = (cpu_ms(&pid.to_string()), cpu_ms("self"));
    let (server_cpu0, bench_cpu0) = cpu_at_start.await.unwrap_or((server_cpu, bench_cpu));
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let hwm = proc_status_kib(pid, "VmHWM:").unwrap_or(0);
    let mut tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|e| e.into_inner()));
    tally.latencies_us.sort_unstable();
    let requests = tally.latencies_us.len() as u64;
    ScenarioResult {
        name: scenario.name.to_owned(),
        request: scenario.request.clone(),
        outcome: "measured".into(),
        note: (!reset).then(|| {
            "the server's VmHWM could not be reset: its peak is since start-up".to_owned()
        }),
        requests,
        errors: tally.errors,
        statuses: tally.statuses,
        error_samples: tally.samples,
        seconds,
        requests_per_second: requests as f64 / seconds.max(1e-9),
        p50_ms: percentile(&tally.latencies_us, 50.0),
        p95_ms: percentile(&tally.latencies_us, 95.0),
        p99_ms: percentile(&tally.latencies_us, 99.0),
        max_ms: tally
            .latencies_us
            .last()
            .map_or(0.0, |v| f64::from(*v) / 1000.0),
        server_peak_hwm_mib: mib(hwm),
        server_peak_rss_mib: mib(peak_rss.load(Ordering::Relaxed)),
        ratio_to_floor: None,
        server_cpu_ms_per_request: (server_cpu - server_cpu0) / (requests.max(1) as f64),
        bench_cpu_ms_per_request: (bench_cpu - bench_cpu0) / (requests.max(1) as f64),
        load_average_1m: load_average(),
    }
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The OpenAPI path matching `prefix{…}suffix`, if the server's document has one.
fn documented_path(document: &Value, prefix: &str, suffix: &str) -> Option<String> {
    document["paths"].as_object()?.keys().find_map(|p| {
        let rest = p.strip_prefix(prefix)?.strip_suffix(suffix)?;
        (rest.starts_with('{') && rest.ends_with('}') && !rest.contains('/')).then(|| p.clone())
    })
}

/// Sends a JSON request and returns the answer's JSON, or why not.
async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = client.request(method, &url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "{url} answered {status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    serde_json::from_str(&text).map_err(|e| format!("{url}: {e}"))
}

/// The roll-up and board-paper scenarios, once their endpoints exist: a reporting period of
/// the largest alliance (created as its alliance admin), its live roll-up, and an issued
/// report's board paper. `Err` says why a scenario is skipped.
async fn reporting_paths(
    ctx: &Ctx,
    document: &Value,
) -> (Result<String, String>, Result<String, String>) {
    let rollup = documented_path(document, "/api/v1/periods/", "/rollup");
    let board = documented_path(document, "/api/v1/reports/", "/board.html");
    let periods = documented_path(document, "/api/v1/alliances/", "/periods");
    let missing = |what: &str| {
        Err(format!(
            "skipped: {what} is not in the server's OpenAPI document (404 there): issue 7's reporting endpoints are not built yet"
        ))
    };
    let (Some(_), Some(_)) = (&rollup, &periods) else {
        let what = if rollup.is_none() {
            "GET /api/v1/periods/{period_id}/rollup"
        } else {
            "POST /api/v1/alliances/{alliance_id}/periods"
        };
        return (
            missing(what),
            if board.is_none() {
                missing("GET /api/v1/reports/{report_id}/board.html")
            } else {
                Err("skipped: no reporting period to issue a report for".into())
            },
        );
    };
    let alliance = &ctx.manifest.alliances[ctx.largest];
    let admin = &alliance.admin_token;
    // The period of an earlier drive of the same database, else a new one.
    let periods_url = format!("{}/api/v1/alliances/{}/periods", ctx.base, alliance.id);
    let earlier = call(
        &ctx.client,
        reqwest::Method::GET,
        periods_url.clone(),
        admin,
        None,
    )
    .await
    .ok()
    .and_then(|list| {
        list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|p| p["label"] == "2026-Q3").cloned())
    });
    let created =
        match earlier {
            Some(period) => Ok(period),
            None => call(
                &ctx.client,
                reqwest::Method::POST,
                periods_url,
                admin,
                Some(
                    json!({"label": "2026-Q3", "starts_on": "2026-07-01", "ends_on": "2026-09-30"}),
                ),
            )
            .await,
        };
    let period = match created.and_then(|v| {
        v["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "the new period has no id".to_owned())
    }) {
        Ok(id) => id,
        Err(why) => {
            let why = format!("skipped: could not create a reporting period: {why}");
            return (Err(why.clone()), Err(why));
        }
    };
    let rollup = Ok(format!("/api/v1/periods/{period}/rollup"));
    if board.is_none() {
        return (
            rollup,
            missing("GET /api/v1/reports/{report_id}/board.html"),
        );
    }
    let issued = call(
        &ctx.client,
        reqwest::Method::POST,
        format!("{}/api/v1/periods/{period}/reports", ctx.base),
        admin,
        Some(json!({})),
    )
    .await;
    let board = issued
        .and_then(|v| {
            v["id"]
                .as_str()
                .map(|id| format!("/api/v1/reports/{id}/board.html"))
                .ok_or_else(|| "the issued report has no id".to_owned())
        })
        .map_err(|why| format!("skipped: could not issue a board report: {why}"));
    (rollup, board)
}

pub async fn drive(args: &DriveArgs, manifest: Manifest) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.duration <= 0.0 || args.warmup < 0.0 {
        anyhow::bail!("--concurrency and --duration must be positive");
    }
    if manifest.providers.is_empty() || manifest.alliances.is_empty() {
        anyhow::bail!("the manifest names no providers");
    }
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(args.concurrency * 2)
        .timeout(Duration::from_secs(60))
        .build()?;
    let (mut server, base, binary) = start_server(args, &manifest)?;
    let pid = server.pid();
    let boot = Instant::now();
    wait_ready(&mut server, &client, &base).await?;
    let ready_seconds = boot.elapsed().as_secs_f64();
    let idle_rss = proc_status_kib(pid, "VmRSS:").unwrap_or(0);
    let largest = manifest.largest_alliance();
    println!(
        "Server {} (pid {pid}) on {} ready in {:.1} s, {:.1} MiB resident; rate limiting off (PCREF_RATE_LIMIT_PER_MINUTE=0), database connections: {}",
        binary.display(),
        manifest.database_url.split('@').next_back().unwrap_or_default(),
        ready_seconds,
        mib(idle_rss),
        args.db_max_connections
            .map_or("the server's default (8)".to_owned(), |n| n.to_string())
    );
    let ctx = Arc::new(Ctx {
        base: base.clone(),
        client: client.clone(),
        manifest,
        largest,
    });
    // The manifest must belong to this database.
    let me = call(
        &client,
        reqwest::Method::GET,
        format!("{base}/api/v1/me"),
        &ctx.manifest.providers[0].editor_token,
        None,
    )
    .await;
    if let Err(why) = me {
        anyhow::bail!("the manifest's tokens do not work on this database: {why}");
    }
    let document: Value = client
        .get(format!("{base}/openapi.json"))
        .send()
        .await?
        .json()
        .await
        .context("cannot read the server's OpenAPI document")?;
    let (rollup, board) = reporting_paths(&ctx, &document).await;

    let alliance = &ctx.manifest.alliances[largest];
    let mut planned: Vec<Result<Scenario, ScenarioResult>> = vec![
        Ok(Scenario {
            name: "healthz",
            request: "GET /healthz (the floor)".into(),
            kind: Kind::Healthz,
        }),
        Ok(Scenario {
            name: "me",
            request: "GET /api/v1/me (provider editors and VCSE partners)".into(),
            kind: Kind::Me,
        }),
        Ok(Scenario {
            name: "search_published_plans",
            request: "GET /api/v1/alliances/{id}/published-plans?q=WORD[&ethnic_category=X]".into(),
            kind: Kind::SearchPublishedPlans,
        }),
        Ok(Scenario {
            name: "get_plan",
            request: "GET /api/v1/plans/{id} (the plan's own editor)".into(),
            kind: Kind::GetPlan,
        }),
        Ok(Scenario {
            name: "post_progress_update",
            request: "POST /api/v1/actions/{id}/updates (the plan's own editor)".into(),
            kind: Kind::PostProgressUpdate,
        }),
    ];
    let rollup_request = format!(
        "GET /api/v1/periods/{{id}}/rollup ({}, the largest alliance)",
        alliance.name
    );
    planned.push(match rollup {
        Ok(path) => Ok(Scenario {
            name: "rollup_preview",
            request: rollup_request,
            kind: Kind::Fixed(path),
        }),
        Err(note) => Err(ScenarioResult::skipped(
            "rollup_preview",
            &rollup_request,
            note,
        )),
    });
    let board_request = "GET /api/v1/reports/{id}/board.html (largest alliance)".to_owned();
    planned.push(match board {
        Ok(path) => Ok(Scenario {
            name: "board_html",
            request: board_request,
            kind: Kind::Fixed(path),
        }),
        Err(note) => Err(ScenarioResult::skipped("board_html", &board_request, note)),
    });

    println!(
        "Each scenario: {} requests in flight, {:.0} s warm-up then {:.0} s measured.",
        args.concurrency, args.warmup, args.duration
    );
    let mut results: Vec<ScenarioResult> = Vec::new();
    for item in planned {
        let name = match &item {
            Ok(s) => s.name,
            Err(r) => r.name.as_str(),
        };
        if !args.only.is_empty() && name != "healthz" && !args.only.iter().any(|o| o == name) {
            continue;
        }
        let mut result = match item {
            Ok(scenario) => {
                use std::io::{IsTerminal as _, Write as _};
                let terminal = std::io::stdout().is_terminal();
                if terminal {
                    print!("  {:<24} running…", scenario.name);
                    std::io::stdout().flush().ok();
                }
                let r = run_scenario(ctx.clone(), &scenario, args, pid).await;
                if terminal {
                    print!("\r");
                }
                r
            }
            Err(skipped) => skipped,
        };
        if let Some(floor) = results.first() {
            if result.outcome == "measured" && floor.requests_per_second > 0.0 {
                result.ratio_to_floor =
                    Some(result.requests_per_second / floor.requests_per_second);
            }
        } else {
            result.ratio_to_floor = Some(1.0);
        }
        print_result(&result);
        results.push(result);
    }
    let server_exit = server.child.try_wait()?;
    drop(server);

    let targets = targets(&results, &ctx.manifest.backend);
    println!("Targets (issue 7), for information; the bench asserts nothing:");
    for t in &targets {
        println!("  {t}");
    }
    if let Some(out) = &args.out {
        let report = json!({
            "tool": "hub-bench",
            "backend": ctx.manifest.backend,
            "database": redact(&ctx.manifest.database_url),
            "seed": ctx.manifest.seed,
            "scale": ctx.manifest.scale,
            "rows": ctx.manifest.rows,
            "generation": ctx.manifest.generation,
            "machine": {
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                "note": "the bench's client and the server share these CPUs",
            },
            "server": {
                "binary": binary.display().to_string(),
                "rate_limit_per_minute": 0,
                "database_max_connections": args.db_max_connections,
                "ready_seconds": ready_seconds,
                "idle_rss_mib": mib(idle_rss),
                "exited_during_run": server_exit.map(|s| s.to_string()),
            },
            "concurrency": args.concurrency,
            "warmup_seconds": args.warmup,
            "duration_seconds": args.duration,
            "largest_alliance": {"name": alliance.name, "providers": alliance.providers, "vcse": alliance.vcse, "plans": alliance.plans},
            "scenarios": results,
            "targets": targets,
        });
        write_json(out, &report)?;
        println!("Figures written to {}", out.display());
    }
    Ok(())
}

fn redact(url: &str) -> String {
    match url.split_once("://").and_then(|(scheme, rest)| {
        let (auth, host) = rest.split_once('@')?;
        let user = auth.split(':').next()?;
        Some(format!("{scheme}://{user}@{host}"))
    }) {
        Some(clean) => clean,
        None => url.to_owned(),
    }
}

fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(value)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn print_result(r: &ScenarioResult) {
    if r.outcome == "skipped" {
        println!(
            "  {:<24} {}",
            r.name,
            r.note.as_deref().unwrap_or("skipped")
        );
        return;
    }
    println!(
        "  {:<24} {:>8} req {:>5} err {:>9.1} req/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  peak {:>6.1} MiB (RSS {:>6.1})  {:>5.1}% of floor  server CPU {:.3} ms/req  load {:.1}",
        r.name,
        r.requests,
        r.errors,
        r.requests_per_second,
        r.p50_ms,
        r.p95_ms,
        r.p99_ms,
        r.server_peak_hwm_mib,
        r.server_peak_rss_mib,
        r.ratio_to_floor.unwrap_or(0.0) * 100.0,
        r.server_cpu_ms_per_request,
        r.load_average_1m.unwrap_or(0.0)
    );
    for s in &r.error_samples {
        println!("      error: {s}");
    }
    if let Some(note) = &r.note {
        println!("      note: {note}");
    }
}

/// Each of issue 7's targets, met or missed (and by how much), as text.
fn targets(results: &[ScenarioResult], backend: &str) -> Vec<String> {
    let find = |name: &str| results.iter().find(|r| r.name == name);
    let mut out = Vec::new();
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    match find("rollup_preview") {
        Some(r) if r.outcome == "measured" => out.push(format!(
            "roll-up preview p95 < 100 ms: {:.1} ms — {}",
            r.p95_ms,
            verdict(r.p95_ms < 100.0)
        )),
        _ => out.push("roll-up preview p95 < 100 ms: not measured (endpoint missing)".into()),
    }
    for name in [
        "me",
        "search_published_plans",
        "get_plan",
        "rollup_preview",
        "board_html",
    ] {
        if let Some(r) = find(name).filter(|r| r.outcome == "measured") {
            let ratio = r.ratio_to_floor.unwrap_or(0.0);
            out.push(format!(
                "{name} ≥ 25% of the floor's throughput: {:.1}% — {}",
                ratio * 100.0,
                verdict(ratio >= 0.25)
            ));
        }
    }
    if let Some(r) = find("post_progress_update").filter(|r| r.outcome == "measured") {
        let good = r.requests_per_second * (1.0 - r.errors as f64 / (r.requests.max(1)) as f64);
        if backend == "sqlite" {
            out.push(format!(
                "writes ≥ 1,000/s on SQLite: {good:.0}/s successful — {}",
                verdict(good >= 1000.0)
            ));
        } else {
            out.push(format!(
                "writes: {good:.0}/s successful on PostgreSQL (the 1,000/s target is for SQLite)"
            ));
        }
    }
    let peak = results
        .iter()
        .map(|r| r.server_peak_hwm_mib.max(r.server_peak_rss_mib))
        .fold(0.0, f64::max);
    out.push(format!(
        "server memory < 200 MB: peak {peak:.1} MiB ({:.1} MB) — {}",
        peak * 1.048_576,
        verdict(peak * 1.048_576 < 200.0)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_documented_paths() {
        let sorted: Vec<u32> = (1..=100).map(|v| v * 1000).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        let doc = json!({"paths": {"/api/v1/periods/{period_id}/rollup": {}, "/api/v1/me": {}}});
        assert_eq!(
            documented_path(&doc, "/api/v1/periods/", "/rollup").as_deref(),
            Some("/api/v1/periods/{period_id}/rollup")
        );
        assert_eq!(
            documented_path(&doc, "/api/v1/reports/", "/board.html"),
            None
        );
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u@h/db");
    }
}
