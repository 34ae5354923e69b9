//! The authorization matrix: every operation, called by every role of one alliance, against
//! its own tenant, a sibling organisation and another alliance, compared with a table written
//! out by hand (deliberately not computed from `policy.rs`).
//!
//! Besides the status of each cell it checks that refusals are problem+json, that nothing of
//! the other alliance (or of the tenant refused) shows in any body, that a 404 for something
//! hidden reads exactly like a 404 for an id that does not exist, and that every operation
//! refuses a request without credentials, or with a bad token, with 401 and a `WWW-Authenticate`.

use std::collections::{BTreeSet, HashMap};

use pcref_e2e::{backend_tests, etag_of, expect_status, str_field, Actor, Backend, TestApp};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

/// The roles of one alliance, in the order of the expectation strings.
const ROLES: [&str; 7] = [
    "provider_admin",
    "provider_editor",
    "provider_viewer",
    "vcse_admin",
    "vcse_partner",
    "alliance_admin",
    "board_member",
];
const ALLIANCE_ADMIN: usize = 5;
const BOARD_MEMBER: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    GetMe,
    ListMyTokens,
    CreateMyToken,
    RevokeMyToken,
    ListAlliances,
    AcceptInvitation,
    GetAlliance,
    ListOrganisations,
    CreateOrganisation,
    ListAllianceMembers,
    InviteAllianceMember,
    ListAllianceAudit,
    GetOrganisation,
    UpdateOrganisation,
    ListOrganisationMembers,
    InviteOrganisationMember,
    ListOrganisationAudit,
    GetOrganisationMembership,
    UpdateOrganisationMembership,
    RemoveOrganisationMembership,
    GetAllianceMembership,
    UpdateAllianceMembership,
    RemoveAllianceMembership,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenant {
    Own,
    Sibling,
    Foreign,
}

const TENANTS: [Tenant; 3] = [Tenant::Own, Tenant::Sibling, Tenant::Foreign];

/// What each role of alliance A gets, per target tenant: one character per role, in the order
/// pa pe pv va vp aa bm. `A` = 2xx, `F` = 403, `H` = 404; an empty string is not walked.
/// "own": provider roles → their provider P, VCSE roles → their VCSE V, alliance roles → P and
/// alliance A. "sibling": the other provider P2 of alliance A. "foreign": the same thing in
/// alliance B. Every organisation here has an active admin of its own, so the alliance admin
/// may remove its members but no longer give anyone a role in it (the hand-over before that is
/// tested in api/v1/memberships.rs).
#[rustfmt::skip]
const MATRIX: &[(Op, [&str; 3])] = &[
    //  operation                          own        sibling    foreign
    (Op::GetMe,                         ["AAAAAAA", "",        ""       ]),
    (Op::ListMyTokens,                  ["AAAAAAA", "",        ""       ]),
    (Op::CreateMyToken,                 ["AAAAAAA", "",        ""       ]),
    (Op::RevokeMyToken,                 ["AAAAAAA", "",        "HHHHHHH"]),
    (Op::ListAlliances,                 ["AAAAAAA", "",        ""       ]),
    (Op::AcceptInvitation,              ["AAAAAAA", "",        ""       ]),
    (Op::GetAlliance,                   ["AAAAAAA", "",        "HHHHHHH"]),
    (Op::ListOrganisations,             ["AAAAAAA", "",        "HHHHHHH"]),
    (Op::CreateOrganisation,            ["FFFFFAF", "",        "HHHHHHH"]),
    (Op::ListAllianceMembers,           ["FFFFFAA", "",        "HHHHHHH"]),
    (Op::InviteAllianceMember,          ["FFFFFAF", "",        "HHHHHHH"]),
    (Op::ListAllianceAudit,             ["FFFFFAF", "",        "HHHHHHH"]),
    (Op::GetOrganisation,               ["AAAAAAA", "AAAAAAA", "HHHHHHH"]),
    (Op::UpdateOrganisation,            ["AFFAFAF", "FFFFFAF", "HHHHHHH"]),
    (Op::ListOrganisationMembers,       ["AAAAAAH", "HHHHHAH", "HHHHHHH"]),
    (Op::InviteOrganisationMember,      ["AFFAFFH", "HHHHHFH", "HHHHHHH"]),
    (Op::ListOrganisationAudit,         ["AFFAFHH", "HHHHHHH", "HHHHHHH"]),
    (Op::GetOrganisationMembership,     ["AAAAAAH", "HHHHHAH", "HHHHHHH"]),
    (Op::UpdateOrganisationMembership,  ["AFFAFFH", "HHHHHFH", "HHHHHHH"]),
    (Op::RemoveOrganisationMembership,  ["AFFAFAH", "HHHHHAH", "HHHHHHH"]),
    (Op::GetAllianceMembership,         ["FFFFFAA", "",        "HHHHHHH"]),
    (Op::UpdateAllianceMembership,      ["FFFFFAF", "",        "HHHHHHH"]),
    (Op::RemoveAllianceMembership,      ["FFFFFAF", "",        "HHHHHHH"]),
];

