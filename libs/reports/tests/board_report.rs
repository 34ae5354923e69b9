//! Renders a realistic issued board report in every format and reads it back: the HTML as
//! text, the CSV with the csv crate, the workbook with calamine.

mod support;

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use pcref_reports::{
    board_html, ceo_brief_html, report_file_name, rollup_csv, rollup_xlsx, ReportLinks,
};
use support::{empty_report, sample_report, COASTAL, HILLSIDE, NORTHSHIRE, RIVERSIDE};

const CHARTS: [&str; 4] = [
    "status-bars",
    "competency-heatmap",
    "milestone-timeline",
    "feedback-funnel",
];

fn links() -> ReportLinks {
    ReportLinks {
        csv: Some("/api/v1/reports/r1/rollup.csv".into()),
        xlsx: Some("/api/v1/reports/r1/rollup.xlsx".into()),
        ceo_brief: Some("/api/v1/reports/r1/ceo-brief.html".into()),
        board: Some("/api/v1/reports/r1/board.html".into()),
    }
}

fn board() -> String {
    board_html(&sample_report(), &links()).expect("board paper")
}

fn ceo() -> String {
    ceo_brief_html(&sample_report(), &links()).expect("CEO brief")
}

// ---- reading HTML as text -----------------------------------------------------------------

/// Every opening tag `<name ...>` in the page.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let tag = &rest[i..];
        let end = tag.find('>').expect("tag ends");
        out.push(&tag[..=end]);
        rest = &tag[end..];
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// The text of the element with this id, e.g. `<desc id="x">text</desc>`.
fn element_text<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let key = format!(" id=\"{id}\">");
    let start = html.find(&key)? + key.len();
    let len = html[start..].find("</")?;
    Some(&html[start..start + len])
}

/// The part of the page from `from` to the next `to`.
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html.find(from).unwrap_or_else(|| panic!("{from} in page"));
    let len = html[start..].find(to).unwrap_or(html.len() - start);
    &html[start..start + len]
}

