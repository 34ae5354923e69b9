//! `projects list` and `projects update`: the alliance's joint projects, and a participant's
//! RAG update on one of them (scope `projects:write`).

use std::process::ExitCode;

use chrono::NaiveDate;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::api::{Api, SendError};
use crate::feedback::all_pages;
use crate::{EXIT_FAILURE, EXIT_ROWS_FAILED};

/// A project's RAG rating, as the hub names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        }
    }
}

/// The five-step model a joint project moves through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Phase {
    IntelligenceGathering,
    AnalysisAndInterpretation,
    DefiningProblems,
    CoDesigningSolutions,
    CriticalActions,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::IntelligenceGathering => "intelligence_gathering",
            Phase::AnalysisAndInterpretation => "analysis_and_interpretation",
            Phase::DefiningProblems => "defining_problems",
            Phase::CoDesigningSolutions => "co_designing_solutions",
            Phase::CriticalActions => "critical_actions",
        }
    }
}

/// The filters of `projects list`, each sent only when given.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub phase: Option<Phase>,
    pub rag: Option<Rag>,
    pub participant: Option<Uuid>,
    pub ethnic_category: Option<String>,
    pub competency: Option<String>,
    pub stale: Option<bool>,
    pub overdue: Option<bool>,
}

impl Filters {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        if let Some(phase) = self.phase {
            query.push(("phase", phase.as_str().to_owned()));
        }
        if let Some(rag) = self.rag {
            query.push(("rag", rag.as_str().to_owned()));
        }
        if let Some(participant) = self.participant {
            query.push(("participant", participant.to_string()));
        }
        if let Some(code) = &self.ethnic_category {
            query.push(("ethnic_category", code.clone()));
        }
        if let Some(competency) = &self.competency {
            query.push(("competency", competency.clone()));
        }
        if let Some(stale) = self.stale {
            query.push(("stale", stale.to_string()));
        }
        if let Some(overdue) = self.overdue {
            query.push(("overdue", overdue.to_string()));
        }
        query
    }
}

/// `projects list`: the alliance's joint projects, newest first, following `next_cursor` up
/// to `limit`.
pub async fn list(api: &Api, filters: &Filters, limit: u32, as_json: bool) -> anyhow::Result<()> {
    let path = format!("/alliances/{}/projects", api.alliance_id);
    let items = all_pages(api, &path, &filters.query(), limit).await?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default()
        );
        return Ok(());
    }
    if items.is_empty() {
        println!("no joint projects");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|p| {
            vec![
                text(&p["id"]),
                text(&p["phase"]),
                p["rag"].as_str().unwrap_or("-").to_owned(),
                p["last_update_on"].as_str().unwrap_or("-").to_owned(),
                if p["stale"].as_bool() == Some(true) {
                    "stale".to_owned()
                } else {
                    "-".to_owned()
                },
                text(&p["lead_organisation"]["name"]),
                text(&p["title"]),
            ]
        })
        .collect();
    let table = crate::library::table(
        &["ID", "PHASE", "RAG", "UPDATED", "STALE", "LEAD", "TITLE"],
        &rows,
    );
    println!("{}", table[0]);
    for (line, project) in table.iter().skip(1).zip(&items) {
        println!("{line}");
        // Who takes part, and how far: a partner sees here whether it was invited.
        let participants: Vec<String> = project["participants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let how = if p["lead"].as_bool() == Some(true) {
                    "lead".to_owned()
                } else {
                    text(&p["status"])
                };
                format!("{} ({how})", text(&p["organisation_name"]))
            })
            .collect();
        if !participants.is_empty() {
            println!("    participants: {}", participants.join(", "));
        }
    }
    Ok(())
}

/// What `projects update` sends.
#[derive(Debug, Clone)]
pub struct Update {
    pub project: Uuid,
    pub rag: Rag,
    pub narrative: String,
    pub phase: Option<Phase>,
    pub reported_on: Option<NaiveDate>,
}