impl Op {
    /// The OpenAPI operation id, the method and the path (`{id}` stands for the path id).
    fn spec(self) -> (&'static str, Method, &'static str) {
        match self {
            Op::GetMe => ("get_me", Method::GET, "/api/v1/me"),
            Op::ListMyTokens => ("list_my_tokens", Method::GET, "/api/v1/me/tokens"),
            Op::CreateMyToken => ("create_my_token", Method::POST, "/api/v1/me/tokens"),
            Op::RevokeMyToken => ("revoke_my_token", Method::DELETE, "/api/v1/me/tokens/{id}"),
            Op::ListAlliances => ("list_alliances", Method::GET, "/api/v1/alliances"),
            Op::AcceptInvitation => (
                "accept_invitation",
                Method::POST,
                "/api/v1/invitations/accept",
            ),
            Op::GetAlliance => ("get_alliance", Method::GET, "/api/v1/alliances/{id}"),
            Op::ListOrganisations => (
                "list_organisations",
                Method::GET,
                "/api/v1/alliances/{id}/organisations",
            ),
            Op::CreateOrganisation => (
                "create_organisation",
                Method::POST,
                "/api/v1/alliances/{id}/organisations",
            ),
            Op::ListAllianceMembers => (
                "list_alliance_members",
                Method::GET,
                "/api/v1/alliances/{id}/members",
            ),
            Op::InviteAllianceMember => (
                "invite_alliance_member",
                Method::POST,
                "/api/v1/alliances/{id}/members",
            ),
            Op::ListAllianceAudit => (
                "list_alliance_audit",
                Method::GET,
                "/api/v1/alliances/{id}/audit",
            ),
            Op::GetOrganisation => (
                "get_organisation",
                Method::GET,
                "/api/v1/organisations/{id}",
            ),
            Op::UpdateOrganisation => (
                "update_organisation",
                Method::PATCH,
                "/api/v1/organisations/{id}",
            ),
            Op::ListOrganisationMembers => (
                "list_organisation_members",
                Method::GET,
                "/api/v1/organisations/{id}/members",
            ),
            Op::InviteOrganisationMember => (
                "invite_organisation_member",
                Method::POST,
                "/api/v1/organisations/{id}/members",
            ),
            Op::ListOrganisationAudit => (
                "list_organisation_audit",
                Method::GET,
                "/api/v1/organisations/{id}/audit",
            ),
            Op::GetOrganisationMembership | Op::GetAllianceMembership => {
                ("get_membership", Method::GET, "/api/v1/memberships/{id}")
            }
            Op::UpdateOrganisationMembership | Op::UpdateAllianceMembership => (
                "update_membership",
                Method::PATCH,
                "/api/v1/memberships/{id}",
            ),
            Op::RemoveOrganisationMembership | Op::RemoveAllianceMembership => (
                "remove_membership",
                Method::DELETE,
                "/api/v1/memberships/{id}",
            ),
        }
    }

    /// The operation id, with the membership's level where one operation is walked twice.
    fn label(self) -> String {
        let (id, _, _) = self.spec();
        match self {
            Op::GetOrganisationMembership
            | Op::UpdateOrganisationMembership
            | Op::RemoveOrganisationMembership => {
                format!("{id} (organisation-level)")
            }
            Op::GetAllianceMembership
            | Op::UpdateAllianceMembership
            | Op::RemoveAllianceMembership => {
                format!("{id} (alliance-level)")
            }
            _ => id.to_owned(),
        }
    }