/// Words and whole numbers of a text: split on anything but letters, digits and points, a
/// trailing point dropped ("2026." is 2026, "9.5" stays 9.5).
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map(|t| t.trim_end_matches('.'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// A whole number from 1 to 7: what disclosure control must never show as a count.
fn small_count(token: &str) -> bool {
    matches!(token.parse::<u64>(), Ok(1..=7))
}

/// The contents of every `<td ...>…</td>` and `<text ...>…</text>` in a part of the page.
fn cell_texts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [("<td", "</td>"), ("<text", "</text>")] {
        let mut rest = html;
        while let Some(i) = rest.find(open) {
            let after = &rest[i..];
            let Some(gt) = after.find('>') else { break };
            let Some(end) = after.find(close) else { break };
            if end > gt {
                out.push(after[gt + 1..end].to_owned());
            }
            rest = &after[gt + 1..];
        }
    }
    out
}

// ---- the board paper ----------------------------------------------------------------------

#[test]
fn board_paper_has_each_chart_as_an_accessible_figure() {
    let html = board();
    let svgs = tags(&html, "svg");
    for chart in CHARTS {
        let matching: Vec<&&str> = svgs
            .iter()
            .filter(|t| attr(t, "data-chart") == Some(chart))
            .collect();
        assert_eq!(matching.len(), 1, "one {chart} chart");
        let svg = matching[0];
        assert_eq!(attr(svg, "class"), Some("chart"), "{chart}");
        assert_eq!(attr(svg, "role"), Some("img"), "{chart}");
        let title_id = attr(svg, "aria-labelledby").expect("aria-labelledby");
        let desc_id = attr(svg, "aria-describedby").expect("aria-describedby");
        let title = element_text(&html, title_id).expect("the title element");
        let desc = element_text(&html, desc_id).expect("the desc element");
        assert!(!title.trim().is_empty(), "{chart} has a title");
        assert!(desc.len() > 40, "{chart} has a text alternative: {desc}");
        assert!(html.contains(&format!("<title id=\"{title_id}\">")));
        assert!(html.contains(&format!("<desc id=\"{desc_id}\">")));
        // Inside a <figure> with a table of the same figures.
        let at = html.find(*svg).expect("svg");
        let fig_start = html[..at].rfind("<figure").expect("inside a figure");
        let rest = &html[fig_start..];
        let fig = &rest[..rest.find("</figure>").expect("figure ends")];
        assert!(fig.contains(svg), "{chart} svg in its figure");
        assert!(fig.contains("<figcaption"), "{chart} has a caption");
        assert!(fig.contains("<details class=\"chart-data\">"), "{chart}");
        assert!(fig.contains("<table>"), "{chart} has a fallback table");
    }
}

#[test]
fn each_charts_text_alternative_summarises_its_data() {
    let html = board();
    let desc = |chart: &str| -> String {
        let svg = tags(&html, "svg")
            .into_iter()
            .find(|t| attr(t, "data-chart") == Some(chart))
            .expect("chart");
        let id = attr(svg, "aria-describedby").expect("described");
        element_text(&html, id).expect("desc").to_owned()
    };

    let bars = desc("status-bars");
    assert!(
        bars.contains(&format!(
            "{COASTAL}: 24 actions (8 complete, 9 on track, 2 at risk, 1 off track, 3 not started, 1 dropped)"
        )),
        "{bars}"
    );
    assert!(bars.contains(NORTHSHIRE) && bars.contains(RIVERSIDE));
    assert!(bars.contains("Providers publishing anonymously: 8 actions"));

    let heat = desc("competency-heatmap");
    assert!(heat.contains("Co-production 10"), "{heat}");
    assert!(
        heat.contains("No provider row has a goal for: Intersectionality."),
        "{heat}"
    );

    let timeline = desc("milestone-timeline");
    assert!(
        timeline.contains("6 joint-project milestones")
            && timeline.contains("3 done, 2 overdue, 1 due"),
        "{timeline}"
    );
    assert!(timeline.contains("Pilot referral pathway agreed"));

    let funnel = desc("feedback-funnel");
    assert!(
        funnel.contains("received 65, acknowledged 60, responded to 40, closed * (suppressed)"),
        "{funnel}"
    );
}

#[test]
fn charts_label_every_series_and_use_shapes_not_colour_alone() {
    let html = board();
    let bars = between(&html, "data-chart=\"status-bars\"", "</svg>");
    for label in [
        "Complete",
        "On track",
        "At risk",
        "Off track",
        "Not started",
        "Dropped",
    ] {
        assert!(
            bars.contains(&format!(">{label}</text>")),
            "legend names {label}"
        );
    }
    // Okabe–Ito colours.
    for colour in [
        "#009E73", "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#CC79A7",
    ] {
        assert!(bars.contains(colour), "{colour}");
    }
    // Numbers written in the heatmap's cells.
    let heat = between(&html, "data-chart=\"competency-heatmap\"", "</svg>");
    assert!(heat.contains(">Intersectionality</text>"));
    assert!(heat.contains("text-anchor=\"middle\">4</text>"));
    // Milestones: a circle when done, a triangle (3 points) when overdue, a diamond (4) when due.
    let timeline = between(&html, "data-chart=\"milestone-timeline\"", "</svg>");
    assert!(timeline.contains("<circle"));
    let polygons: Vec<usize> = tags(timeline, "polygon")
        .iter()
        .map(|t| attr(t, "points").expect("points").split(' ').count())
        .collect();
    assert!(
        polygons.contains(&3) && polygons.contains(&4),
        "{polygons:?}"
    );
    for word in [
        ">Done</text>",
        ">Overdue</text>",
        ">Due, not yet done</text>",
    ] {
        assert!(timeline.contains(word), "legend {word}");
    }
    assert!(
        timeline.contains("Overdue: due 15 Jun 2026"),
        "before the period"
    );
    assert!(timeline.contains("as of 14 Sep"));
    // The funnel: a suppressed stage is "*" and has no bar.
    let funnel = between(&html, "data-chart=\"feedback-funnel\"", "</svg>");
    assert_eq!(
        tags(funnel, "rect").len(),
        3,
        "three bars, none for the suppressed count"
    );
    assert!(funnel.contains("font-weight=\"700\">*</text>"));
}

#[test]
fn board_paper_has_every_section_and_the_title_block() {
    let html = board();
    for needle in [
        "<h1>Northshire Mental Health Alliance: 2026-Q3</h1>",
        "2026-Q3, 1 July 2026 to 30 September 2026",
        "14 September 2026 (the period was still running)",
        "<dt>Version</dt><dd>1</dd>",
        "15 September 2026, 09:30 UTC by Amara Okafor",
        "Headline figures",
        "Provider progress",
        "Coverage",
        "Cultural competencies",
        "PCREF pillars",
        "Ethnic groups targeted",
        "Asian or Asian British: Pakistani",
        "Joint projects",
        "Co-designing solutions",
        "<span class=\"rag rag-amber\">Amber</span>",
        "<span class=\"rag rag-none\">No update</span>",
        "Feedback loop",
        "* suppressed for disclosure control",
        "rounded to the nearest five",
        "Learning shared and templates adopted",
        "Peer supporters in inpatient wards",
        "Community listening event plan",
    ] {
        assert!(html.contains(needle), "board paper has {needle:?}");
    }
}

#[test]
fn headline_changes_read_in_words_and_arrows_and_never_give_a_difference_of_people_counts() {
    let html = board();
    let card =
        |key: &str| between(&html, &format!("<li class=\"figure-{key}\">"), "</li>").to_owned();
    let actions = card("actions");
    assert!(
        actions.contains("<div class=\"value\">60</div>"),
        "{actions}"
    );
    assert!(
        actions.contains("aria-hidden=\"true\">▲</span> up 8"),
        "{actions}"
    );
    assert!(actions.contains("2026-Q2: 52"));
    assert!(card("overdue_actions").contains("▼</span> down 2"));
    assert!(card("stale_actions").contains("no change"));
    let pct = card("percent_complete");
    assert!(
        pct.contains("27.6%") && pct.contains("up 6.4 points"),
        "{pct}"
    );
    assert!(card("templates_adopted").contains("no comparison"));

    let received = card("feedback_received");
    assert!(received.contains("▲</span> higher"), "{received}");
    assert!(!received.contains("up 5") && !tokens(&received).iter().any(|t| small_count(t)));
    let closed = card("feedback_closed");
    assert!(closed.contains("<div class=\"value\">*</div>"), "{closed}");
    assert!(closed.contains("no comparison"));
}

#[test]
fn labels_are_escaped() {
    let mut report = sample_report();
    let evil = "Riverside <script>alert(\"x\")</script> & Co";
    report.rollup.providers[2].provider.label = evil.into();
    report.rollup.coverage.rows[2].provider.label = evil.into();
    report.rollup.feedback.rows[3].label = evil.into();
    report.rollup.projects.projects[0].title = "<img src=x onerror=alert(1)>".into();
    let links = ReportLinks {
        csv: Some("javascript:alert(1)".into()),
        xlsx: Some("/x.xlsx\" onclick=\"alert(1)".into()),
        ..ReportLinks::default()
    };
    for html in [
        board_html(&report, &links).expect("board"),
        ceo_brief_html(&report, &links).expect("brief"),
    ] {
        assert!(!html.contains("<script"), "no script element");
        assert!(!html.contains("<img"), "no img element");
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("\" onclick=\""));
        assert!(html.contains("Riverside &lt;script&gt;"), "escaped");
    }
}

