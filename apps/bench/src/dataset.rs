//! The national-scale dataset: alliances, providers and VCSE partners with one bench user
//! each (and a personal access token), action plans with priorities, goals, actions and
//! progress updates, published versions of some plans, feedback items with their loop, and
//! joint projects with participants, phases, milestones and updates. Deterministic for a
//! seed; dates over 2025–2026, up to [`AS_OF`].

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use pcref_auth::SecretKind;
use pcref_domain::{
    ActionStatus, Competency, EthnicCategory, Name, Pillar, PublishedAction, PublishedDocument,
    PublishedGoal, PublishedPriority, PublishedUpdate, Tags,
};

use crate::manifest::{AllianceEntry, Manifest, PartnerEntry, ProviderEntry};
use crate::rng::{distribute, Rng};
use crate::sql::{Loader, Row};
use crate::vocab::*;

/// The day the dataset is "as of": nothing in it is later.
pub fn as_of() -> NaiveDate {
    day(2026, 11, 30)
}

fn earliest() -> NaiveDate {
    day(2025, 1, 1)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The id of the template built into the platform (migration 000003).
const BUILT_IN_TEMPLATE: &str = "00000000-0000-7000-8000-000000000001";
const BUILT_IN_TEMPLATE_NAME: &str = "PCREF action-planning tool (four stages)";

/// How many of everything.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub factor: f64,
    pub alliances: usize,
    pub providers: usize,
    pub vcse: usize,
    pub plans: usize,
    pub actions: usize,
    pub updates: usize,
    pub feedback: usize,
    pub projects: usize,
    /// Share of active or closed plans that are published.
    pub publish_share: f64,
}

impl Scale {
    /// 1.0 is the national scale of issue 7: 7 alliances, 54 providers, 150 VCSE partners,
    /// 2,000 plans, 40,000 actions, 200,000 progress updates, 20,000 feedback items and 500
    /// joint projects. Smaller factors keep 7 alliances and at least one of each.
    pub fn new(factor: f64) -> Scale {
        let of = |n: f64, min: usize| ((n * factor).round() as usize).max(min);
        let providers = of(54.0, 7);
        let plans = of(2000.0, providers);
        let actions = of(40_000.0, plans);
        Scale {
            factor,
            alliances: ALLIANCES.len(),
            providers,
            vcse: of(150.0, 7),
            plans,
            actions,
            updates: of(200_000.0, actions),
            feedback: of(20_000.0, 7),
            projects: of(500.0, 7),
            publish_share: 0.2,
        }
    }
}