    /// Every operation but accepting an invitation needs a bearer token.
    fn authenticated(self) -> bool {
        self != Op::AcceptInvitation
    }
}

impl Tenant {
    fn name(self) -> &'static str {
        match self {
            Tenant::Own => "own",
            Tenant::Sibling => "sibling",
            Tenant::Foreign => "foreign",
        }
    }
}

/// An organisation, its own admin (who invites its members once it has one) and the emails
/// of its members (its private markers).
struct Org {
    id: String,
    name: String,
    kind: &'static str,
    admin: Actor,
    emails: Vec<String>,
}

impl Org {
    /// The role a fresh member is invited with, and the role an update moves them to.
    fn roles(&self) -> (&'static str, &'static str) {
        if self.kind == "vcse" {
            ("vcse_partner", "vcse_admin")
        } else {
            ("provider_viewer", "provider_editor")
        }
    }
}

/// One alliance: its organisations and one member per role.
struct Side {
    domain: String,
    alliance_id: String,
    alliance_name: String,
    /// The alliance-level members' emails (admin and board member).
    alliance_emails: Vec<String>,
    p: Org,
    p2: Org,
    v: Org,
    /// One actor per role, in the order of `ROLES`.
    actors: Vec<Actor>,
}

impl Side {
    fn admin(&self) -> &Actor {
        &self.actors[ALLIANCE_ADMIN]
    }

    /// The organisation a role acts on as its own: V for VCSE roles, P for everybody else.
    fn org_for(&self, role: usize) -> &Org {
        if ROLES[role].starts_with("vcse") {
            &self.v
        } else {
            &self.p
        }
    }

    /// Everything that would betray this alliance to an outsider.
    fn private_markers(&self) -> Vec<String> {
        let mut markers = vec![self.domain.clone(), self.alliance_name.clone()];
        markers.extend(self.alliance_emails.iter().cloned());
        for org in [&self.p, &self.p2, &self.v] {
            markers.push(org.name.clone());
            markers.extend(org.emails.iter().cloned());
        }
        markers
    }
}

async fn build_side(app: &TestApp, tag: &str, title: &str) -> Side {
    let domain = format!("{tag}-matrix.example");
    let email = |who: &str| format!("{who}.{tag}@{domain}");
    let alliance_name = format!("{title} Matrix Alliance");
    let boot = app
        .bootstrap(&alliance_name, &email("alliance.admin"))
        .await;
    let aid = boot.alliance_id.clone();
    let admin = boot.admin.clone();

    let p_name = format!("{title} Provider Trust");
    let p2_name = format!("{title} Sibling Trust");
    let v_name = format!("{title} Community Voices");
    let p = app
        .create_organisation(&admin, &aid, &p_name, "provider")
        .await;
    let p2 = app
        .create_organisation(&admin, &aid, &p2_name, "provider")
        .await;
    let v = app.create_organisation(&admin, &aid, &v_name, "vcse").await;

    // The alliance admin hands each organisation to its first admin, who invites the rest.
    let mut actors = Vec::new();
    let p_admin = app
        .add_member(
            &admin,
            &aid,
            Some(&p),
            &email("provider.admin"),
            "provider_admin",
        )
        .await;
    actors.push(p_admin.clone());
    for (who, role) in [
        ("provider.editor", "provider_editor"),
        ("provider.viewer", "provider_viewer"),
    ] {
        actors.push(
            app.add_member(&p_admin, &aid, Some(&p), &email(who), role)
                .await,
        );
    }
    let v_admin = app
        .add_member(&admin, &aid, Some(&v), &email("vcse.admin"), "vcse_admin")
        .await;
    actors.push(v_admin.clone());
    actors.push(
        app.add_member(
            &v_admin,
            &aid,
            Some(&v),
            &email("vcse.partner"),
            "vcse_partner",
        )
        .await,
    );
    actors.push(admin.clone());
    let board = app
        .add_member(&admin, &aid, None, &email("board.member"), "board_member")
        .await;
    actors.push(board);
    let p2_admin = app
        .add_member(
            &admin,
            &aid,
            Some(&p2),
            &email("sibling.admin"),
            "provider_admin",
        )
        .await;
    let p2_editor = app
        .add_member(
            &p2_admin,
            &aid,
            Some(&p2),
            &email("sibling.editor"),
            "provider_editor",
        )
        .await;

    let emails = |range: std::ops::Range<usize>| {
        actors[range]
            .iter()
            .map(|a| a.email.clone())
            .collect::<Vec<_>>()
    };
    Side {
        alliance_emails: vec![
            actors[ALLIANCE_ADMIN].email.clone(),
            actors[BOARD_MEMBER].email.clone(),
        ],
        p: Org {
            id: p,
            name: p_name,
            kind: "provider",
            admin: p_admin,
            emails: emails(0..3),
        },
        p2: Org {
            id: p2,
            name: p2_name,
            kind: "provider",
            emails: vec![p2_admin.email.clone(), p2_editor.email],
            admin: p2_admin,
        },
        v: Org {
            id: v,
            name: v_name,
            kind: "vcse",
            admin: v_admin,
            emails: emails(3..5),
        },
        domain,
        alliance_id: aid,
        alliance_name,
        actors,
    }
}

