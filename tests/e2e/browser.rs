//! The board paper in a real browser (issue 7, point 6): headless Chromium from Debian's
//! packages (`/usr/bin/chromium`) opens a board report's share link on the running server, and
//! the test fails on a blank or broken page:
//!
//! - the screenshot (A4 proportions, 1240 × 1754 CSS pixels) decodes, is not blank (many
//!   colours, a fair share of non-white pixels) and shows the charts' Okabe–Ito colours;
//! - the DOM Chromium rendered has the page's title and the four charts
//!   (`svg.chart[data-chart=…]`), each drawn with shapes and text, and no error text;
//! - Chromium logged no console message at all: the page has no script, so any message (a
//!   Content-Security-Policy violation, a resource that failed to load, a script error) is a
//!   fault.
//!
//! The screenshot is kept at `<target dir>/browser/board-paper-<backend>.png` (the path is
//! printed) for a person to look at. Chromium missing fails the test, with how to install it:
//! it is never skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Months, NaiveDate, Utc};
use pcref_e2e::{
    backend_tests, days_from_today, expect_status, publish, str_field, Backend, Workspace,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
/// The viewport, in CSS pixels: A4's proportions at the width the page is laid out for.
const WIDTH: u32 = 1240;
const HEIGHT: u32 = 1754;
/// How long one Chromium run may take before it is killed (one run takes 2–4 s).
const CHROMIUM_DEADLINE: Duration = Duration::from_secs(30);
/// The charts of the board paper, by their `data-chart`.
const CHARTS: [&str; 4] = [
    "status-bars",
    "competency-heatmap",
    "milestone-timeline",
    "feedback-funnel",
];
/// The Okabe–Ito colours the charts fill with (`libs/reports/src/charts.rs`, `palette`).
const PALETTE: [(&str, [u8; 3]); 6] = [
    ("orange", [0xE6, 0x9F, 0x00]),
    ("sky blue", [0x56, 0xB4, 0xE9]),
    ("bluish green", [0x00, 0x9E, 0x73]),
    ("blue", [0x00, 0x72, 0xB2]),
    ("vermillion", [0xD5, 0x5E, 0x00]),
    ("reddish purple", [0xCC, 0x79, 0xA7]),
];
/// The alliance admin's share-link policy, as the server sends it with the page.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// A board report of an alliance with something in every chart; the share link's URL and the
/// page's expected title.
async fn shared_board_paper(ws: &Workspace) -> (String, String) {
    let app = &ws.app;

    // Two providers publish plans whose actions cover every status: the status bars.
    for (editor, provider, title, statuses) in [
        (
            &ws.editor,
            &ws.provider,
            "PCREF action plan 2026/27",
            &["complete", "on_track", "on_track", "at_risk", "off_track"][..],
        ),
        (
            &ws.other_editor,
            &ws.other_provider,
            "Hillside PCREF plan",
            &["on_track", "complete", "not_started", "dropped"][..],
        ),
    ] {
        let token = &editor.token;
        let plan = app.create_plan(token, provider, title).await;
        let plan_id = str_field(&plan, "id");
        let priority = app
            .add_priority(
                token,
                &plan_id,
                "Reduce detentions of Black Caribbean and Black African men",
                &["M", "N"],
            )
            .await;
        let priority_id = str_field(&priority, "id");
        app.add_goal(
            token,
            &plan_id,
            "Narrow the detention gap",
            &["co_production", "workforce", "cultural_awareness"],
            "data",
        )
        .await;
        app.add_goal(
            token,
            &plan_id,
            "Interpreters at every assessment",
            &["partnership_working", "co_learning"],
            "patient_and_carer_feedback",
        )
        .await;
        for (i, status) in statuses.iter().enumerate() {
            let action = app
                .add_action(
                    token,
                    &plan_id,
                    &priority_id,
                    &format!(
                        "Action {} of the plan: co-design crisis alternatives",
                        i + 1
                    ),
                    json!({ "starts_on": days_from_today(-60), "ends_on": days_from_today(200) }),
                )
                .await;
            if *status != "not_started" {
                app.post_update(
                    token,
                    &str_field(&action, "id"),
                    status,
                    None,
                    "Workshops held with community partners",
                )
                .await;
            }
        }
        publish(app, token, &plan_id, "named").await;
    }

    // A joint project with milestones done, overdue and due: the timeline.
    let today = Utc::now().date_naive();
    let project = expect_status(
        app.post(
            &format!("/api/v1/alliances/{}/projects", ws.alliance_id),
            &ws.alliance_admin.token,
            json!({
                "title": "Why are people from Black backgrounds more likely to be detained",
                "aim": {
                    "statement": "Narrow the gap in detentions of Black Caribbean and Black African adults",
                    "measure": "Detention rate ratio against White British adults",
                    "baseline": "3.4",
                    "target": "2.5",
                    "deadline": days_from_today(300),
                },
                "lead_organisation_id": ws.provider,
                "ethnic_categories": ["M", "N"],
                "competencies": ["co_production", "partnership_working"],
                "pillar": "data",
                "starts_on": days_from_today(-90),
                "ends_on": days_from_today(300),
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let milestones = format!("/api/v1/projects/{}/milestones", str_field(&project, "id"));
    for body in [
        json!({ "title": "Data request sent", "due_on": days_from_today(-20), "done_on": days_from_today(-25) }),
        json!({ "title": "Community listening events held", "due_on": days_from_today(-5) }),
        json!({ "title": "Detentions by ethnicity analysed", "due_on": days_from_today(40) }),
    ] {
        expect_status(
            app.post(&milestones, &ws.alliance_admin.token, body).await,
            StatusCode::CREATED,
        )
        .await;
    }

    // A VCSE partner's feedback about the first provider, some of it answered: the funnel.
    let partner = ws.vcse_partner().await;
    for i in 0..12 {
        let item = expect_status(
            app.post(
                &format!("/api/v1/alliances/{}/feedback", ws.alliance_id),
                &partner.token,
                json!({
                    "about_organisation_id": ws.provider,
                    "theme": format!("Interpreters at night assessments ({i})"),
                    "ethnic_categories": ["K", "J"],
                    "channel": "community_event",
                    "summary": "Mothers at the women's group said no interpreter was offered at night assessments.",
                    "received_on": days_from_today(-3),
                }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        if i < 8 {
            let id = str_field(&item, "id");
            let acknowledged = app
                .request(
                    Method::POST,
                    &format!("/api/v1/feedback/{id}/acknowledge"),
                    Some(&ws.editor.token),
                )
                .send()
                .await
                .expect("acknowledge");
            expect_status(acknowledged, StatusCode::OK).await;
        }
    }

    // This quarter's period, its report and a share link.
    let quarter = today.month0() / 3;
    let starts_on = NaiveDate::from_ymd_opt(today.year(), quarter * 3 + 1, 1).expect("a date");
    let ends_on = starts_on + Months::new(3) - chrono::Days::new(1);
    let label = format!("{}-Q{}", today.year(), quarter + 1);
    let period = expect_status(
        app.post(
            &format!("/api/v1/alliances/{}/periods", ws.alliance_id),
            &ws.alliance_admin.token,
            json!({ "label": label, "starts_on": starts_on, "ends_on": ends_on }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let issued = app
        .request(
            Method::POST,
            &format!("/api/v1/periods/{}/reports", str_field(&period, "id")),
            Some(&ws.alliance_admin.token),
        )
        .send()
        .await
        .expect("issue a report");
    let report = expect_status(issued, StatusCode::CREATED).await;
    let link = expect_status(
        app.post(
            &format!("/api/v1/reports/{}/share-links", str_field(&report, "id")),
            &ws.alliance_admin.token,
            json!({ "expires_in_days": 14 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let title = format!("North West PCREF Alliance: board report {label} (version 1)");
    (str_field(&link, "url"), title)
}

// ---- Chromium -----------------------------------------------------------------------------

/// What one headless Chromium run left behind.
struct BrowserRun {
    /// The DOM after the page loaded (`--dump-dom`).
    dom: String,
    /// Chromium's log (`--enable-logging=stderr`).
    log: String,
    elapsed: Duration,
}

/// Fails, never skips, when Chromium is not installed.
fn require_chromium() {
    if Path::new(CHROMIUM).exists() {
        return;
    }
    let how = "install it from Debian's packages: apt-get install chromium chromium-driver";
    if std::env::var_os("CI").is_some() {
        panic!("{CHROMIUM} is missing on CI, where .ci/run installs it: {how}");
    }
    panic!("the browser test needs headless Chromium at {CHROMIUM}: {how}");
}

/// Where the screenshot is kept: `<target dir>/browser/` (the test binary is
/// `<target dir>/<profile>/deps/e2e-…`), or the temporary folder if that cannot be found.
fn screenshot_path(backend: Backend) -> PathBuf {
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .map(|target| target.join("browser"))
        .unwrap_or_else(|| std::env::temp_dir().join("pcref-browser"));
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    let name = match backend {
        Backend::Sqlite => "board-paper-sqlite.png",
        Backend::Postgres => "board-paper-postgres.png",
    };
    dir.join(name)
}

/// Opens `url` once in headless Chromium, with a profile of its own (runs in parallel do not
/// share one), taking the screenshot to `screenshot`, dumping the DOM and logging to stderr.
/// Killed after [`CHROMIUM_DEADLINE`].
fn run_chromium(url: &str, screenshot: &Path) -> BrowserRun {
    let work =
        std::env::temp_dir().join(format!("pcref-chromium-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&work).expect("create Chromium's folder");
    let stdout = work.join("dom.html");
    let stderr = work.join("chromium.log");
    let _ = std::fs::remove_file(screenshot);
    let started = Instant::now();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("Chromium's stdout file"))
        .stderr(std::fs::File::create(&stderr).expect("Chromium's stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for Chromium") {
            break status;
        }
        if started.elapsed() > CHROMIUM_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&stderr).unwrap_or_default();
            panic!("Chromium took longer than {CHROMIUM_DEADLINE:?} on {url}; its log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let elapsed = started.elapsed();
    let dom = std::fs::read_to_string(&stdout).expect("Chromium's DOM");
    let log = std::fs::read_to_string(&stderr).expect("Chromium's log");
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        status.success(),
        "Chromium failed ({status}) on {url}; its log:\n{log}"
    );
    BrowserRun { dom, log, elapsed }
}

// ---- checks -------------------------------------------------------------------------------

/// The console messages in Chromium's log. With `--enable-logging=stderr` Chromium writes
/// every console message of the page, whatever its level, as one line like
///
/// ```text
/// [7423:7423:1202/173133.579801:INFO:CONSOLE:1] "Executing inline script violates the following Content Security Policy directive 'default-src 'none''. … The action has been blocked.", source: http://127.0.0.1:8765/csp (1)
/// [7590:7590:1202/173135.801105:INFO:CONSOLE:1] "boom from console.error", source: http://127.0.0.1:8765/plain (1)
/// [7590:7590:1202/173135.801152:INFO:CONSOLE:1] "Uncaught Error: kaboom", source: http://127.0.0.1:8765/plain (1)
/// ```
///
/// (Chromium 156: the number after `CONSOLE` is the source line, and `console.error` is logged
/// at `INFO` like `console.log`, so the level cannot tell errors apart.) Those lines were
/// seen by serving a page with an inline script, a `console.error`, an uncaught exception and
/// a remote image, once under the board paper's policy and once without it. The board paper
/// has no script, so every console line is a fault. Lines naming a policy violation or an
/// uncaught error in any other form (older Chromiums said "Refused to …") count too. The rest
/// of the log (D-Bus, GPU and sandbox warnings of a machine without a desktop) does not.
fn console_problems(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| {
            line.contains(":CONSOLE")
                || line.contains("Content Security Policy")
                || line.contains("Refused to")
                || line.contains("Uncaught")
        })
        .collect()
}

/// The `<svg …>…</svg>` element whose opening tag has `data-chart="{chart}"`.
fn chart_svg<'a>(dom: &'a str, chart: &str) -> &'a str {
    let marker = format!("data-chart=\"{chart}\"");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no chart {marker} in the rendered page"));
    let start = dom[..at]
        .rfind("<svg")
        .unwrap_or_else(|| panic!("{marker} is not on an <svg>"));
    let end = dom[at..]
        .find("</svg>")
        .map(|i| at + i + "</svg>".len())
        .unwrap_or_else(|| panic!("the chart {chart} is not closed"));
    let svg = &dom[start..end];
    let open_tag = &svg[..svg.find('>').expect("an opening tag")];
    assert!(
        open_tag.contains(&marker),
        "{marker} is not on the <svg> itself: {open_tag}"
    );
    svg
}

fn assert_dom(dom: &str, title: &str) {
    let head = &dom[..dom.find("</head>").expect("the rendered page has a <head>")];
    assert!(
        head.contains(&format!("<title>{title}</title>")),
        "the page's title is {title:?}; the head is:\n{head}"
    );
    for chart in CHARTS {
        let svg = chart_svg(dom, chart);
        let open_tag = &svg[..svg.find('>').expect("an opening tag")];
        assert!(open_tag.contains("class=\"chart\""), "{chart}: {open_tag}");
        let shapes: usize = ["<rect", "<path", "<circle", "<polygon", "<line"]
            .iter()
            .map(|tag| svg.matches(tag).count())
            .sum();
        let texts = svg.matches("<text").count();
        assert!(
            shapes >= 3 && texts >= 2,
            "the chart {chart} has {shapes} shapes and {texts} texts:\n{svg}"
        );
    }
    for error in [
        "Internal Server Error",
        "application/problem+json",
        "chrome-error://",
        "ERR_",
        "can’t be reached",
        "{{",
        "{%",
        "panicked",
    ] {
        assert!(!dom.contains(error), "the rendered page contains {error:?}");
    }
}

/// Decodes the screenshot as 8-bit RGB pixels, with its width and height.
fn decode_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::fs::File::open(path)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("the screenshot is a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let frame = reader.next_frame(&mut buf).expect("the screenshot decodes");
    let bytes = &buf[..frame.buffer_size()];
    let pixels = match frame.color_type {
        png::ColorType::Rgb => bytes.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Rgba => bytes.chunks_exact(4).map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => bytes.iter().map(|&g| [g, g, g]).collect(),
        png::ColorType::GrayscaleAlpha => bytes.chunks_exact(2).map(|p| [p[0]; 3]).collect(),
        png::ColorType::Indexed => panic!("normalize_to_color8 expands palettes"),
    };
    (frame.width, frame.height, pixels)
}

fn assert_screenshot(path: &Path) {
    let (width, height, pixels) = decode_png(path);
    assert_eq!((width, height), (WIDTH, HEIGHT), "{}", path.display());
    let total = pixels.len();
    let non_white = pixels.iter().filter(|p| p.iter().any(|&c| c < 245)).count();
    let distinct = pixels
        .iter()
        .collect::<std::collections::HashSet<_>>()
        .len();
    // Text and charts: a blank or error page is nearly all white, in a handful of colours.
    assert!(
        non_white * 100 >= total * 3,
        "{}: only {non_white} of {total} pixels are not white",
        path.display()
    );
    assert!(
        distinct >= 200,
        "{}: only {distinct} distinct colours",
        path.display()
    );
    // The charts' fills, exactly (give or take rounding): the status bars alone use all six.
    let found: Vec<(&str, usize)> = PALETTE
        .iter()
        .map(|(name, rgb)| {
            let n = pixels
                .iter()
                .filter(|p| p.iter().zip(rgb).all(|(a, b)| a.abs_diff(*b) <= 2))
                .count();
            (*name, n)
        })
        .collect();
    let shown = found.iter().filter(|(_, n)| *n >= 100).count();
    assert!(
        shown >= 5,
        "{}: the charts' colours are missing (pixels of each): {found:?}",
        path.display()
    );
    println!(
        "screenshot: {width}×{height}, {:.1}% not white, {distinct} colours, palette pixels {found:?}",
        non_white as f64 * 100.0 / total as f64
    );
}

// ---- the test -----------------------------------------------------------------------------

/// A board paper opened by its share link renders in Chromium: charts drawn, colours on the
/// screen, no console message.
async fn the_board_paper_renders_in_chromium(backend: Backend) {
    require_chromium();
    let ws = Workspace::new(backend).await;
    let (url, title) = shared_board_paper(&ws).await;

    // The page as the server sends it, with the policy Chromium is to enforce.
    let response = ws
        .app
        .http
        .get(&url)
        .send()
        .await
        .expect("GET the share link");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    let policy = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(policy.as_deref(), Some(PAGE_POLICY), "{url}");

    let screenshot = screenshot_path(backend);
    let run = {
        let (url, screenshot) = (url.clone(), screenshot.clone());
        tokio::task::spawn_blocking(move || run_chromium(&url, &screenshot))
            .await
            .expect("the Chromium task")
    };
    println!(
        "Chromium opened {url} in {:.1} s; screenshot at {}",
        run.elapsed.as_secs_f64(),
        screenshot.display()
    );

    let console = console_problems(&run.log);
    assert!(
        console.is_empty(),
        "the page logged to the console:\n{}",
        console.join("\n")
    );
    assert_dom(&run.dom, &title);
    assert_screenshot(&screenshot);
}

backend_tests!(the_board_paper_renders_in_chromium);

/// The console filter catches what Chromium logs for a policy violation and a script error,
/// and lets the noise of a machine without a desktop through.
#[test]
fn console_lines_are_recognised() {
    let log = r#"/usr/bin/chromium: 9: [: 25274896384: unexpected operator
[7423:7453:1202/173132.085627:ERROR:dbus/bus.cc:405] Failed to connect to the bus: Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory
[7467:7467:1202/173132.392537:WARNING:sandbox/policy/linux/sandbox_linux.cc:405] InitializeSandbox() called with multiple threads in process gpu-process.
[7423:7423:1202/173133.579801:INFO:CONSOLE:1] "Executing inline script violates the following Content Security Policy directive 'default-src 'none''. The action has been blocked.", source: http://127.0.0.1:8765/csp (1)
[7590:7590:1202/173135.801152:INFO:CONSOLE:1] "Uncaught Error: kaboom", source: http://127.0.0.1:8765/plain (1)
Refused to load the image 'http://example.invalid/x.png' because it violates the following Content Security Policy directive: "img-src data:"."#;
    let found = console_problems(log);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains("Executing inline script"));
    assert!(found[1].contains("Uncaught Error"));
    assert!(found[2].starts_with("Refused to"));
}