/// Every table the generator writes, parents first, with its columns in the order rows give
/// them.
pub const TABLES: &[(&str, &[&str])] = &[
    (
        "alliances",
        &[
            "id",
            "name",
            "name_key",
            "version",
            "created_at",
            "updated_at",
            "reporting_cycle_days",
        ],
    ),
    (
        "organisations",
        &[
            "id",
            "alliance_id",
            "name",
            "name_key",
            "kind",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "users",
        &["id", "email", "display_name", "created_at", "updated_at"],
    ),
    (
        "memberships",
        &[
            "id",
            "user_id",
            "alliance_id",
            "organisation_id",
            "role",
            "status",
            "version",
            "created_at",
            "updated_at",
            "invited_display_name",
        ],
    ),
    (
        "access_tokens",
        &[
            "id",
            "user_id",
            "name",
            "token_hash",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ],
    ),
    (
        "plans",
        &[
            "id",
            "organisation_id",
            "alliance_id",
            "title",
            "service",
            "owner_user_id",
            "status",
            "period_starts_on",
            "period_ends_on",
            "template_id",
            "template_name",
            "guidance",
            "version",
            "created_at",
            "updated_at",
            "deleted_at",
        ],
    ),
    (
        "priorities",
        &[
            "id",
            "plan_id",
            "statement",
            "service_area",
            "evidence",
            "communities_consulted",
            "consultation_notes",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    ("priority_ethnic_categories", &["priority_id", "code"]),
    (
        "goals",
        &[
            "id",
            "plan_id",
            "statement",
            "measure",
            "baseline",
            "target",
            "deadline",
            "pillar",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    ("goal_competencies", &["goal_id", "competency"]),
    (
        "actions",
        &[
            "id",
            "plan_id",
            "priority_id",
            "description",
            "measure",
            "expected_outcome",
            "starts_on",
            "ends_on",
            "lead_name",
            "lead_role",
            "cost_implications",
            "status",
            "last_update_on",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "progress_updates",
        &[
            "id",
            "action_id",
            "plan_id",
            "reported_on",
            "status",
            "rag",
            "narrative",
            "evidence_url",
            "author_user_id",
            "created_at",
        ],
    ),
    (
        "publications",
        &[
            "id",
            "series_id",
            "version",
            "alliance_id",
            "organisation_id",
            "plan_id",
            "attribution",
            "title",
            "document",
            "search_text",
            "tags",
            "is_current",
            "published_by",
            "published_at",
            "withdrawn_at",
        ],
    ),
    (
        "feedback_items",
        &[
            "id",
            "alliance_id",
            "submitted_by_organisation_id",
            "submitted_by",
            "submitted_by_client",
            "about_organisation_id",
            "theme",
            "tags",
            "channel",
            "summary",
            "received_on",
            "status",
            "submitted_at",
            "acknowledged_at",
            "first_responded_at",
            "closed_at",
        ],
    ),
    (
        "feedback_responses",
        &[
            "id",
            "feedback_id",
            "text",
            "publication_id",
            "action_id",
            "action_title",
            "responded_by",
            "responded_by_client",
            "responded_at",
        ],
    ),
    (
        "projects",
        &[
            "id",
            "alliance_id",
            "title",
            "lead_organisation_id",
            "tags",
            "phase",
            "phase_entered_on",
            "starts_on",
            "ends_on",
            "rag",
            "last_update_on",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "project_aims",
        &[
            "project_id",
            "statement",
            "measure",
            "baseline",
            "target",
            "deadline",
        ],
    ),
    (
        "project_participants",
        &[
            "project_id",
            "organisation_id",
            "status",
            "invited_at",
            "responded_at",
        ],
    ),
    (
        "project_phases",
        &["id", "project_id", "phase", "entered_on"],
    ),
    (
        "project_milestones",
        &[
            "id",
            "project_id",
            "title",
            "due_on",
            "owner_organisation_id",
            "done_on",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "project_updates",
        &[
            "id",
            "project_id",
            "organisation_id",
            "author_user",
            "author_client",
            "reported_on",
            "rag",
            "narrative",
            "phase_from",
            "phase",
            "created_at",
        ],
    ),
];

/// Sizes of `total` split by `weights`, each at least 1 when `total` allows (largest
/// remainders).
fn split(total: usize, weights: &[u32]) -> Vec<usize> {
    let sum: u32 = weights.iter().sum();
    let n = weights.len();
    let floor_min = usize::from(total >= n);
    let spare = total - floor_min * n;
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| spare as f64 * f64::from(*w) / f64::from(sum))
        .collect();
    let mut sizes: Vec<usize> = exact.iter().map(|e| floor_min + *e as usize).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let mut i = 0;
    while sizes.iter().sum::<usize>() < total {
        sizes[order[i % n]] += 1;
        i += 1;
    }
    sizes
}

/// A time on `date` during the working day, to the microsecond.
fn at(rng: &mut Rng, date: NaiveDate) -> NaiveDateTime {
    let secs = rng.range(8 * 3600, 18 * 3600) as u32;
    let micros = rng.range(0, 999_999) as u32;
    date.and_time(
        NaiveTime::from_num_seconds_from_midnight_opt(secs, micros * 1000).unwrap_or_default(),
    )
}

fn between(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    if to <= from {
        return from;
    }
    from + Duration::days(rng.range(0, (to - from).num_days()))
}

/// A UUIDv7 for a record created at `t` (ids sort by creation, as the server's do).
fn id_at(rng: &mut Rng, t: NaiveDateTime) -> String {
    let millis = u64::try_from(t.and_utc().timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.bytes::<10>())
        .into_uuid()
        .to_string()
}

fn random_uuid(rng: &mut Rng) -> String {
    uuid::Builder::from_random_bytes(rng.bytes::<16>())
        .into_uuid()
        .to_string()
}

/// A personal access token as the server issues them (prefix + 43 characters of unpadded
/// base64url), from the generator's stream, and the hash the server looks it up by.
fn token(rng: &mut Rng) -> anyhow::Result<(String, String)> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = rng.bytes::<32>();
    let mut body = String::with_capacity(43);
    let mut bits: u32 = 0;
    let mut nbits = 0;
    for b in bytes {
        bits = (bits << 8) | u32::from(b);
        nbits += 8;
        while nbits >= 6 {
            nbits -= 6;
            body.push(ALPHABET[((bits >> nbits) & 63) as usize] as char);
        }
    }
    if nbits > 0 {
        body.push(ALPHABET[((bits << (6 - nbits)) & 63) as usize] as char);
    }
    let secret = format!("{}{body}", SecretKind::PersonalAccessToken.prefix());
    let hash = pcref_auth::lookup_hash(SecretKind::PersonalAccessToken, &secret)
        .ok_or_else(|| anyhow::anyhow!("generated token is not well formed"))?;
    Ok((secret, hash))
}

fn fill(template: &str, group: &str, people: &str, service: &str) -> String {
    template
        .replace("{g}", group)
        .replace("{p}", people)
        .replace("{s}", &service.to_lowercase())
}

fn person(rng: &mut Rng) -> (String, String) {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    (
        format!("{first} {last}"),
        format!("{first}.{last}").to_lowercase().replace('\'', ""),
    )
}

fn name_key(name: &str) -> anyhow::Result<String> {
    Ok(Name::parse(name)
        .map_err(|e| anyhow::anyhow!("generated name {name:?}: {}", e.message))?
        .key())
}

fn tags_text(codes: &[&str], competencies: &[&str], pillars: &[&str]) -> String {
    Tags {
        ethnic_categories: codes
            .iter()
            .filter_map(|c| c.parse::<EthnicCategory>().ok())
            .collect(),
        competencies: competencies
            .iter()
            .filter_map(|c| c.parse::<Competency>().ok())
            .collect(),
        pillars: pillars
            .iter()
            .filter_map(|p| p.parse::<Pillar>().ok())
            .collect(),
        categories: Vec::new(),
    }
    .normalised()
    .to_text()
}

fn ethnic_codes(rng: &mut Rng, max: usize) -> Vec<&'static str> {
    let n = rng.range(1, max as i64) as usize;
    let mut codes: Vec<&'static str> = Vec::new();
    while codes.len() < n {
        let c = rng.weighted(ETHNIC_CODES, ETHNIC_WEIGHTS);
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    codes
}

fn competencies(rng: &mut Rng, max: usize) -> Vec<&'static str> {
    let all: Vec<&'static str> = Competency::ALL.iter().map(|c| c.as_str()).collect();
    let n = rng.range(1, max as i64) as usize;
    rng.sample(all.len(), n)
        .into_iter()
        .map(|i| all[i])
        .collect()
}

fn pillar(rng: &mut Rng) -> &'static str {
    rng.pick(Pillar::ALL).as_str()
}

fn rag_for(rng: &mut Rng, status: &str) -> &'static str {
    match status {
        "on_track" | "complete" if rng.chance(0.9) => "green",
        "on_track" | "complete" | "at_risk" | "dropped" | "not_started" => "amber",
        _ => "red",
    }
}

/// The generator's view of an organisation and its bench user.
struct Org {
    id: String,
    alliance: usize,
    provider: bool,
    user_id: String,
    token: String,
    plans: Vec<String>,
    actions: Vec<String>,
}

struct Priority {
    id: String,
    statement: String,
    codes: Vec<&'static str>,
    service_area: Option<String>,
    evidence: String,
    consulted: bool,
    notes: Option<&'static str>,
}

struct Goal {
    id: String,
    statement: &'static str,
    measure: &'static str,
    baseline: String,
    target: String,
    deadline: NaiveDate,
    competencies: Vec<&'static str>,
    pillar: &'static str,
}

struct Update {
    on: NaiveDate,
    status: &'static str,
    rag: &'static str,
    narrative: &'static str,
}

struct Action {
    id: String,
    priority: usize,
    description: String,
    measure: &'static str,
    outcome: &'static str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    lead_role: &'static str,
    cost: &'static str,
    updates: Vec<Update>,
}

struct PlanParts {
    title: String,
    service: &'static str,
    status: &'static str,
    period: (NaiveDate, NaiveDate),
    priorities: Vec<Priority>,
    goals: Vec<Goal>,
    actions: Vec<Action>,
}

/// The plan as the alliance saw it when published on `on`: the latest update of each action
/// by then (the generated texts hold no person's name, so nothing needs redacting).
fn published_document(
    rng: &mut Rng,
    plan: &PlanParts,
    on: NaiveDate,
    exception: Option<&str>,
) -> PublishedDocument {
    let priorities = plan
        .priorities
        .iter()
        .enumerate()
        .map(|(i, p)| PublishedPriority {
            id: random_uuid(rng),
            statement: p.statement.clone(),
            ethnic_categories: p.codes.iter().map(|c| (*c).to_owned()).collect(),
            service_area: p.service_area.clone(),
            evidence: Some(p.evidence.clone()),
            communities_consulted: p.consulted,
            consultation_notes: p.notes.map(str::to_owned),
            actions: plan
                .actions
                .iter()
                .filter(|a| a.priority == i)
                .map(|a| {
                    let latest = a.updates.iter().rev().find(|u| u.on <= on);
                    let status = latest.map_or("not_started", |u| u.status);
                    PublishedAction {
                        id: random_uuid(rng),
                        description: a.description.clone(),
                        measure: Some(a.measure.to_owned()),
                        expected_outcome: Some(a.outcome.to_owned()),
                        starts_on: Some(a.starts_on),
                        ends_on: Some(a.ends_on),
                        lead_role: Some(a.lead_role.to_owned()),
                        cost_implications: Some(a.cost.to_owned()),
                        status: status.to_owned(),
                        overdue: a.ends_on < on && !matches!(status, "complete" | "dropped"),
                        latest_update: latest.map(|u| PublishedUpdate {
                            reported_on: u.on,
                            status: u.status.to_owned(),
                            rag: u.rag.to_owned(),
                            narrative: u.narrative.to_owned(),
                        }),
                    }
                })
                .collect(),
        })
        .collect();
    let goals = plan
        .goals
        .iter()
        .map(|g| PublishedGoal {
            id: random_uuid(rng),
            statement: g.statement.to_owned(),
            measure: g.measure.to_owned(),
            baseline: Some(g.baseline.clone()),
            target: g.target.clone(),
            deadline: Some(g.deadline),
            competencies: g.competencies.iter().map(|c| (*c).to_owned()).collect(),
            pillar: g.pillar.to_owned(),
        })
        .collect();
    PublishedDocument {
        title: plan.title.clone(),
        service: plan.service.to_owned(),
        status: plan.status.to_owned(),
        period_starts_on: Some(plan.period.0),
        period_ends_on: Some(plan.period.1),
        consultation_exception: exception.map(str::to_owned),
        priorities,
        goals,
        as_of: on,
    }
}

/// What generation produced, for the manifest.
pub struct Output {
    pub alliances: Vec<AllianceEntry>,
    pub providers: Vec<ProviderEntry>,
    pub partners: Vec<PartnerEntry>,
}

/// Writes the dataset through `loader` (the caller owns the transaction).
pub fn generate(loader: &mut Loader<'_>, seed: u64, scale: &Scale) -> anyhow::Result<Output> {
    let root = Rng::new(seed);
    let mut rng = root.fork(1);
    let start = at(&mut rng, day(2024, 12, 2));

    // ---- alliances, organisations, people, tokens ---------------------------------------
    let providers_per = split(scale.providers, PROVIDER_WEIGHTS);
    let vcse_weights: Vec<u32> = providers_per.iter().map(|p| *p as u32 * 3 + 4).collect();
    let vcse_per = split(scale.vcse, &vcse_weights);
    let mut alliances: Vec<AllianceEntry> = Vec::new();
    let mut alliance_admins: Vec<String> = Vec::new();
    let mut orgs: Vec<Org> = Vec::new();
    let mut used_names: Vec<String> = Vec::new();
    let mut user_n = 0usize;
    let mut add_user = |loader: &mut Loader<'_>,
                        rng: &mut Rng,
                        alliance_id: &str,
                        org_id: Option<&str>,
                        role: &str,
                        domain: &str|
     -> anyhow::Result<(String, String)> {
        user_n += 1;
        let created = start + Duration::minutes(user_n as i64);
        let user_id = id_at(rng, created);
        let (display, local) = person(rng);
        let email = format!("{local}.{user_n}@{domain}");
        loader.row("users", |r| {
            r.text(&user_id)
                .text(&email)
                .text(&display)
                .ts(created)
                .ts(created);
        })?;
        let membership = id_at(rng, created);
        loader.row("memberships", |r| {
            r.text(&membership)
                .text(&user_id)
                .text(alliance_id)
                .opt_text(org_id)
                .text(role)
                .text("active")
                .int(1)
                .ts(created)
                .ts(created)
                .null();
        })?;
        let (secret, hash) = token(rng)?;
        let token_id = id_at(rng, created);
        loader.row("access_tokens", |r| {
            r.text(&token_id)
                .text(&user_id)
                .text("hub-bench")
                .text(&hash)
                .ts(created)
                .ts(day(2036, 1, 1).and_time(NaiveTime::MIN))
                .null()
                .null();
        })?;
        Ok((user_id, secret))
    };
    for (a, name) in ALLIANCES.iter().enumerate().take(scale.alliances) {
        let created = start + Duration::hours(a as i64);
        let id = id_at(&mut rng, created);
        loader.row("alliances", |r| {
            r.text(&id)
                .text(name)
                .text(&name_key(name).unwrap_or_default())
                .int(1)
                .ts(created)
                .ts(created)
                .int(90);
        })?;
        let slug = format!("alliance{}.example", a + 1);
        let (admin_id, admin_token) =
            add_user(loader, &mut rng, &id, None, "alliance_admin", &slug)?;
        let (_, board_token) = add_user(loader, &mut rng, &id, None, "board_member", &slug)?;
        alliance_admins.push(admin_id);
        for (kind_provider, count) in [(true, providers_per[a]), (false, vcse_per[a])] {
            for _ in 0..count {
                let name = loop {
                    let place = rng.pick(PLACES);
                    let name = if kind_provider {
                        format!("{place} {}", rng.pick(PROVIDER_KINDS))
                    } else {
                        format!("{place} {}", rng.pick(VCSE_KINDS))
                    };
                    let name = if used_names.contains(&name) {
                        format!("{name} ({})", used_names.len() + 1)
                    } else {
                        name
                    };
                    if !used_names.contains(&name) {
                        break name;
                    }
                };
                used_names.push(name.clone());
                let org_created = created + Duration::days(rng.range(1, 20));
                let org_id = id_at(&mut rng, org_created);
                loader.row("organisations", |r| {
                    r.text(&org_id)
                        .text(&id)
                        .text(&name)
                        .text(&name_key(&name).unwrap_or_default())
                        .text(if kind_provider { "provider" } else { "vcse" })
                        .int(1)
                        .ts(org_created)
                        .ts(org_created);
                })?;
                let n = orgs.len() + 1;
                let (role, domain) = if kind_provider {
                    ("provider_editor", format!("trust{n}.nhs.example"))
                } else {
                    ("vcse_partner", format!("partner{n}.org.example"))
                };
                let (user_id, token) =
                    add_user(loader, &mut rng, &id, Some(&org_id), role, &domain)?;
                orgs.push(Org {
                    id: org_id,
                    alliance: a,
                    provider: kind_provider,
                    user_id,
                    token,
                    plans: Vec::new(),
                    actions: Vec::new(),
                });
            }
        }
        alliances.push(AllianceEntry {
            id,
            name: (*name).to_owned(),
            providers: providers_per[a],
            vcse: vcse_per[a],
            plans: 0,
            admin_token,
            board_token,
        });
    }
    let providers: Vec<usize> = (0..orgs.len()).filter(|&i| orgs[i].provider).collect();

    // ---- plans, their stages and progress ------------------------------------------------
    let guidance = serde_json::json!([
        {"stage": 1, "title": "Identify priority areas", "prompts": ["Name the specific ethnic groups affected, as NHS ethnic categories."]},
        {"stage": 2, "title": "Set goals", "prompts": ["What will change, for whom, and by when?"]},
        {"stage": 3, "title": "Implementation", "prompts": ["List the actions required for each priority area."]},
        {"stage": 4, "title": "Monitor and evaluate", "prompts": ["Post a dated progress update on each action every reporting cycle."]}
    ])
    .to_string();
    let mut rng = root.fork(2);
    // Bigger trusts have more plans: around the average, from half of it to one and a half.
    let avg = scale.plans / providers.len().max(1);
    let mut plans_per = distribute(
        &mut rng,
        scale.plans,
        providers.len(),
        (avg / 2).max(1),
        (avg * 3 / 2).max(1),
    );
    if plans_per.iter().sum::<usize>() != scale.plans {
        plans_per = distribute(&mut rng, scale.plans, providers.len(), 1, scale.plans);
    }
    let actions_per = distribute(&mut rng, scale.actions, scale.plans, 5, 35);
    let updates_per = distribute(&mut rng, scale.updates, scale.actions, 0, 10);
    let mut plan_n = 0usize;
    let mut action_n = 0usize;
    for (pi, &org_index) in providers.iter().enumerate() {
        for _ in 0..plans_per[pi] {
            let mut prng = root.fork(1_000_000 + plan_n as u64);
            let n_actions = actions_per[plan_n];
            let alliance_id = alliances[orgs[org_index].alliance].id.clone();
            let parts = generate_plan(
                loader,
                &mut prng,
                &mut orgs[org_index],
                &guidance,
                &alliance_id,
                &updates_per[action_n..action_n + n_actions],
            )?;
            alliances[orgs[org_index].alliance].plans += 1;
            publish(
                loader,
                &mut prng,
                &orgs[org_index],
                &alliances,
                &parts,
                scale,
            )?;
            plan_n += 1;
            action_n += n_actions;
        }
    }

    // ---- feedback ------------------------------------------------------------------------
    let mut rng = root.fork(3);
    let weights: Vec<u32> = vcse_per.iter().map(|v| *v as u32).collect();
    let feedback_per = split(scale.feedback, &weights);
    for (a, &count) in feedback_per.iter().enumerate() {
        let in_alliance: Vec<usize> = (0..orgs.len()).filter(|&i| orgs[i].alliance == a).collect();
        let its_providers: Vec<usize> = in_alliance
            .iter()
            .copied()
            .filter(|&i| orgs[i].provider)
            .collect();
        let its_vcse: Vec<usize> = in_alliance
            .iter()
            .copied()
            .filter(|&i| !orgs[i].provider)
            .collect();
        for _ in 0..count {
            feedback_item(
                loader,
                &mut rng,
                &orgs,
                &alliances[a].id,
                &alliance_admins[a],
                &its_providers,
                &its_vcse,
            )?;
        }
    }

    // ---- joint projects ------------------------------------------------------------------
    let mut rng = root.fork(4);
    let weights: Vec<u32> = (0..alliances.len())
        .map(|a| (providers_per[a] + vcse_per[a]) as u32)
        .collect();
    let projects_per = split(scale.projects, &weights);
    for (a, &count) in projects_per.iter().enumerate() {
        let members: Vec<usize> = (0..orgs.len()).filter(|&i| orgs[i].alliance == a).collect();
        for _ in 0..count {
            project(loader, &mut rng, &orgs, &alliances[a].id, &members)?;
        }
    }
    loader.flush()?;

    let providers = providers
        .iter()
        .map(|&i| {
            let o = &orgs[i];
            ProviderEntry {
                id: o.id.clone(),
                alliance: o.alliance,
                editor_token: o.token.clone(),
                plans: o.plans.clone(),
                actions: o.actions.clone(),
            }
        })
        .collect();
    let partners = orgs
        .iter()
        .filter(|o| !o.provider)
        .map(|o| PartnerEntry {
            id: o.id.clone(),
            alliance: o.alliance,
            token: o.token.clone(),
        })
        .collect();
    Ok(Output {
        alliances,
        providers,
        partners,
    })
}

/// Actions of a provider kept in the manifest for the write scenario.
const ACTIONS_IN_MANIFEST: usize = 200;

fn generate_plan(
    loader: &mut Loader<'_>,
    rng: &mut Rng,
    org: &mut Org,
    guidance: &str,
    alliance_id: &str,
    updates_per: &[usize],
) -> anyhow::Result<PlanParts> {
    let created_on = between(rng, earliest(), day(2026, 6, 30));
    let created = at(rng, created_on);
    let id = id_at(rng, created);
    let service = rng.pick(SERVICES);
    let fy = if created_on < day(2025, 10, 1) {
        2025
    } else {
        2026
    };
    let period = (day(fy, 4, 1), day(fy + 1, 3, 31));
    let title = format!("PCREF action plan {fy}/{}: {service}", (fy + 1) % 100);
    let status = rng.weighted(&["active", "draft", "closed"], &[75, 15, 10]);
    let n_actions = updates_per.len();
    let mut version = 1i64;

    let mut priorities = Vec::new();
    for _ in 0..rng.range(1, 4) {
        let codes = ethnic_codes(rng, 3);
        let group = codes
            .iter()
            .map(|c| group_phrase(c))
            .collect::<Vec<_>>()
            .join(" and ");
        let statement = fill(
            rng.pick(PRIORITY_STATEMENTS),
            &group,
            rng.pick(PEOPLE),
            service,
        );
        let x = format!("{}.{}", rng.range(1, 4), rng.range(0, 9));
        let consulted = rng.chance(0.85);
        priorities.push(Priority {
            id: id_at(rng, created),
            statement,
            codes,
            service_area: rng.chance(0.6).then(|| service.to_owned()),
            evidence: rng.pick(EVIDENCE).replace("{x}", &x),
            consulted,
            notes: consulted.then(|| rng.pick(CONSULTATION_NOTES)),
        });
    }
    let mut goals = Vec::new();
    for _ in 0..rng.range(1, 4) {
        let (statement, measure) = rng.pick(GOALS);
        let baseline = rng.range(10, 90);
        goals.push(Goal {
            id: id_at(rng, created),
            statement,
            measure,
            baseline: baseline.to_string(),
            target: (baseline * rng.range(50, 90) / 100).to_string(),
            deadline: period.1,
            competencies: competencies(rng, 3),
            pillar: pillar(rng),
        });
    }
    let mut actions = Vec::new();
    for &n_updates in updates_per.iter().take(n_actions) {
        let priority = rng.below(priorities.len());
        let group = group_phrase(priorities[priority].codes[0]);
        let starts_on = between(rng, created_on, created_on + Duration::days(120));
        let ends_on = starts_on + Duration::days(rng.range(90, 540));
        let last_day = (ends_on + Duration::days(60)).min(as_of());
        let mut dates: Vec<NaiveDate> = (0..n_updates)
            .map(|_| between(rng, starts_on, last_day))
            .collect();
        dates.sort_unstable();
        let mut updates = Vec::with_capacity(n_updates);
        for (k, on) in dates.into_iter().enumerate() {
            let last = k + 1 == n_updates;
            let status = if last && ends_on < as_of() && rng.chance(0.55) {
                "complete"
            } else if last && rng.chance(0.03) {
                "dropped"
            } else {
                rng.weighted(&["on_track", "at_risk", "off_track"], &[65, 25, 10])
            };
            updates.push(Update {
                on,
                status,
                rag: rag_for(rng, status),
                narrative: rng.pick(NARRATIVES),
            });
        }
        actions.push(Action {
            id: id_at(rng, created + Duration::minutes(5)),
            priority,
            description: fill(rng.pick(ACTIONS), group, "", service),
            measure: rng.pick(MEASURES),
            outcome: rng.pick(OUTCOMES),
            starts_on,
            ends_on,
            lead_role: rng.pick(LEAD_ROLES),
            cost: rng.pick(COSTS),
            updates,
        });
    }
    version += (priorities.len() + goals.len()) as i64;

    loader.row("plans", |r| {
        r.text(&id)
            .text(&org.id)
            .text(alliance_id)
            .text(&title)
            .text(service)
            .text(&org.user_id)
            .text(status)
            .date(period.0)
            .date(period.1)
            .text(BUILT_IN_TEMPLATE)
            .text(BUILT_IN_TEMPLATE_NAME)
            .text(guidance)
            .int(version)
            .ts(created)
            .ts(created + Duration::days(1))
            .null();
    })?;
    for p in &priorities {
        loader.row("priorities", |r| {
            r.text(&p.id)
                .text(&id)
                .text(&p.statement)
                .opt_text(p.service_area.as_deref())
                .text(&p.evidence)
                .bool(p.consulted)
                .opt_text(p.notes)
                .int(1)
                .ts(created)
                .ts(created);
        })?;
        for code in &p.codes {
            loader.row("priority_ethnic_categories", |r| {
                r.text(&p.id).text(code);
            })?;
        }
    }
    for g in &goals {
        loader.row("goals", |r| {
            r.text(&g.id)
                .text(&id)
                .text(g.statement)
                .text(g.measure)
                .text(&g.baseline)
                .text(&g.target)
                .date(g.deadline)
                .text(g.pillar)
                .int(1)
                .ts(created)
                .ts(created);
        })?;
        for c in &g.competencies {
            loader.row("goal_competencies", |r| {
                r.text(&g.id).text(c);
            })?;
        }
    }
    for a in &actions {
        let latest = a.updates.last();
        let status = latest.map_or(ActionStatus::NotStarted.as_str(), |u| u.status);
        let (lead, _) = person(rng);
        let action_created = created + Duration::minutes(5);
        loader.row("actions", |r| {
            r.text(&a.id)
                .text(&id)
                .text(&priorities[a.priority].id)
                .text(&a.description)
                .text(a.measure)
                .text(a.outcome)
                .date(a.starts_on)
                .date(a.ends_on)
                .text(&lead)
                .text(a.lead_role)
                .text(a.cost)
                .text(status)
                .opt_date(latest.map(|u| u.on))
                .int(1 + a.updates.len() as i64)
                .ts(action_created)
                .ts(latest.map_or(action_created, |u| at(rng, u.on).max(action_created)));
        })?;
        for u in &a.updates {
            let created_at = at(rng, u.on);
            let uid = id_at(rng, created_at);
            loader.row("progress_updates", |r| {
                r.text(&uid)
                    .text(&a.id)
                    .text(&id)
                    .date(u.on)
                    .text(u.status)
                    .text(u.rag)
                    .text(u.narrative)
                    .null()
                    .text(&org.user_id)
                    .ts(created_at);
            })?;
        }
        if org.actions.len() < ACTIONS_IN_MANIFEST {
            org.actions.push(a.id.clone());
        }
    }
    org.plans.push(id.clone());
    Ok(PlanParts {
        title,
        service,
        status,
        period,
        priorities,
        goals,
        actions,
    })
}

/// Publishes some active or closed plans: version 1, sometimes a version 2 later (which
/// becomes the current one), named or anonymous.
fn publish(
    loader: &mut Loader<'_>,
    rng: &mut Rng,
    org: &Org,
    alliances: &[AllianceEntry],
    plan: &PlanParts,
    scale: &Scale,
) -> anyhow::Result<()> {
    if plan.status == "draft" || !rng.chance(scale.publish_share / 0.85) {
        return Ok(());
    }
    let plan_id = org.plans.last().cloned().unwrap_or_default();
    let first_on = plan
        .actions
        .iter()
        .map(|a| a.starts_on)
        .min()
        .unwrap_or(as_of())
        + Duration::days(rng.range(30, 120));
    if first_on >= as_of() {
        return Ok(());
    }
    let attribution = if rng.chance(0.8) {
        "named"
    } else {
        "anonymous"
    };
    let series = random_uuid(rng);
    let exception = plan
        .priorities
        .iter()
        .any(|p| !p.consulted)
        .then_some("Consultation with the affected communities is booked for the next quarter; publishing now so that partners can comment.");
    let mut dates = vec![first_on];
    if rng.chance(0.25) {
        dates.push(between(rng, first_on + Duration::days(1), as_of()));
    }
    for (v, on) in dates.iter().enumerate() {
        let doc = published_document(rng, plan, *on, exception);
        let published_at = at(rng, *on);
        let id = id_at(rng, published_at);
        let document = serde_json::to_string(&doc)?;
        loader.row("publications", |r| {
            r.text(&id)
                .text(&series)
                .int(v as i64 + 1)
                .text(&alliances[org.alliance].id)
                .text(&org.id)
                .text(&plan_id)
                .text(attribution)
                .text(&doc.title)
                .text(&document)
                .text(&doc.search_text())
                .text(&doc.tags().to_text())
                .bool(v + 1 == dates.len())
                .text(&org.user_id)
                .ts(published_at)
                .null();
        })?;
    }
    Ok(())
}

fn feedback_item(
    loader: &mut Loader<'_>,
    rng: &mut Rng,
    orgs: &[Org],
    alliance_id: &str,
    alliance_admin: &str,
    providers: &[usize],
    vcse: &[usize],
) -> anyhow::Result<()> {
    let submitter = if rng.chance(0.8) && !vcse.is_empty() {
        &orgs[rng.pick(vcse)]
    } else {
        &orgs[rng.pick(providers)]
    };
    let about = rng.chance(0.85).then(|| &orgs[rng.pick(providers)]);
    let received_on = between(rng, earliest(), as_of() - Duration::days(1));
    let submitted_on = between(
        rng,
        received_on,
        (received_on + Duration::days(10)).min(as_of()),
    );
    let submitted_at = at(rng, submitted_on);
    let id = id_at(rng, submitted_at);
    let target = rng.weighted(
        &["received", "acknowledged", "responded", "closed"],
        &[15, 15, 30, 40],
    );
    let mut status = "received";
    let mut acknowledged_at = None;
    let mut responded_at = None;
    let mut closed_at = None;
    let limit = as_of().and_time(NaiveTime::MIN);
    let step = |rng: &mut Rng, from: NaiveDateTime, days: i64| {
        from + Duration::days(rng.range(1, days)) + Duration::minutes(rng.range(0, 600))
    };
    if target != "received" {
        let t = step(rng, submitted_at, 20);
        if t < limit {
            acknowledged_at = Some(t);
            status = "acknowledged";
        }
    }
    if let (Some(ack), "responded" | "closed") = (acknowledged_at, target) {
        let t = step(rng, ack, 40);
        if t < limit {
            responded_at = Some(t);
            status = "responded";
        }
    }
    if let (Some(resp), "closed") = (responded_at, target) {
        let t = step(rng, resp, 30);
        if t < limit {
            closed_at = Some(t);
            status = "closed";
        }
    }
    let codes = ethnic_codes(rng, 2);
    let channel = rng.pick(&[
        "community_event",
        "survey",
        "focus_group",
        "outreach_conversation",
        "online",
        "phone",
        "letter_or_email",
        "other",
    ]);
    loader.row("feedback_items", |r: &mut Row<'_>| {
        r.text(&id)
            .text(alliance_id)
            .text(&submitter.id)
            .text(&submitter.user_id)
            .null()
            .opt_text(about.map(|o| o.id.as_str()))
            .text(rng.pick(FEEDBACK_THEMES))
            .text(&tags_text(&codes, &[], &[]))
            .text(channel)
            .text(rng.pick(FEEDBACK_SUMMARIES))
            .date(received_on)
            .text(status)
            .ts(submitted_at)
            .opt_ts(acknowledged_at)
            .opt_ts(responded_at)
            .opt_ts(closed_at);
    })?;
    if let Some(first) = responded_at {
        let responder = about.map_or(alliance_admin, |o| o.user_id.as_str());
        let mut times = vec![first];
        if rng.chance(0.3) {
            let later = step(rng, first, 20);
            if later < closed_at.unwrap_or(limit) {
                times.push(later);
            }
        }
        for t in times {
            let rid = id_at(rng, t);
            loader.row("feedback_responses", |r| {
                r.text(&rid)
                    .text(&id)
                    .text(rng.pick(RESPONSES))
                    .null()
                    .null()
                    .null()
                    .text(responder)
                    .null()
                    .ts(t);
            })?;
        }
    }
    Ok(())
}

const PHASES: &[&str] = &[
    "intelligence_gathering",
    "analysis_and_interpretation",
    "defining_problems",
    "co_designing_solutions",
    "critical_actions",
];

fn project(
    loader: &mut Loader<'_>,
    rng: &mut Rng,
    orgs: &[Org],
    alliance_id: &str,
    members: &[usize],
) -> anyhow::Result<()> {
    let lead_choices: Vec<usize> = if rng.chance(0.7) {
        members
            .iter()
            .copied()
            .filter(|&i| orgs[i].provider)
            .collect()
    } else {
        members
            .iter()
            .copied()
            .filter(|&i| !orgs[i].provider)
            .collect()
    };
    let lead = rng.pick(if lead_choices.is_empty() {
        members
    } else {
        &lead_choices
    });
    let starts_on = between(rng, earliest(), day(2026, 9, 30));
    let ends_on = starts_on + Duration::days(rng.range(180, 720));
    let created_on = starts_on - Duration::days(rng.range(7, 60));
    let created = at(rng, created_on);
    let id = id_at(rng, created);
    let codes = ethnic_codes(rng, 2);
    let comps = competencies(rng, 3);
    let pil = pillar(rng);
    let title = fill(rng.pick(PROJECT_TITLES), group_phrase(codes[0]), "", "");

    // Phases: entered one after another from the start, never after AS_OF.
    let mut phases: Vec<(&str, NaiveDate)> = vec![(PHASES[0], starts_on)];
    let wanted = rng.range(0, 4) as usize;
    for phase in PHASES.iter().take(wanted + 1).skip(1) {
        let prev = phases.last().map_or(starts_on, |p| p.1);
        let next = prev + Duration::days(rng.range(30, 120));
        if next > as_of() {
            break;
        }
        phases.push((phase, next));
    }

    // Participants: the lead, accepted, and others of the alliance.
    let others: Vec<usize> = members.iter().copied().filter(|&i| i != lead).collect();
    let how_many = rng.range(1, 5) as usize;
    let invited = rng.sample(others.len(), how_many);
    let mut participants: Vec<(usize, &str)> = vec![(lead, "accepted")];
    for i in invited {
        participants.push((
            others[i],
            rng.weighted(&["accepted", "invited", "declined"], &[75, 15, 10]),
        ));
    }
    let accepted: Vec<usize> = participants
        .iter()
        .filter(|(_, s)| *s == "accepted")
        .map(|(o, _)| *o)
        .collect();

    let mut updates: Vec<(NaiveDate, usize, &str, &str)> = (0..rng.range(0, 8))
        .map(|_| {
            (
                between(rng, starts_on, as_of()),
                rng.pick(&accepted),
                rng.weighted(&["green", "amber", "red"], &[55, 35, 10]),
                rng.pick(PROJECT_NARRATIVES),
            )
        })
        .collect();
    updates.sort_by_key(|u| u.0);
    let latest = updates.last();
    let milestones = rng.range(2, 6);
    let (phase, phase_on) = *phases.last().unwrap_or(&(PHASES[0], starts_on));

    loader.row("projects", |r| {
        r.text(&id)
            .text(alliance_id)
            .text(&title)
            .text(&orgs[lead].id)
            .text(&tags_text(&codes, &comps, &[pil]))
            .text(phase)
            .date(phase_on)
            .date(starts_on)
            .date(ends_on)
            .opt_text(latest.map(|u| u.2))
            .opt_date(latest.map(|u| u.0))
            .int(1 + phases.len() as i64 + milestones)
            .ts(created)
            .ts(created);
    })?;
    let baseline = rng.range(5, 60);
    loader.row("project_aims", |r| {
        r.text(&id)
            .text(&format!(
                "{title}: a measurable change for the communities named by March 2027"
            ))
            .text(rng.pick(MEASURES))
            .text(&baseline.to_string())
            .text(&(baseline * 2).to_string())
            .date(ends_on);
    })?;
    for (org, status) in &participants {
        let responded = (*status != "invited").then(|| created + Duration::days(rng.range(1, 14)));
        loader.row("project_participants", |r| {
            r.text(&id)
                .text(&orgs[*org].id)
                .text(status)
                .ts(created)
                .opt_ts(responded);
        })?;
    }
    for (phase, on) in &phases {
        let t = at(rng, *on);
        let pid = id_at(rng, t);
        loader.row("project_phases", |r| {
            r.text(&pid).text(&id).text(phase).date(*on);
        })?;
    }
    for m in 0..milestones as usize {
        let due_on = between(rng, starts_on, ends_on);
        let done_on = (due_on < as_of() && rng.chance(0.7))
            .then(|| (due_on + Duration::days(rng.range(-20, 20))).clamp(starts_on, as_of()));
        let mid = id_at(rng, created);
        let owner = &orgs[rng.pick(&accepted)].id;
        loader.row("project_milestones", |r| {
            r.text(&mid)
                .text(&id)
                .text(MILESTONES[m % MILESTONES.len()])
                .date(due_on)
                .text(owner)
                .opt_date(done_on)
                .int(1 + i64::from(done_on.is_some()))
                .ts(created)
                .ts(created);
        })?;
    }
    for (on, org, rag, narrative) in &updates {
        let t = at(rng, *on);
        let uid = id_at(rng, t);
        loader.row("project_updates", |r| {
            r.text(&uid)
                .text(&id)
                .text(&orgs[*org].id)
                .text(&orgs[*org].user_id)
                .null()
                .date(*on)
                .text(rag)
                .text(narrative)
                .null()
                .null()
                .ts(t);
        })?;
    }
    Ok(())
}

/// The manifest for a generated dataset.
pub fn manifest(
    output: Output,
    database_url: &str,
    backend: &str,
    seed: u64,
    scale: &Scale,
    rows: BTreeMap<String, u64>,
) -> Manifest {
    Manifest {
        database_url: database_url.to_owned(),
        backend: backend.to_owned(),
        seed,
        scale: scale.factor,
        rows,
        generation: Default::default(),
        alliances: output.alliances,
        providers: output.providers,
        partners: output.partners,
        search_words: SEARCH_WORDS.iter().map(|w| (*w).to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_the_total_and_gives_everyone_one() {
        assert_eq!(split(54, PROVIDER_WEIGHTS).iter().sum::<usize>(), 54);
        assert!(split(7, PROVIDER_WEIGHTS).iter().all(|n| *n == 1));
        let s = Scale::new(1.0);
        assert_eq!((s.providers, s.vcse, s.plans), (54, 150, 2000));
        assert_eq!(
            (s.actions, s.updates, s.feedback, s.projects),
            (40_000, 200_000, 20_000, 500)
        );
    }

    #[test]
    fn tokens_have_the_servers_shape() {
        let mut rng = Rng::new(3);
        let (secret, hash) = token(&mut rng).expect("token");
        assert!(secret.starts_with("pcref_pat_"));
        assert_eq!(secret.len(), "pcref_pat_".len() + 43);
        assert_eq!(hash.len(), 64);
    }
}