/// Both alliances: A, whose roles walk the matrix, and B, the foreign one.
struct World {
    a: Side,
    b: Side,
}

/// Everything needed to send one cell's request, prepared (with any fresh target) beforehand.
#[derive(Clone)]
struct Prepared {
    /// The id in the path, when the operation has one.
    id: Option<String>,
    if_match: Option<String>,
    body: Option<Value>,
    /// The target's private data: must not show in a refusal.
    markers: Vec<String>,
}

impl Prepared {
    fn plain() -> Prepared {
        Prepared {
            id: None,
            if_match: None,
            body: None,
            markers: Vec::new(),
        }
    }

    fn on(id: &str) -> Prepared {
        Prepared {
            id: Some(id.to_owned()),
            ..Prepared::plain()
        }
    }

    fn with_body(mut self, body: Value) -> Prepared {
        self.body = Some(body);
        self
    }

    fn if_match(mut self, tag: &str) -> Prepared {
        self.if_match = Some(tag.to_owned());
        self
    }

    fn markers(mut self, markers: &[String]) -> Prepared {
        self.markers.extend(markers.iter().cloned());
        self
    }
}

/// Sets up the target of (operation, role, tenant) — a fresh one where the operation changes
/// state — and describes the request. `n` makes names and emails unique per cell.
async fn prepare(
    app: &TestApp,
    world: &World,
    op: Op,
    role: usize,
    tenant: Tenant,
    n: usize,
) -> Prepared {
    let side = match tenant {
        Tenant::Own | Tenant::Sibling => &world.a,
        Tenant::Foreign => &world.b,
    };
    let org = match tenant {
        Tenant::Sibling => &world.a.p2,
        Tenant::Own | Tenant::Foreign => side.org_for(role),
    };
    // Emails the caller makes up go to the caller's own domain: they are not the target's.
    let caller_email = |what: &str| format!("{what}.{n}@{}", world.a.domain);
    let fresh_target_email = |what: &str| format!("{what}.{n}@{}", side.domain);
    match op {
        Op::GetMe | Op::ListMyTokens | Op::ListAlliances => Prepared::plain(),
        Op::CreateMyToken => {
            Prepared::plain().with_body(json!({ "name": format!("matrix token {n}") }))
        }
        Op::RevokeMyToken => {
            // A fresh token of the caller, or of the foreign alliance's user with the same role.
            let owner = &side.actors[role];
            let created = app
                .post(
                    "/api/v1/me/tokens",
                    &owner.token,
                    json!({ "name": format!("spare token {n}") }),
                )
                .await;
            let created = expect_status(created, StatusCode::CREATED).await;
            Prepared::on(&str_field(&created, "id")).markers(std::slice::from_ref(&owner.email))
        }
        Op::AcceptInvitation => {
            // A fresh invitation to the caller's own place, with the caller's role, from whoever
            // admits people there (the organisation's admin, or the alliance admin).
            let org = (role < ALLIANCE_ADMIN).then(|| world.a.org_for(role));
            let inviter = org.map_or(world.a.admin(), |o| &o.admin);
            let invitation = app
                .invite(
                    inviter,
                    &world.a.alliance_id,
                    org.map(|o| o.id.as_str()),
                    &caller_email("accepting"),
                    ROLES[role],
                )
                .await;
            Prepared::plain().with_body(json!({
                "code": str_field(&invitation, "invitation_code"),
                "token_name": "matrix",
            }))
        }
        Op::GetAlliance
        | Op::ListOrganisations
        | Op::ListAllianceMembers
        | Op::ListAllianceAudit => Prepared::on(&side.alliance_id).markers(&side.alliance_emails),
        Op::CreateOrganisation => Prepared::on(&side.alliance_id)
            .markers(&side.alliance_emails)
            .with_body(json!({ "name": format!("Matrix Organisation {n}"), "kind": "provider" })),
        Op::InviteAllianceMember => Prepared::on(&side.alliance_id)
            .markers(&side.alliance_emails)
            .with_body(json!({
                "email": caller_email("board.invitee"),
                "display_name": "Board Invitee",
                "role": "board_member",
            })),
        Op::GetOrganisation | Op::ListOrganisationMembers | Op::ListOrganisationAudit => {
            Prepared::on(&org.id).markers(&org.emails)
        }
        Op::UpdateOrganisation => {
            let read = app
                .get(
                    &format!("/api/v1/organisations/{}", org.id),
                    &side.admin().token,
                )
                .await;
            let tag = etag_of(&read);
            expect_status(read, StatusCode::OK).await;
            Prepared::on(&org.id)
                .markers(&org.emails)
                .if_match(&tag)
                .with_body(json!({ "name": format!("Renamed Organisation {n}") }))
        }
        Op::InviteOrganisationMember => {
            Prepared::on(&org.id).markers(&org.emails).with_body(json!({
                "email": caller_email("org.invitee"),
                "display_name": "Organisation Invitee",
                "role": org.roles().0,
            }))
        }
        Op::GetOrganisationMembership
        | Op::UpdateOrganisationMembership
        | Op::RemoveOrganisationMembership => {
            let email = fresh_target_email("org.target");
            let (invited_as, changed_to) = org.roles();
            let invitation = app
                .invite(
                    &org.admin,
                    &side.alliance_id,
                    Some(&org.id),
                    &email,
                    invited_as,
                )
                .await;
            let prepared = Prepared::on(&str_field(&invitation, "id"))
                .markers(&org.emails)
                .markers(&[email]);
            if op == Op::UpdateOrganisationMembership {
                prepared
                    .if_match("\"1\"")
                    .with_body(json!({ "role": changed_to }))
            } else {
                prepared
            }
        }
        Op::GetAllianceMembership | Op::UpdateAllianceMembership | Op::RemoveAllianceMembership => {
            let email = fresh_target_email("board.target");
            let invitation = app
                .invite(
                    side.admin(),
                    &side.alliance_id,
                    None,
                    &email,
                    "board_member",
                )
                .await;
            let prepared = Prepared::on(&str_field(&invitation, "id"))
                .markers(&side.alliance_emails)
                .markers(&[email]);
            if op == Op::UpdateAllianceMembership {
                prepared
                    .if_match("\"1\"")
                    .with_body(json!({ "role": "board_member" }))
            } else {
                prepared
            }
        }
    }
}