#[test]
fn pages_are_self_contained_and_print_on_a4() {
    for html in [board(), ceo()] {
        assert!(html.starts_with("<!DOCTYPE html>"));
        for banned in [
            "<script", "<link", "<img", "<iframe", "@import", "url(", "src=\"", " on",
        ] {
            if banned == " on" {
                // No inline event handler attribute.
                for tag in ["svg", "a", "rect", "text", "g", "body"] {
                    for t in tags(&html, tag) {
                        assert!(!t.contains(" onclick") && !t.contains(" onload"), "{t}");
                    }
                }
                continue;
            }
            assert!(!html.contains(banned), "no {banned}");
        }
        // The only absolute URL is the SVG namespace; links are the server's own paths.
        let without_ns = html.replace("http://www.w3.org/2000/svg", "");
        assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
        assert!(html.contains("@page { size: A4; margin: 15mm; }"));
        assert!(html.contains("break-inside: avoid; page-break-inside: avoid;"));
        assert!(html.contains(".links, .no-print { display: none !important; }"));
    }
}

#[test]
fn download_links_show_only_when_given() {
    let html = board();
    assert!(html.contains("<nav class=\"links\""));
    assert!(html.contains("href=\"/api/v1/reports/r1/rollup.csv\""));
    assert!(html.contains("href=\"/api/v1/reports/r1/rollup.xlsx\""));
    assert!(html.contains("href=\"/api/v1/reports/r1/ceo-brief.html\""));
    assert!(
        !html.contains("href=\"/api/v1/reports/r1/board.html\""),
        "no link to itself"
    );
    let none = board_html(&sample_report(), &ReportLinks::default()).expect("board");
    assert!(!none.contains("<nav class=\"links\""));
    assert!(!none.contains("href="));
}