/// The longest narrative the hub takes, in characters.
const NARRATIVE_MAX: usize = 5_000;

impl Update {
    /// The request body, or why it would be refused (checked here before anything is sent).
    pub fn body(&self) -> Result<Vec<u8>, String> {
        let length = self.narrative.chars().count();
        if self.narrative.trim().is_empty() {
            return Err("narrative: must not be empty".to_owned());
        }
        if length > NARRATIVE_MAX {
            return Err(format!(
                "narrative: at most {NARRATIVE_MAX} characters (this one has {length})"
            ));
        }
        let mut body = Map::new();
        body.insert("rag".to_owned(), json!(self.rag.as_str()));
        body.insert("narrative".to_owned(), json!(self.narrative));
        if let Some(phase) = self.phase {
            body.insert("phase".to_owned(), json!(phase.as_str()));
        }
        if let Some(day) = self.reported_on {
            body.insert("reported_on".to_owned(), json!(day.to_string()));
        }
        Ok(serde_json::to_vec(&Value::Object(body)).unwrap_or_default())
    }
}

/// The `Idempotency-Key` of an update: derived from the alliance, the project, the day it
/// reports on (today in UTC when not given: the hub's default) and the exact body, so that
/// running the same command again — after a crash or a lost answer — posts nothing twice,
/// while the same words on another day are a new update.
pub fn idempotency_key(alliance_id: &Uuid, project: &Uuid, day: NaiveDate, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"pcref-partner project update v1\n");
    hasher.update(alliance_id.as_hyphenated().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(project.as_hyphenated().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(day.to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("pcref-partner-update-v1-{hex}")
}

/// How many keys of the chain a run tries before it reports a remembered refusal as it is.
const CHAIN_LINKS: u32 = 32;

/// The key of link `n` (from 1) of the chain starting at `base`.
fn chain_key(base: &str, n: u32) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}.{n}")
    }
}