/// The request for a prepared cell, sent with `token` (none for an anonymous call).
fn request(app: &TestApp, op: Op, token: Option<&str>, prepared: &Prepared) -> RequestBuilder {
    let (_, method, template) = op.spec();
    let path = match &prepared.id {
        Some(id) => template.replace("{id}", id),
        None => template.to_owned(),
    };
    let mut builder = app.request(method, &path, token);
    if let Some(tag) = &prepared.if_match {
        builder = builder.header("If-Match", tag);
    }
    if let Some(body) = &prepared.body {
        builder = builder.json(body);
    }
    builder
}

/// A response, read whole.
struct Answer {
    status: StatusCode,
    content_type: String,
    www_authenticate: Option<String>,
    text: String,
    json: Value,
}

async fn answer(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("send a request");
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let www_authenticate = header("www-authenticate");
    let text = response.text().await.expect("read a response body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        www_authenticate,
        text,
        json,
    }
}

/// Why this answer is not a proper problem+json, if it is not.
fn problem_defect(answer: &Answer) -> Option<String> {
    let media_type = answer
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if !media_type.eq_ignore_ascii_case("application/problem+json") {
        return Some(format!(
            "content type {:?}, not application/problem+json",
            answer.content_type
        ));
    }
    if answer.json["status"] != json!(answer.status.as_u16()) {
        return Some("the problem's status differs from the response's".to_owned());
    }
    ["type", "title", "detail"]
        .into_iter()
        .find(|field| !answer.json[*field].is_string())
        .map(|field| format!("the problem lacks {field}"))
}