#[test]
fn empty_sections_say_so() {
    let report = empty_report();
    let html = board_html(&report, &ReportLinks::default()).expect("board");
    for needle in [
        "No provider had published an action plan by 14 September 2026.",
        "No provider had published goals by 14 September 2026.",
        "No published priority area named an ethnic group",
        "No joint projects were under way in this period.",
        "No milestone was due, done or overdue in this period",
        "No learning items were shared in this period.",
        "No templates were adopted in this period.",
        "Compared with</dt><dd>no previous period",
    ] {
        assert!(html.contains(needle), "empty report has {needle:?}");
    }
    for chart in CHARTS {
        assert!(html.contains(&format!("data-chart=\"{chart}\"")), "{chart}");
    }
    let brief = ceo_brief_html(&report, &ReportLinks::default()).expect("brief");
    assert!(brief.contains("No provider had published an action plan by 14 September 2026."));
    assert!(brief.contains("No joint projects were under way in this period."));
}

// ---- the CEO brief ------------------------------------------------------------------------

#[test]
fn ceo_brief_gives_headline_figures_key_messages_and_one_chart() {
    let html = ceo();
    let svgs = tags(&html, "svg");
    assert_eq!(svgs.len(), 1, "one chart");
    assert_eq!(attr(svgs[0], "data-chart"), Some("status-bars"));
    assert!(html.contains("<li class=\"figure-actions\">"));
    assert!(html.contains("up 8"));
    assert!(
        html.contains("href=\"/api/v1/reports/r1/board.html\""),
        "links to the board paper"
    );
    assert!(
        !html.contains("href=\"/api/v1/reports/r1/ceo-brief.html\""),
        "not to itself"
    );

    let messages = between(&html, "<ol class=\"messages\">", "</ol>");
    let count = messages.matches("<li>").count();
    assert!((3..=5).contains(&count), "{count} messages");
    for needle in [
        "60 actions across 5 plans published: 16 of the 58 not dropped are complete (27.6%).",
        "7 actions are overdue across the alliance; Northshire Partnership NHS Trust has the most (4 of 16 actions).",
        "No provider has a goal for intersectionality.",
        "2 milestones are overdue: Co-design workshop report (Culturally adapted talking therapies for South Asian men); Pilot referral pathway agreed",
        "65 feedback items received, 60 acknowledged, 40 responded to and * closed by 14 September 2026",
    ] {
        assert!(messages.contains(needle), "message {needle:?} in {messages}");
    }
    assert!(html.contains("@page { size: A4; margin: 15mm; }"));
}

// ---- CSV ----------------------------------------------------------------------------------

fn csv_rows(bytes: &[u8]) -> Vec<[String; 4]> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{FEFF}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader
            .headers()
            .expect("heading")
            .iter()
            .collect::<Vec<_>>(),
        ["section", "row", "measure", "value"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            assert_eq!(r.len(), 4);
            [0, 1, 2, 3].map(|i| r[i].to_owned())
        })
        .collect()
}

