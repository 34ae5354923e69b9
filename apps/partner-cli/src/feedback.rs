//! `feedback submit` and `feedback list`.

use std::io::IsTerminal;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::{Answer, Api, SendError};
use crate::feedback_csv::{idempotency_key, FeedbackFile, RowError};
use crate::{EXIT_FAILURE, EXIT_ROWS_FAILED};

/// What became of one row.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Filed now.
    Submitted(Filed),
    /// Filed by an earlier run (or attempt): the hub replayed its first answer.
    AlreadySubmitted(Filed),
    /// Not filed: invalid here, or refused by the hub. Nothing was created for it.
    Failed {
        errors: Vec<RowError>,
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
    },
    /// Not sent: the run stopped before it (the hub unreachable, the credentials refused).
    NotSent,
}

#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    pub id: String,
    pub status: String,
    /// The kinds of what redaction replaced in the summary (`name`, `email`…).
    pub redacted: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowOutcome {
    pub line: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The outcome of a run: one entry per row, in file order, and why it stopped early if it did.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub rows: Vec<RowOutcome>,
    pub stopped: Option<String>,
}

fn feedback_path(api: &Api) -> String {
    format!("/alliances/{}/feedback", api.alliance_id)
}

fn progress(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} rows  {msg}") {
        bar.set_style(style);
    }
    bar
}