fn leaked<'m>(text: &str, markers: &'m [String]) -> Vec<&'m str> {
    let lower = text.to_lowercase();
    markers
        .iter()
        .filter(|m| lower.contains(&m.to_lowercase()))
        .map(String::as_str)
        .collect()
}

/// The walk's running state: cells seen, problems found, and the 404 each (operation, role)
/// gets for an id that does not exist.
struct Walk<'w> {
    app: &'w TestApp,
    world: &'w World,
    foreign_markers: Vec<String>,
    cells: usize,
    counter: usize,
    failures: Vec<String>,
    missing: HashMap<(Op, usize), Value>,
}

impl Walk<'_> {
    fn next(&mut self) -> usize {
        self.counter += 1;
        self.counter
    }

    async fn cell(&mut self, op: Op, role: usize, tenant: Tenant, expected: char) {
        self.cells += 1;
        let n = self.next();
        let (app, world) = (self.app, self.world);
        let caller = &world.a.actors[role];
        let token = op.authenticated().then_some(caller.token.as_str());
        let prepared = prepare(app, world, op, role, tenant, n).await;
        let got = answer(request(app, op, token, &prepared)).await;
        let cell = format!(
            "{} as {} on the {} tenant",
            op.label(),
            ROLES[role],
            tenant.name()
        );
        let fail = |why: String| format!("{cell}: {why}; got {} {}", got.status.as_u16(), got.text);
        let mut failures = Vec::new();

        let (wanted, matches) = match expected {
            'A' => ("2xx", got.status.is_success()),
            'F' => ("403", got.status == StatusCode::FORBIDDEN),
            'H' => ("404", got.status == StatusCode::NOT_FOUND),
            other => panic!("unknown expectation {other:?} for {cell}"),
        };
        if !matches {
            failures.push(fail(format!("expected {wanted}")));
        }
        if !got.status.is_success() {
            if let Some(defect) = problem_defect(&got) {
                failures.push(fail(defect));
            }
            let refused = leaked(&got.text, &prepared.markers);
            if !refused.is_empty() {
                failures.push(fail(format!(
                    "a refusal shows the target's private data {refused:?}"
                )));
            }
        }
        let foreign = leaked(&got.text, &self.foreign_markers);
        if !foreign.is_empty() {
            failures.push(fail(format!(
                "the body shows alliance B's private data {foreign:?}"
            )));
        }
        if op == Op::ListAlliances && got.status.is_success() {
            let ids: Vec<&Value> = got.json["items"]
                .as_array()
                .map(|a| a.iter().map(|i| &i["id"]).collect())
                .unwrap_or_default();
            if ids != [&json!(world.a.alliance_id)] {
                failures.push(fail("expected exactly alliance A in the list".to_owned()));
            }
        }
        if got.status == StatusCode::NOT_FOUND && prepared.id.is_some() {
            let missing = self.missing_answer(op, role, &prepared).await;
            let differs: Vec<&str> = ["type", "title", "detail"]
                .into_iter()
                .filter(|f| got.json[*f] != missing[*f])
                .collect();
            if !differs.is_empty() {
                failures.push(fail(format!(
                    "this 404 differs in {differs:?} from the 404 for a missing id: {missing}"
                )));
            }
        }
        self.failures.extend(failures);
    }

    /// The 404 this role gets from this operation for a random id that exists nowhere.
    async fn missing_answer(&mut self, op: Op, role: usize, prepared: &Prepared) -> Value {
        if let Some(known) = self.missing.get(&(op, role)) {
            return known.clone();
        }
        let (app, world) = (self.app, self.world);
        let caller = &world.a.actors[role];
        let probe = Prepared {
            id: Some(uuid::Uuid::now_v7().to_string()),
            ..prepared.clone()
        };
        let got = answer(request(app, op, Some(&caller.token), &probe)).await;
        let label = format!("{} as {} with a random id", op.label(), ROLES[role]);
        if got.status != StatusCode::NOT_FOUND {
            self.failures.push(format!(
                "{label}: expected 404; got {} {}",
                got.status.as_u16(),
                got.text
            ));
        } else if let Some(defect) = problem_defect(&got) {
            self.failures
                .push(format!("{label}: {defect}; got {}", got.text));
        }
        self.missing.insert((op, role), got.json.clone());
        got.json
    }
}