fn value<'a>(rows: &'a [[String; 4]], section: &str, row: &str, measure: &str) -> &'a str {
    rows.iter()
        .find(|r| r[0] == section && r[1] == row && r[2] == measure)
        .map(|r| r[3].as_str())
        .unwrap_or_else(|| panic!("no {section}/{row}/{measure}"))
}

#[test]
fn csv_is_tidy_and_has_the_expected_rows() {
    let bytes = rollup_csv(&sample_report()).expect("csv");
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "CRLF");
    let rows = csv_rows(&bytes);

    // Sections, in order, each once as a block.
    let mut sections: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    sections.dedup();
    assert_eq!(
        sections,
        [
            "report",
            "headline",
            "providers",
            "competency_coverage",
            "pillar_coverage",
            "ethnic_groups",
            "projects",
            "milestones",
            "feedback",
            "learning",
            "templates"
        ]
    );

    let v = |s, r, m| value(&rows, s, r, m);
    assert_eq!(
        v("report", "alliance", "name"),
        "Northshire Mental Health Alliance"
    );
    assert_eq!(v("report", "period", "label"), "2026-Q3");
    assert_eq!(v("report", "as_of", "date"), "2026-09-14");
    assert_eq!(v("report", "version", "number"), "1");
    assert_eq!(
        v("report", "issued_at", "timestamp"),
        "2026-09-15T09:30:00Z"
    );

    assert_eq!(v("headline", "Actions", "value"), "60");
    assert_eq!(v("headline", "Actions", "previous"), "52");
    assert_eq!(v("headline", "Actions", "change"), "8");
    assert_eq!(
        v("headline", "Overdue actions", "change"),
        "-2",
        "numbers are not defused"
    );
    assert_eq!(v("headline", "Actions complete (%)", "value"), "27.6");
    assert_eq!(v("headline", "Actions complete (%)", "change"), "6.4");
    assert_eq!(v("headline", "Templates adopted", "previous"), "");
    assert_eq!(v("headline", "Feedback received", "value"), "65");
    assert_eq!(
        v("headline", "Feedback received", "change"),
        "",
        "never a difference of people counts"
    );
    assert_eq!(v("headline", "Feedback closed", "value"), "*");

    assert_eq!(v("providers", COASTAL, "actions"), "24");
    assert_eq!(v("providers", COASTAL, "complete"), "8");
    assert_eq!(v("providers", COASTAL, "percent_complete"), "34.8");
    assert_eq!(v("providers", NORTHSHIRE, "overdue"), "4");
    assert_eq!(
        v("providers", "Providers publishing anonymously", "stale"),
        "2"
    );

    assert_eq!(v("competency_coverage", COASTAL, "Co-production"), "4");
    assert_eq!(
        v("competency_coverage", RIVERSIDE, "Intersectionality"),
        "0"
    );
    assert_eq!(v("pillar_coverage", COASTAL, "Data"), "4");
    assert_eq!(
        v("ethnic_groups", "Black or Black British: African", "code"),
        "N"
    );
    assert_eq!(
        v(
            "ethnic_groups",
            "Black or Black British: African",
            "providers"
        ),
        "3"
    );
    assert_eq!(
        v(
            "ethnic_groups",
            "Asian or Asian British: Indian",
            "broad_group"
        ),
        "Asian or Asian British"
    );

    let talking = "Culturally adapted talking therapies for South Asian men";
    assert_eq!(v("projects", talking, "phase"), "Co-designing solutions");
    assert_eq!(v("projects", talking, "rag"), "Amber");
    assert_eq!(
        v("projects", "Interpreter access in crisis services", "rag"),
        ""
    );
    assert_eq!(v("projects", "All projects", "milestones_overdue"), "2");
    assert_eq!(
        v("projects", "All projects", "phase: Intelligence gathering"),
        "1"
    );
    let m = format!("{talking}: Co-design workshop report");
    assert_eq!(v("milestones", &m, "due_on"), "2026-06-15");
    assert_eq!(v("milestones", &m, "done_on"), "");
    assert_eq!(v("milestones", &m, "state"), "Overdue");

    assert_eq!(v("feedback", COASTAL, "received"), "25");
    assert_eq!(v("feedback", RIVERSIDE, "received"), "*");
    assert_eq!(v("feedback", RIVERSIDE, "responded"), "0");
    assert_eq!(v("feedback", "All feedback", "closed"), "*");
    assert_eq!(
        v("feedback", NORTHSHIRE, "median_days_to_first_response"),
        "9.5"
    );
    assert_eq!(v("feedback", HILLSIDE, "median_days_to_first_response"), "");

    assert_eq!(v("learning", "All learning items", "items_shared"), "3");
    assert_eq!(
        v("learning", "Community trust and engagement", "items"),
        "3"
    );
    assert_eq!(
        v(
            "learning",
            "Peer supporters in inpatient wards",
            "shared_on"
        ),
        "2026-09-08"
    );
    assert_eq!(v("templates", "All templates", "adopted"), "2");
    assert_eq!(
        v("templates", "Community listening event plan", "adopted_by"),
        NORTHSHIRE
    );
}