/// `projects update`: `POST /projects/{id}/updates` (again under the next key of the chain
/// while the hub replays a refusal). Exit 0 when the hub holds the update (now or from an
/// earlier run), 1 when the hub refused it (its reasons on stderr), 2 when nothing could be
/// done.
pub async fn update(api: &Api, update: &Update, as_json: bool) -> ExitCode {
    let body = match update.body() {
        Ok(body) => body,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(EXIT_ROWS_FAILED);
        }
    };
    let day = update
        .reported_on
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let base = idempotency_key(&api.alliance_id, &update.project, day, &body);
    let path = format!("/projects/{}/updates", update.project);
    // The hub remembers refusals under a key as well as successes. A refusal created nothing,
    // so when the first key's answer is a remembered refusal (the partner had not accepted
    // yet, say), the request goes again under the next key of a chain derived from the first:
    // a later run walks the same chain and finds the update if one link posted it.
    let mut link = 1;
    let answer = loop {
        let key = chain_key(&base, link);
        match api.post(&path, &body, &key).await {
            Ok(answer)
                if answer.replayed && answer.status.is_client_error() && link < CHAIN_LINKS =>
            {
                link += 1;
            }
            Ok(answer) => break answer,
            Err(e @ (SendError::Unreachable(_) | SendError::Credentials(_))) => {
                eprintln!("pcref-partner: {e}");
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    };
    if !answer.status.is_success() {
        let problem = answer.problem();
        if answer.status == reqwest::StatusCode::NOT_FOUND {
            eprintln!(
                "pcref-partner: project {} was not found, or it is not of your organisation's alliance: {}",
                update.project,
                answer.describe()
            );
        } else if problem.errors.is_empty() || answer.missing_scope.is_some() {
            eprintln!(
                "pcref-partner: the hub refused the update: {}",
                answer.describe()
            );
        } else {
            for e in &problem.errors {
                eprintln!("{}: {}", e.field, e.message);
            }
            eprintln!(
                "pcref-partner: the hub refused the update (HTTP {})",
                answer.status.as_u16()
            );
        }
        return ExitCode::from(EXIT_ROWS_FAILED);
    }
    let posted = &answer.body;
    if as_json {
        let out = json!({
            "outcome": if answer.replayed { "already_posted" } else { "posted" },
            "update": posted,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    let what = if answer.replayed {
        "already posted"
    } else {
        "posted"
    };
    let moved = match (posted["phase_from"].as_str(), posted["phase"].as_str()) {
        (Some(from), Some(to)) if from != to => format!(", phase {from} -> {to}"),
        (None, Some(to)) => format!(", phase {to}"),
        _ => String::new(),
    };
    let redacted: Vec<String> = posted["redaction_report"]["redactions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["kind"].as_str().map(str::to_owned))
        .collect();
    let redacted = if redacted.is_empty() {
        String::new()
    } else {
        format!(" (redacted: {})", redacted.join(", "))
    };
    println!(
        "{what} update {} to project {}: {} for {}, reported on {}{moved}{redacted}",
        text(&posted["id"]),
        text(&posted["project_id"]),
        text(&posted["rag"]),
        text(&posted["period"]),
        text(&posted["reported_on"]),
    );
    // The narrative as the hub stored it (redacted), indented.
    for said in text(&posted["narrative"]).lines() {
        println!("    {said}");
    }
    ExitCode::SUCCESS
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> Update {
        Update {
            project: Uuid::parse_str("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").expect("uuid"),
            rag: Rag::Amber,
            narrative: "Three listening circles held".to_owned(),
            phase: None,
            reported_on: None,
        }
    }

    #[test]
    fn the_body_names_only_what_was_given() {
        let body: Value = serde_json::from_slice(&update().body().expect("valid")).expect("json");
        assert_eq!(
            body,
            json!({"rag": "amber", "narrative": "Three listening circles held"})
        );
        let full = Update {
            phase: Some(Phase::AnalysisAndInterpretation),
            reported_on: NaiveDate::from_ymd_opt(2026, 11, 30),
            ..update()
        };
        let body: Value = serde_json::from_slice(&full.body().expect("valid")).expect("json");
        assert_eq!(body["phase"], json!("analysis_and_interpretation"));
        assert_eq!(body["reported_on"], json!("2026-11-30"));
    }

    #[test]
    fn an_empty_or_overlong_narrative_is_refused_here() {
        let empty = Update {
            narrative: "  \n".to_owned(),
            ..update()
        };
        assert!(empty.body().is_err_and(|e| e.starts_with("narrative: ")));
        let long = Update {
            narrative: "é".repeat(NARRATIVE_MAX + 1),
            ..update()
        };
        assert!(long.body().is_err_and(|e| e.contains("5000")));
        let longest = Update {
            narrative: "é".repeat(NARRATIVE_MAX),
            ..update()
        };
        assert!(longest.body().is_ok(), "characters, not bytes");
    }

    #[test]
    fn the_key_follows_the_project_the_day_and_the_body() {
        let alliance = Uuid::parse_str("0193a1b2-0000-7000-8000-000000000001").expect("uuid");
        let u = update();
        let body = u.body().expect("valid");
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        let key = idempotency_key(&alliance, &u.project, day, &body);
        assert_eq!(key, idempotency_key(&alliance, &u.project, day, &body));
        assert_ne!(
            key,
            idempotency_key(&alliance, &u.project, day.succ_opt().expect("date"), &body)
        );
        assert_ne!(key, idempotency_key(&alliance, &Uuid::now_v7(), day, &body));
        assert_ne!(key, idempotency_key(&alliance, &u.project, day, b"{}"));
        assert!(key.starts_with("pcref-partner-update-v1-") && key.len() == 24 + 64);
        assert!(key.bytes().all(|b| b.is_ascii_graphic()));
        assert_eq!(chain_key(&key, 1), key);
        assert_eq!(chain_key(&key, 2), format!("{key}.2"));
        assert!(chain_key(&key, CHAIN_LINKS).len() <= 255);
    }
}