async fn authorization_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let world = World {
        a: build_side(&app, "alpha", "Alpha").await,
        b: build_side(&app, "bravo", "Bravo").await,
    };
    let backend_name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    };

    let mut walk = Walk {
        app: &app,
        world: &world,
        foreign_markers: world.b.private_markers(),
        cells: 0,
        counter: 0,
        failures: Vec::new(),
        missing: HashMap::new(),
    };
    for &(op, expectations) in MATRIX {
        for (tenant, expected) in TENANTS.into_iter().zip(expectations) {
            if expected.is_empty() {
                continue;
            }
            assert_eq!(
                expected.len(),
                ROLES.len(),
                "{} {}: one character per role",
                op.label(),
                tenant.name()
            );
            for (role, want) in expected.chars().enumerate() {
                walk.cell(op, role, tenant, want).await;
            }
        }
    }
    let (cells, mut failures) = (walk.cells, walk.failures);
    println!(
        "authorization matrix ({backend_name}): {} operations × {} roles × up to {} tenants = {cells} cells, {} unexpected",
        MATRIX.len(),
        ROLES.len(),
        TENANTS.len(),
        failures.len()
    );

    // Without credentials, and with a token that is no token, every operation answers 401.
    let mut seen = BTreeSet::new();
    let mut requests = 0;
    let mut sweep_failures = Vec::new();
    for &(op, _) in MATRIX {
        let (operation_id, _, _) = op.spec();
        if !op.authenticated() || !seen.insert(operation_id) {
            continue;
        }
        let prepared = prepare(
            &app,
            &world,
            op,
            ALLIANCE_ADMIN,
            Tenant::Own,
            1_000_000 + seen.len(),
        )
        .await;
        for (token, wanted) in [
            (None, "Bearer"),
            (
                Some("pcref_pat_garbage-that-is-no-token"),
                "error=\"invalid_token\"",
            ),
        ] {
            requests += 1;
            let got = answer(request(&app, op, token, &prepared)).await;
            let what = if token.is_some() {
                "a garbage token"
            } else {
                "no token"
            };
            let fail = |why: String| {
                format!(
                    "{operation_id} with {what}: {why}; got {} {}",
                    got.status.as_u16(),
                    got.text
                )
            };
            if got.status != StatusCode::UNAUTHORIZED {
                sweep_failures.push(fail("expected 401".to_owned()));
                continue;
            }
            if let Some(defect) = problem_defect(&got) {
                sweep_failures.push(fail(defect));
            }
            let challenge = got.www_authenticate.clone().unwrap_or_default();
            let fits = match token {
                None => challenge.starts_with(wanted),
                Some(_) => challenge.starts_with("Bearer") && challenge.contains(wanted),
            };
            if !fits {
                sweep_failures.push(fail(format!(
                    "WWW-Authenticate {challenge:?} lacks {wanted}"
                )));
            }
        }
    }
    println!(
        "unauthenticated sweep ({backend_name}): {} operations × {{no token, garbage token}} = {requests} requests, {} unexpected",
        seen.len(),
        sweep_failures.len()
    );

    failures.extend(sweep_failures);
    assert!(
        failures.is_empty(),
        "{} unexpected answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

backend_tests!(authorization_matrix);