#[test]
fn csv_defuses_formula_like_text() {
    let mut report = sample_report();
    report.rollup.learning.items[0].title = "=HYPERLINK(\"http://x\")".into();
    report.rollup.providers[0].provider.label = "@SUM(1)".into();
    let rows = csv_rows(&rollup_csv(&report).expect("csv"));
    assert!(rows.iter().any(|r| r[1] == "'=HYPERLINK(\"http://x\")"));
    assert!(rows
        .iter()
        .any(|r| r[0] == "providers" && r[1] == "'@SUM(1)"));
    assert!(!rows
        .iter()
        .flatten()
        .any(|c| c.starts_with('=') || c.starts_with('@')));
}

// ---- the workbook -------------------------------------------------------------------------

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine can read")
}

fn cell(range: &Range<Data>, row: u32, col: u32) -> &Data {
    range.get_value((row, col)).unwrap_or(&Data::Empty)
}

fn find_row(range: &Range<Data>, col: u32, text: &str) -> u32 {
    (0..range.height() as u32)
        .find(|r| cell(range, *r, col) == &Data::String(text.into()))
        .unwrap_or_else(|| panic!("a row with {text:?} in column {col}"))
}

#[test]
fn workbook_has_a_sheet_per_section_with_numbers_as_numbers() {
    let mut wb = open(rollup_xlsx(&sample_report()).expect("workbook"));
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary",
            "Providers",
            "Coverage",
            "Ethnic groups",
            "Joint projects",
            "Milestones",
            "Feedback",
            "Learning"
        ]
    );
    let s = |v: &str| Data::String(v.into());

    let summary = wb.worksheet_range("Summary").expect("sheet");
    assert_eq!(cell(&summary, 0, 0), &s("Section"));
    assert_eq!(cell(&summary, 0, 2), &s("Value"));
    let alliance = find_row(&summary, 1, "Alliance");
    assert_eq!(
        cell(&summary, alliance, 2),
        &s("Northshire Mental Health Alliance")
    );
    let version = find_row(&summary, 1, "Version");
    assert_eq!(cell(&summary, version, 2), &Data::Float(1.0));
    let actions = find_row(&summary, 1, "Actions");
    assert_eq!(cell(&summary, actions, 2), &Data::Float(60.0));
    assert_eq!(cell(&summary, actions, 3), &Data::Float(52.0));
    assert_eq!(cell(&summary, actions, 4), &Data::Float(8.0));
    let overdue = find_row(&summary, 1, "Overdue actions");
    assert_eq!(cell(&summary, overdue, 4), &Data::Float(-2.0));
    let received = find_row(&summary, 1, "Feedback received");
    assert_eq!(cell(&summary, received, 2), &Data::Float(65.0));
    assert_eq!(
        cell(&summary, received, 4),
        &Data::Empty,
        "no change of people counts"
    );
    let closed = find_row(&summary, 1, "Feedback closed");
    assert_eq!(cell(&summary, closed, 2), &s("*"));

    let providers = wb.worksheet_range("Providers").expect("sheet");
    assert_eq!(cell(&providers, 0, 0), &s("Provider"));
    let coastal = find_row(&providers, 0, COASTAL);
    assert_eq!(cell(&providers, coastal, 3), &Data::Float(24.0));
    assert_eq!(
        cell(&providers, coastal, 4),
        &Data::Float(8.0),
        "complete first"
    );
    assert_eq!(cell(&providers, coastal, 10), &Data::Float(34.8));

    let coverage = wb.worksheet_range("Coverage").expect("sheet");
    assert_eq!(cell(&coverage, 0, 6), &s("Co-production"));
    assert_eq!(cell(&coverage, 0, 8), &s("Intersectionality"));
    assert_eq!(cell(&coverage, 0, 10), &s("Data"));
    let row = find_row(&coverage, 0, COASTAL);
    assert_eq!(cell(&coverage, row, 6), &Data::Float(4.0));

    let groups = wb.worksheet_range("Ethnic groups").expect("sheet");
    assert_eq!(cell(&groups, 1, 0), &s("H"));
    assert_eq!(groups.height(), 6);

    let projects = wb.worksheet_range("Joint projects").expect("sheet");
    let talking = find_row(
        &projects,
        0,
        "Culturally adapted talking therapies for South Asian men",
    );
    assert_eq!(cell(&projects, talking, 3), &s("Amber"));
    assert_eq!(cell(&projects, talking, 7), &Data::Float(2.0));
    let phase = find_row(&projects, 0, "Co-designing solutions");
    assert_eq!(cell(&projects, phase, 1), &Data::Float(1.0));

    let milestones = wb.worksheet_range("Milestones").expect("sheet");
    assert_eq!(milestones.height(), 7, "heading and six milestones");
    let pilot = find_row(&milestones, 1, "Pilot starts in two teams");
    assert!(
        matches!(cell(&milestones, pilot, 2), Data::DateTime(_)),
        "a date"
    );
    assert_eq!(cell(&milestones, pilot, 4), &s("Due"));

    let feedback = wb.worksheet_range("Feedback").expect("sheet");
    assert_eq!(cell(&feedback, 0, 1), &s("Received"));
    let riverside = find_row(&feedback, 0, RIVERSIDE);
    assert_eq!(cell(&feedback, riverside, 1), &s("*"));
    assert_eq!(cell(&feedback, riverside, 3), &Data::Float(0.0));
    let total = find_row(&feedback, 0, "All feedback");
    assert_eq!(cell(&feedback, total, 1), &Data::Float(65.0));
    assert_eq!(cell(&feedback, total, 4), &s("*"));
    let note = (0..feedback.height() as u32)
        .filter_map(|r| match cell(&feedback, r, 0) {
            Data::String(t) if t.starts_with("Disclosure control") => Some(t.clone()),
            _ => None,
        })
        .next()
        .expect("a note on disclosure control");
    assert!(note.contains("suppressed and shown as *"));

    let learning = wb.worksheet_range("Learning").expect("sheet");
    let item = find_row(&learning, 1, "Peer supporters in inpatient wards");
    assert_eq!(cell(&learning, item, 0), &s("Learning item shared"));
    let adopted = find_row(&learning, 1, "Community listening event plan");
    assert_eq!(cell(&learning, adopted, 0), &s("Template adopted"));
    let shared = find_row(&learning, 0, "Learning items shared");
    assert_eq!(cell(&learning, shared, 1), &Data::Float(3.0));
}