/// Sends each valid row once, in file order; reports the invalid ones without sending them.
pub async fn submit(api: &Api, file: &FeedbackFile) -> Submission {
    let bar = progress(file.rows.len());
    let path = feedback_path(api);
    let mut done = Submission::default();
    for row in &file.rows {
        bar.set_message(format!("line {}", row.line));
        let outcome = if done.stopped.is_some() {
            Outcome::NotSent
        } else {
            match &row.body {
                Err(errors) => Outcome::Failed {
                    errors: errors.clone(),
                    http_status: None,
                },
                Ok(body) => {
                    let bytes = body.to_bytes();
                    let key = idempotency_key(&api.alliance_id, &bytes);
                    match api.post(&path, &bytes, &key).await {
                        Ok(answer) => match judge(answer) {
                            Judged::Row(outcome) => outcome,
                            Judged::Stop(why) => {
                                done.stopped = Some(format!("stopped at line {}: {why}", row.line));
                                Outcome::NotSent
                            }
                        },
                        Err(e @ (SendError::Unreachable(_) | SendError::Credentials(_))) => {
                            done.stopped = Some(format!("stopped at line {}: {e}", row.line));
                            Outcome::NotSent
                        }
                    }
                }
            }
        };
        done.rows.push(RowOutcome {
            line: row.line,
            outcome,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    done
}

enum Judged {
    Row(Outcome),
    /// Every other row would fail the same way: the credentials, the scope, the alliance.
    Stop(String),
}

fn judge(answer: Answer) -> Judged {
    let status = answer.status;
    if status.is_success() {
        let filed = Filed {
            id: answer.body["id"].as_str().unwrap_or_default().to_owned(),
            status: answer.body["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            redacted: answer.body["redaction_report"]["redactions"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|r| r["kind"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        };
        return Judged::Row(if answer.replayed {
            Outcome::AlreadySubmitted(filed)
        } else {
            Outcome::Submitted(filed)
        });
    }
    if matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ) {
        let why = match status {
            StatusCode::NOT_FOUND => format!(
                "the alliance was not found, or this API client's organisation is not in it (check PCREF_ALLIANCE_ID): {}",
                answer.describe()
            ),
            _ => answer.describe(),
        };
        return Judged::Stop(why);
    }
    let problem = answer.problem();
    let errors = if problem.errors.is_empty() {
        vec![RowError {
            field: "row".to_owned(),
            message: answer.describe(),
        }]
    } else {
        problem
            .errors
            .into_iter()
            .map(|e| RowError {
                field: e.field,
                message: e.message,
            })
            .collect()
    };
    Judged::Row(Outcome::Failed {
        errors,
        http_status: Some(status.as_u16()),
    })
}

#[derive(Debug, Default, Serialize)]
struct Counts {
    submitted: usize,
    already_submitted: usize,
    failed: usize,
    not_sent: usize,
}

fn counts(rows: &[RowOutcome]) -> Counts {
    let mut c = Counts::default();
    for row in rows {
        match row.outcome {
            Outcome::Submitted(_) => c.submitted += 1,
            Outcome::AlreadySubmitted(_) => c.already_submitted += 1,
            Outcome::Failed { .. } => c.failed += 1,
            Outcome::NotSent => c.not_sent += 1,
        }
    }
    c
}

fn error_lines(line: u64, errors: &[RowError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| format!("line {line}: {}: {}", e.field, e.message))
        .collect()
}

/// Prints the outcome (errors on stderr, the rest on stdout) and gives the exit code.
pub fn report(_file: &FeedbackFile, done: &Submission, as_json: bool) -> ExitCode {
    let c = counts(&done.rows);
    if as_json {
        let out = json!({
            "submitted": c.submitted,
            "already_submitted": c.already_submitted,
            "failed": c.failed,
            "not_sent": c.not_sent,
            "stopped": done.stopped,
            "rows": done.rows,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for row in &done.rows {
            match &row.outcome {
                Outcome::Submitted(f) | Outcome::AlreadySubmitted(f) => {
                    let what = if matches!(row.outcome, Outcome::Submitted(_)) {
                        "submitted"
                    } else {
                        "already submitted"
                    };
                    let redacted = if f.redacted.is_empty() {
                        String::new()
                    } else {
                        format!(" (redacted: {})", f.redacted.join(", "))
                    };
                    println!("line {}: {what} {}{redacted}", row.line, f.id);
                }
                Outcome::Failed { errors, .. } => {
                    for line in error_lines(row.line, errors) {
                        eprintln!("{line}");
                    }
                }
                Outcome::NotSent => {}
            }
        }
        if let Some(why) = &done.stopped {
            eprintln!("pcref-partner: {why}");
        }
        let not_sent = if c.not_sent > 0 {
            format!(", not sent {}", c.not_sent)
        } else {
            String::new()
        };
        println!(
            "submitted {}, already submitted {}, failed {}{not_sent}",
            c.submitted, c.already_submitted, c.failed
        );
    }
    if done.stopped.is_some() {
        ExitCode::from(EXIT_FAILURE)
    } else if c.failed > 0 {
        ExitCode::from(EXIT_ROWS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--dry-run`: the checks only.
pub fn dry_run(file: &FeedbackFile, as_json: bool) -> ExitCode {
    let invalid = file.invalid();
    let valid = file.rows.len() - invalid;
    if as_json {
        let rows: Vec<Value> = file
            .rows
            .iter()
            .map(|r| match &r.body {
                Ok(body) => json!({"line": r.line, "valid": true, "body": body}),
                Err(errors) => json!({"line": r.line, "valid": false, "errors": errors}),
            })
            .collect();
        let out = json!({"valid": valid, "invalid": invalid, "rows": rows});
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for row in &file.rows {
            if let Err(errors) = &row.body {
                for line in error_lines(row.line, errors) {
                    eprintln!("{line}");
                }
            }
        }
        println!("{valid} row(s) ready to submit, {invalid} with errors (nothing sent: dry run)");
    }
    if invalid > 0 {
        ExitCode::from(EXIT_ROWS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// `feedback list`: follows `next_cursor` up to `limit` items.
pub async fn list(
    api: &Api,
    status: Option<String>,
    about: Option<String>,
    limit: u32,
    as_json: bool,
) -> anyhow::Result<()> {
    let mut filters = Vec::new();
    if let Some(status) = status {
        filters.push(("status", status));
    }
    if let Some(about) = about {
        filters.push(("about_organisation_id", about));
    }
    let items = all_pages(api, &feedback_path(api), &filters, limit).await?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default()
        );
        return Ok(());
    }
    if items.is_empty() {
        println!("no feedback items");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            vec![
                text(&item["id"]),
                text(&item["status"]),
                item["received_on"]
                    .as_str()
                    .or(item["received_month"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                item["about_organisation_name"]
                    .as_str()
                    .unwrap_or("the alliance")
                    .to_owned(),
                text(&item["theme"]),
            ]
        })
        .collect();
    let table = crate::library::table(&["ID", "STATUS", "RECEIVED", "ABOUT", "THEME"], &rows);
    println!("{}", table[0]);
    for (line, item) in table.iter().skip(1).zip(&items) {
        println!("{line}");
        // The summary as stored (redacted), indented under its item.
        for said in text(&item["summary"]).lines() {
            println!("    {said}");
        }
    }
    Ok(())
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// Every item of a list, page by page, up to `limit`.
pub async fn all_pages(
    api: &Api,
    path: &str,
    filters: &[(&str, String)],
    limit: u32,
) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let remaining = limit as usize - items.len();
        let mut query = filters.to_vec();
        query.push(("limit", remaining.min(200).to_string()));
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.clone()));
        }
        let answer = api.get(path, &query).await?;
        if !answer.status.is_success() {
            return Err(anyhow::anyhow!("{}", answer.describe()));
        }
        let page = answer.body;
        if let Some(list) = page["items"].as_array() {
            items.extend(list.iter().take(remaining).cloned());
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() || items.len() >= limit as usize {
            return Ok(items);
        }
    }
}