// ---- disclosure control, in every format ---------------------------------------------------

#[test]
fn no_feedback_cell_in_any_format_shows_a_count_from_one_to_seven() {
    let report = sample_report();

    // HTML: the feedback section's cells and chart, and the people headline cards.
    for html in [
        board_html(&report, &links()).expect("board"),
        ceo_brief_html(&report, &links()).expect("brief"),
    ] {
        if html.contains("<section id=\"feedback\"") {
            let section = between(&html, "<section id=\"feedback\"", "</section>");
            for text in cell_texts(section) {
                assert!(
                    !tokens(&text).iter().any(|t| small_count(t)),
                    "feedback cell {text:?}"
                );
            }
            // The prose too: every number in the section.
            let bad: Vec<&str> = tokens(section)
                .into_iter()
                .filter(|t| small_count(t))
                .collect();
            assert!(bad.is_empty(), "{bad:?}");
        }
        for key in ["feedback_received", "feedback_closed"] {
            let card = between(&html, &format!("<li class=\"figure-{key}\">"), "</li>");
            assert!(!tokens(card).iter().any(|t| small_count(t)), "{card}");
        }
        let messages = html.find("<ol class=\"messages\">").map(|i| &html[i..]);
        if let Some(messages) = messages {
            let feedback = between(messages, "Feedback loop", "</li>");
            assert!(
                !tokens(feedback).iter().any(|t| small_count(t)),
                "{feedback}"
            );
        }
    }

    // CSV: the feedback section and the people headline figures.
    let rows = csv_rows(&rollup_csv(&report).expect("csv"));
    let people_counts = rows.iter().filter(|r| {
        (r[0] == "feedback" && r[2] != "median_days_to_first_response")
            || (r[0] == "headline" && r[1].starts_with("Feedback"))
    });
    let mut seen = 0;
    for r in people_counts {
        seen += 1;
        assert!(!small_count(&r[3]), "{r:?}");
    }
    assert_eq!(seen, 5 * 4 + 4 + 2 * 3);

    // XLSX: the Feedback sheet's count columns and the people headline figures.
    let mut wb = open(rollup_xlsx(&report).expect("workbook"));
    let small = |d: &Data| match d {
        Data::Float(x) => (1.0..=7.0).contains(x),
        Data::Int(x) => (1..=7).contains(x),
        Data::String(s) => small_count(s),
        _ => false,
    };
    let feedback = wb.worksheet_range("Feedback").expect("sheet");
    for r in 1..=6 {
        for c in 1..=4 {
            assert!(!small(cell(&feedback, r, c)), "Feedback ({r}, {c})");
        }
    }
    let summary = wb.worksheet_range("Summary").expect("sheet");
    for label in ["Feedback received", "Feedback closed"] {
        let r = find_row(&summary, 1, label);
        for c in 2..=4 {
            assert!(!small(cell(&summary, r, c)), "Summary {label} ({c})");
        }
    }
}

// ---- file names and the sample ------------------------------------------------------------

#[test]
fn file_names_are_safe_slugs_of_period_and_version() {
    let mut report = sample_report();
    assert_eq!(
        report_file_name(&report, "csv"),
        "board-report-2026-q3-v1.csv"
    );
    assert_eq!(
        report_file_name(&report, "xlsx"),
        "board-report-2026-q3-v1.xlsx"
    );
    report.version = 3;
    report.rollup.period.label = "../Q4 2026 / Winter's".into();
    assert_eq!(
        report_file_name(&report, ".HTML"),
        "board-report-q4-2026-winters-v3.html"
    );
}

/// Writes the sample board paper to the path in `PCREF_BOARD_SAMPLE` when set, to look at in
/// a browser, with the CSV and the workbook beside it (same name, `.csv` and `.xlsx`); and the
/// CEO brief to the path in `PCREF_CEO_SAMPLE` when set.
#[test]
fn writes_the_sample_when_asked() {
    if let Ok(path) = std::env::var("PCREF_BOARD_SAMPLE") {
        std::fs::write(&path, board()).expect("write the board paper");
        let path = std::path::Path::new(&path);
        let report = sample_report();
        std::fs::write(
            path.with_extension("csv"),
            rollup_csv(&report).expect("csv"),
        )
        .expect("write the CSV");
        std::fs::write(
            path.with_extension("xlsx"),
            rollup_xlsx(&report).expect("xlsx"),
        )
        .expect("write the workbook");
    }
    if let Ok(path) = std::env::var("PCREF_CEO_SAMPLE") {
        std::fs::write(&path, ceo()).expect("write the CEO brief");
    }
}
