//! Request and response bodies, and their conversion to and from the domain's types.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{
    Example, ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use poem_openapi::{Enum, Object};
use serde_json::Value;
use uuid::Uuid;

use pcref_domain as domain;

// ---- strict text ------------------------------------------------------------------------

/// A JSON string and nothing else. poem-openapi's `String` also takes numbers and booleans
/// (`{"name": 42}` would become "42"); request bodies use this instead, so a wrong type is
/// refused as the schema says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(s.to_owned())
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Type for Text {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(s) => Ok(Text(s)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

// ---- documented rules ---------------------------------------------------------------------

/// A rule a request value must follow, as the document states it (a length, a pattern, a
/// range, required). The value is still read as its Rust type and checked by the domain,
/// which answers 422 naming the field, like every other rule: the document says what the
/// domain checks, so that a client (or a test generating requests from the document) knows.
pub trait Rule: Send + Sync + 'static {
    /// Whether the field is required, when the rule says more than the type (a field read as
    /// `Option` so that its absence is answered 422 with the others).
    const REQUIRED: Option<bool> = None;

    fn apply(schema: &mut MetaSchema);
}

/// A value read as `T`, documented with `R`.
pub struct Ruled<T, R>(pub T, PhantomData<R>);

impl<T, R> Ruled<T, R> {
    pub fn new(value: T) -> Self {
        Ruled(value, PhantomData)
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: fmt::Debug, R> fmt::Debug for Ruled<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Clone, R> Clone for Ruled<T, R> {
    fn clone(&self) -> Self {
        Ruled::new(self.0.clone())
    }
}

impl<T: PartialEq, R> PartialEq for Ruled<T, R> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T, R> std::ops::Deref for Ruled<T, R> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T, R> From<T> for Ruled<T, R> {
    fn from(value: T) -> Self {
        Ruled::new(value)
    }
}

impl<R> From<&str> for Ruled<Text, R> {
    fn from(s: &str) -> Self {
        Ruled::new(Text::from(s))
    }
}

impl<R> AsRef<str> for Ruled<Text, R> {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl<T: Type, R: Rule> Type for Ruled<T, R> {
    const IS_REQUIRED: bool = match R::REQUIRED {
        Some(required) => required,
        None => T::IS_REQUIRED,
    };
    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        T::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        match T::schema_ref() {
            // Applied to the schema itself: `merge` would drop some keywords (`enum`).
            MetaSchemaRef::Inline(mut schema) => {
                R::apply(&mut schema);
                MetaSchemaRef::Inline(schema)
            }
            reference => {
                let mut patch = MetaSchema::ANY;
                R::apply(&mut patch);
                reference.merge(patch)
            }
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_raw_value()
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        self.0.raw_element_iter()
    }

    // As `T` says: these names would otherwise hide `T`'s own (`Vec::is_empty`,
    // `Option::is_none`) behind the trait's defaults.
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

impl<T: ParseFromJSON, R: Rule> ParseFromJSON for Ruled<T, R> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        T::parse_from_json(value)
            .map(Ruled::new)
            .map_err(ParseError::propagate)
    }
}

impl<T: ToJSON, R: Rule> ToJSON for Ruled<T, R> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

impl<T: ParseFromParameter, R: Rule> ParseFromParameter for Ruled<T, R> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        T::parse_from_parameter(value)
            .map(Ruled::new)
            .map_err(ParseError::propagate)
    }

    fn parse_from_parameters<I: IntoIterator<Item = A>, A: AsRef<str>>(
        iter: I,
    ) -> ParseResult<Self> {
        T::parse_from_parameters(iter)
            .map(Ruled::new)
            .map_err(ParseError::propagate)
    }
}

/// A one-line text of 1 to MAX characters.
pub type LineOf<const MAX: usize> = Ruled<Text, Line<MAX>>;
/// A one-line text of at most MAX characters; blank for none.
pub type OptionalLineOf<const MAX: usize> = Ruled<Text, OptionalLine<MAX>>;
/// A paragraph of 1 to MAX characters.
pub type ParagraphOf<const MAX: usize> = Ruled<Text, Paragraph<MAX>>;
/// A paragraph of at most MAX characters; blank for none.
pub type OptionalParagraphOf<const MAX: usize> = Ruled<Text, OptionalParagraph<MAX>>;

/// Characters `char::is_control` refuses (Unicode's Cc).
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// Whitespace (`char::is_whitespace`) that is not a control character.
const SPACE: &str = r" \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// A one-line text (`domain::line`): no control characters, something besides whitespace.
fn line_pattern() -> String {
    format!(r"^[{SPACE}]*[^{CONTROL}{SPACE}][^{CONTROL}]*$")
}

/// A paragraph (`domain::paragraph`): line breaks and tabs allowed, something besides
/// whitespace.
fn paragraph_pattern() -> String {
    format!(
        r"^[\t\n\r{SPACE}]*[^{CONTROL}{SPACE}][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )
}

/// `Line<MAX>`: 1 to MAX characters on one line (trimmed, inner spaces collapsed).
pub struct Line<const MAX: usize>;

impl<const MAX: usize> Rule for Line<MAX> {
    fn apply(schema: &mut MetaSchema) {
        schema.min_length = Some(1);
        schema.max_length = Some(MAX);
        schema.pattern = Some(line_pattern());
    }
}

/// `OptionalLine<MAX>`: as `Line`, and a blank text means none.
pub struct OptionalLine<const MAX: usize>;

impl<const MAX: usize> Rule for OptionalLine<MAX> {
    fn apply(schema: &mut MetaSchema) {
        schema.max_length = Some(MAX);
        schema.pattern = Some(format!(r"^[^{CONTROL}]*$"));
    }
}

/// `Paragraph<MAX>`: 1 to MAX characters, line breaks and tabs allowed (trimmed).
pub struct Paragraph<const MAX: usize>;

impl<const MAX: usize> Rule for Paragraph<MAX> {
    fn apply(schema: &mut MetaSchema) {
        schema.min_length = Some(1);
        schema.max_length = Some(MAX);
        schema.pattern = Some(paragraph_pattern());
    }
}

/// `OptionalParagraph<MAX>`: as `Paragraph`, and a blank text means none.
pub struct OptionalParagraph<const MAX: usize>;

impl<const MAX: usize> Rule for OptionalParagraph<MAX> {
    fn apply(schema: &mut MetaSchema) {
        schema.max_length = Some(MAX);
        schema.pattern =
            Some(r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$".to_owned());
    }
}

/// `Between<MIN, MAX>`: a whole number in the range.
pub struct Between<const MIN: u32, const MAX: u32>;

impl<const MIN: u32, const MAX: u32> Rule for Between<MIN, MAX> {
    fn apply(schema: &mut MetaSchema) {
        schema.minimum = Some(f64::from(MIN));
        schema.maximum = Some(f64::from(MAX));
    }
}

/// `AtLeastOne`: a list with one item or more.
pub struct AtLeastOne;

impl Rule for AtLeastOne {
    fn apply(schema: &mut MetaSchema) {
        schema.min_items = Some(1);
    }
}

/// `Mandatory`: a field the request must carry (read as `Option` so that its absence is
/// reported with the other invalid fields).
pub struct Mandatory;

impl Rule for Mandatory {
    const REQUIRED: Option<bool> = Some(true);

    fn apply(_schema: &mut MetaSchema) {}
}

/// `UuidText`: a UUID in its hyphenated form, read as text (a cursor: a malformed one is
/// answered 422).
pub struct UuidText;

impl Rule for UuidText {
    fn apply(schema: &mut MetaSchema) {
        schema.format = Some("uuid");
        schema.pattern = Some(
            r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
                .to_owned(),
        );
    }
}

/// `EmailAddress`: `name@example.nhs.uk`, at most 254 characters (`domain::Email`).
pub struct EmailAddress;

impl Rule for EmailAddress {
    fn apply(schema: &mut MetaSchema) {
        schema.min_length = Some(3);
        schema.max_length = Some(domain::Email::MAX_CHARS);
        schema.pattern = Some(
            r"^[\x21-\x3F\x41-\x7E]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
                .to_owned(),
        );
    }
}

/// `InvitationCodeText`: an invitation code as issued (`pcref_inv_` and 43 characters).
pub struct InvitationCodeText;

impl Rule for InvitationCodeText {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some(r"^pcref_inv_[A-Za-z0-9_-]{43}$".to_owned());
    }
}

/// `EvidenceUrl`: blank for none, or an absolute http(s) URL without spaces, of at most
/// 2,000 characters (`domain::evidence_url`).
pub struct EvidenceUrl;

impl Rule for EvidenceUrl {
    fn apply(schema: &mut MetaSchema) {
        schema.max_length = Some(domain::MAX_URL);
        schema.pattern = Some(format!(
            r"^([\t\n\u000B\u000C\r\u0085{SPACE}]*|https?://[^/?#{CONTROL}{SPACE}]+[^{CONTROL}{SPACE}]*)$"
        ));
    }
}

/// `EthnicCode`: a specific NHS ethnic category code (`A`–`H`, `J`–`N`, `P`, `R`, `S`, `Z`,
/// `99`), in either case (`domain::EthnicCategory::parse_specific`).
pub struct EthnicCode;

/// The specific codes, in either case, with the spaces `parse_specific` trims.
const ETHNIC_CODE_PATTERN: &str = r"^[ \t]*([A-HJ-NPRSZa-hj-nprsz]|99)[ \t]*$";

impl Rule for EthnicCode {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some(ETHNIC_CODE_PATTERN.to_owned());
    }
}

/// A regular expression matching `word` in either case (the ASCII letters of it).
pub(crate) fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `EthnicFilter`: blank for none, a specific code, or a broad group (`white`, `mixed`,
/// `asian`, `black`, `other`), in either case (the plan list's filter,
/// `domain::EthnicCategory::parse_filter`).
pub struct EthnicFilter;

impl Rule for EthnicFilter {
    fn apply(schema: &mut MetaSchema) {
        let groups: Vec<String> = domain::BroadEthnicGroup::ALL
            .iter()
            .map(|g| any_case(g.as_str()))
            .collect();
        schema.pattern = Some(format!(
            r"^[ \t]*([A-HJ-NPRSZa-hj-nprsz]|99|{})?[ \t]*$",
            groups.join("|")
        ));
    }
}

/// `AuditAction`: an action such as `membership.invited`, lower-case words joined by dots.
pub struct AuditAction;

impl Rule for AuditAction {
    fn apply(schema: &mut MetaSchema) {
        schema.max_length = Some(64);
        schema.pattern = Some(r"^[a-z_]+(\.[a-z_]+)*$".to_owned());
    }
}

/// `TimedCursor`: the cursor of a list ordered by a time (`domain::Cursor::at`).
pub struct TimedCursor;

impl Rule for TimedCursor {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some(domain::Cursor::AT_PATTERN.to_owned());
    }
}

/// A page's cursor: the `next_cursor` of the previous page (a UUID; anything else is
/// answered 422).
pub type CursorParam = Ruled<String, UuidText>;

/// Words to search for: blank for none.
pub type SearchWords = Ruled<String, OptionalLine<{ domain::MAX_TITLE }>>;

/// `WithheldTerm`: 2 to 100 characters on one line (trimmed, inner spaces collapsed), so at
/// least two characters besides whitespace (`pcref_app::clean_withheld_terms`).
pub struct WithheldTerm;

impl Rule for WithheldTerm {
    fn apply(schema: &mut MetaSchema) {
        schema.min_length = Some(2);
        schema.max_length = Some(pcref_app::MAX_TERM_CHARS);
        schema.pattern = Some(format!(
            r"^[{SPACE}]*[^{CONTROL}{SPACE}][^{CONTROL}]*[^{CONTROL}{SPACE}][{SPACE}]*$"
        ));
    }
}

/// `ReceivedDate`: a date from 2000-01-01 on (`domain::received_on`; not in the future either,
/// which a document cannot say).
pub struct ReceivedDate;

impl Rule for ReceivedDate {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some(r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$".to_owned());
    }
}

/// `FeedbackViewFilter`: `full`, `anonymised` or `all`.
pub struct FeedbackViewFilter;

impl Rule for FeedbackViewFilter {
    fn apply(schema: &mut MetaSchema) {
        schema.enum_items = ["full", "anonymised", "all"]
            .into_iter()
            .map(Value::from)
            .collect();
    }
}

/// `PlanDate`: a date from 1900-01-01 to 2999-12-31 (`domain::plan_date`).
pub struct PlanDate;

impl Rule for PlanDate {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some(r"^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$".to_owned());
    }
}

// ---- enums -------------------------------------------------------------------------------

/// `provider` (an NHS trust, with a private workspace) or `vcse` (a voluntary, community or
/// social enterprise partner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OrganisationKind {
    Provider,
    Vcse,
}

impl From<OrganisationKind> for domain::OrganisationKind {
    fn from(k: OrganisationKind) -> Self {
        match k {
            OrganisationKind::Provider => domain::OrganisationKind::Provider,
            OrganisationKind::Vcse => domain::OrganisationKind::Vcse,
        }
    }
}

impl From<domain::OrganisationKind> for OrganisationKind {
    fn from(k: domain::OrganisationKind) -> Self {
        match k {
            domain::OrganisationKind::Provider => OrganisationKind::Provider,
            domain::OrganisationKind::Vcse => OrganisationKind::Vcse,
        }
    }
}

/// A member's role. In a provider: `provider_admin`, `provider_editor`, `provider_viewer`.
/// In a VCSE organisation: `vcse_admin`, `vcse_partner`. Across the alliance:
/// `alliance_admin`, `board_member`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Role {
    ProviderAdmin,
    ProviderEditor,
    ProviderViewer,
    VcseAdmin,
    VcsePartner,
    AllianceAdmin,
    BoardMember,
}

impl From<Role> for domain::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::ProviderAdmin => domain::Role::ProviderAdmin,
            Role::ProviderEditor => domain::Role::ProviderEditor,
            Role::ProviderViewer => domain::Role::ProviderViewer,
            Role::VcseAdmin => domain::Role::VcseAdmin,
            Role::VcsePartner => domain::Role::VcsePartner,
            Role::AllianceAdmin => domain::Role::AllianceAdmin,
            Role::BoardMember => domain::Role::BoardMember,
        }
    }
}

impl From<domain::Role> for Role {
    fn from(r: domain::Role) -> Self {
        match r {
            domain::Role::ProviderAdmin => Role::ProviderAdmin,
            domain::Role::ProviderEditor => Role::ProviderEditor,
            domain::Role::ProviderViewer => Role::ProviderViewer,
            domain::Role::VcseAdmin => Role::VcseAdmin,
            domain::Role::VcsePartner => Role::VcsePartner,
            domain::Role::AllianceAdmin => Role::AllianceAdmin,
            domain::Role::BoardMember => Role::BoardMember,
        }
    }
}

/// `invited` until the invitation is accepted (grants nothing yet), then `active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MembershipStatus {
    Invited,
    Active,
}

impl From<domain::MembershipStatus> for MembershipStatus {
    fn from(s: domain::MembershipStatus) -> Self {
        match s {
            domain::MembershipStatus::Invited => MembershipStatus::Invited,
            domain::MembershipStatus::Active => MembershipStatus::Active,
        }
    }
}

// ---- people and memberships ----------------------------------------------------------------

#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
}

impl From<domain::User> for User {
    fn from(u: domain::User) -> Self {
        User {
            id: u.id.as_uuid(),
            email: u.email,
            display_name: u.display_name,
        }
    }
}

/// A user's role in one organisation, or across the alliance when `organisation_id` is null.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Membership {
    pub id: Uuid,
    pub user: User,
    pub alliance_id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub role: Role,
    pub status: MembershipStatus,
    /// The current version; send it back as `If-Match: "<version>"` (also served as `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Membership> for Membership {
    fn from(m: domain::Membership) -> Self {
        Membership {
            id: m.id.as_uuid(),
            user: m.user.into(),
            alliance_id: m.alliance_id.as_uuid(),
            organisation_id: m.organisation_id.map(|o| o.as_uuid()),
            role: m.role.into(),
            status: m.status.into(),
            version: m.version.0,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// One of my memberships, with the names that make it recognisable.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct MyMembership {
    pub id: Uuid,
    pub role: Role,
    pub alliance_id: Uuid,
    pub alliance_name: String,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub organisation_kind: Option<OrganisationKind>,
}

impl From<domain::MembershipInContext> for MyMembership {
    fn from(m: domain::MembershipInContext) -> Self {
        MyMembership {
            id: m.membership.id.as_uuid(),
            role: m.membership.role.into(),
            alliance_id: m.membership.alliance_id.as_uuid(),
            alliance_name: m.alliance_name,
            organisation_id: m.membership.organisation_id.map(|o| o.as_uuid()),
            organisation_name: m.organisation_name,
            organisation_kind: m.organisation_kind.map(Into::into),
        }
    }
}

/// Who I am and what I may act as.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Me {
    pub user: User,
    /// Active memberships only: an invitation grants nothing until it is accepted.
    pub memberships: Vec<MyMembership>,
}

/// Invite someone. An existing account (matched by email) keeps its display name.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewMember {
    /// Matched case-insensitively; stored in lower case. At most 254 characters.
    pub email: Ruled<Text, EmailAddress>,
    /// How the person is shown to others; 1–100 characters.
    pub display_name: LineOf<100>,
    pub role: Role,
}

impl Example for NewMember {
    fn example() -> Self {
        NewMember {
            email: "amina.khan@example-trust.nhs.uk".into(),
            display_name: "Amina Khan".into(),
            role: Role::ProviderEditor,
        }
    }
}

/// A membership just offered. `invitation_code` is shown only in this response: pass it to
/// the person invited, who exchanges it at `POST /api/v1/invitations/accept`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Invitation {
    #[oai(flatten)]
    pub membership: Membership,
    pub invitation_code: String,
    pub invitation_expires_at: DateTime<Utc>,
}

impl From<pcref_app::Invited> for Invitation {
    fn from(i: pcref_app::Invited) -> Self {
        Invitation {
            membership: i.membership.into(),
            invitation_code: i.invitation_code,
            invitation_expires_at: i.invitation_expires_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct MembershipChanges {
    /// The new role; it must fit where the membership is held.
    pub role: Role,
}

impl Example for MembershipChanges {
    fn example() -> Self {
        MembershipChanges {
            role: Role::ProviderViewer,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct AcceptInvitation {
    /// The invitation code, exactly as received.
    pub code: Ruled<Text, InvitationCodeText>,
    /// A label for the access token issued (default "invitation").
    pub token_name: Option<LineOf<100>>,
}

impl Example for AcceptInvitation {
    fn example() -> Self {
        AcceptInvitation {
            code: "pcref_inv_6bJ2y0p1uJ1rZxwQ3nF0o7E2sX9kT4mV8cA5dH1gL0q".into(),
            token_name: Some("laptop".into()),
        }
    }
}

/// The membership now active, and a personal access token for its holder (shown once).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AcceptedInvitation {
    /// The personal access token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub access_token: AccessToken,
    pub membership: Membership,
}

// ---- tokens -------------------------------------------------------------------------------

/// A personal access token's metadata (never the secret).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AccessToken {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Refreshed at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<domain::AccessToken> for AccessToken {
    fn from(t: domain::AccessToken) -> Self {
        AccessToken {
            id: t.id.as_uuid(),
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewAccessToken {
    /// What the token is for, such as "reporting script"; 1–100 characters.
    pub name: LineOf<100>,
    /// Lifetime in days (1–365); 90 unless set.
    pub expires_in_days: Option<Ruled<u32, Between<1, 365>>>,
}

impl Example for NewAccessToken {
    fn example() -> Self {
        NewAccessToken {
            name: "reporting script".into(),
            expires_in_days: Some(30.into()),
        }
    }
}

/// A token just created. `token` is the secret, shown only in this response.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreatedAccessToken {
    pub token: String,
    #[oai(flatten)]
    pub access_token: AccessToken,
}

impl From<pcref_app::CreatedToken> for CreatedAccessToken {
    fn from(t: pcref_app::CreatedToken) -> Self {
        CreatedAccessToken {
            token: t.secret,
            access_token: t.token.into(),
        }
    }
}

// ---- alliances and organisations ------------------------------------------------------------

#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Alliance {
    pub id: Uuid,
    pub name: String,
    /// Days an action may go without a progress update before it is flagged stale.
    pub reporting_cycle_days: u32,
    /// The current version; send it back as `If-Match: "<version>"` (also served as `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Alliance> for Alliance {
    fn from(a: domain::Alliance) -> Self {
        Alliance {
            id: a.id.as_uuid(),
            name: a.name,
            reporting_cycle_days: a.reporting_cycle_days,
            version: a.version.0,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Organisation {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    /// The current version; send it back as `If-Match: "<version>"` (also served as `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Organisation> for Organisation {
    fn from(o: domain::Organisation) -> Self {
        Organisation {
            id: o.id.as_uuid(),
            alliance_id: o.alliance_id.as_uuid(),
            name: o.name,
            kind: o.kind.into(),
            version: o.version.0,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct AllianceChanges {
    /// 1–200 characters, unique across the installation.
    pub name: Option<LineOf<200>>,
    /// Days an action may go without a progress update before it is flagged stale: 7–366.
    pub reporting_cycle_days: Option<Ruled<u32, Between<7, 366>>>,
}

impl Example for AllianceChanges {
    fn example() -> Self {
        AllianceChanges {
            name: None,
            reporting_cycle_days: Some(92.into()),
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewOrganisation {
    /// Unique within the alliance (ignoring case and extra spaces); 1–200 characters.
    pub name: LineOf<200>,
    pub kind: OrganisationKind,
}

impl Example for NewOrganisation {
    fn example() -> Self {
        NewOrganisation {
            name: "Example Healthcare NHS Foundation Trust".into(),
            kind: OrganisationKind::Provider,
        }
    }
}

/// Fields to change; absent fields stay as they are. The kind cannot change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct OrganisationChanges {
    /// 1–200 characters, unique within the alliance.
    pub name: Option<LineOf<200>>,
}

impl Example for OrganisationChanges {
    fn example() -> Self {
        OrganisationChanges {
            name: Some("Example Healthcare NHS Trust".into()),
        }
    }
}

// ---- audit --------------------------------------------------------------------------------

#[derive(Debug, Clone, Object)]
pub struct AuditActor {
    /// Null when the change was made at the server's command line.
    pub user_id: Option<Uuid>,
    /// The actor's email, or "command line".
    pub label: String,
}

/// One recorded change: who did what, when, and the record before and after.
#[derive(Debug, Clone, Object)]
pub struct AuditEntry {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor: AuditActor,
    pub alliance_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// Such as `organisation.created`, `membership.role_changed`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl From<domain::AuditEntry> for AuditEntry {
    fn from(e: domain::AuditEntry) -> Self {
        AuditEntry {
            id: e.id.as_uuid(),
            occurred_at: e.occurred_at,
            actor: AuditActor {
                user_id: e.actor_user_id.map(|u| u.as_uuid()),
                label: e.actor_label,
            },
            alliance_id: e.alliance_id.map(|a| a.as_uuid()),
            organisation_id: e.organisation_id.map(|o| o.as_uuid()),
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            before: e.before,
            after: e.after,
        }
    }
}

// ---- pages --------------------------------------------------------------------------------

macro_rules! page_type {
    ($(#[$doc:meta])* $page:ident of $item:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Object)]
        pub struct $page {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }

        impl<T: Into<$item>> From<domain::Page<T>> for $page {
            fn from(page: domain::Page<T>) -> Self {
                $page {
                    items: page.items.into_iter().map(Into::into).collect(),
                    next_cursor: page.next_cursor.map(|c| c.as_str().to_owned()),
                }
            }
        }
    };
}

pub(crate) use page_type;

page_type!(
    /// A page of alliances, oldest first.
    AlliancePage of Alliance
);
page_type!(
    /// A page of organisations, oldest first.
    OrganisationPage of Organisation
);
page_type!(
    /// A page of memberships, oldest first.
    MembershipPage of Membership
);
page_type!(
    /// A page of access tokens, oldest first.
    AccessTokenPage of AccessToken
);
page_type!(
    /// A page of audit entries, newest first.
    AuditEntryPage of AuditEntry
);

// ---- examples for the OpenAPI document ------------------------------------------------------

mod examples {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    pub const ALLIANCE: Uuid = Uuid::from_u128(0x0192_f0c1_8b7a_7cde_9f00_3c5e_2f1a_7b10);
    pub const ORGANISATION: Uuid = Uuid::from_u128(0x0192_f0c1_9c2e_7a41_b3d2_6f4e_1c0a_9d21);
    pub const USER: Uuid = Uuid::from_u128(0x0192_f0c2_04d1_7f3b_8e6a_2b9c_5d7e_1f32);
    pub const MEMBERSHIP: Uuid = Uuid::from_u128(0x0192_f0c2_04d2_7b55_a1c3_7d8e_9f0a_2b43);
    pub const TOKEN: Uuid = Uuid::from_u128(0x0192_f0c2_1a3b_7c6d_9e8f_0a1b_2c3d_4e54);

    /// 2026-11-23T10:00:00Z
    pub fn time() -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_428_000, 0).unwrap_or_default()
    }
}

impl Example for User {
    fn example() -> Self {
        User {
            id: examples::USER,
            email: "amina.khan@example-trust.nhs.uk".into(),
            display_name: "Amina Khan".into(),
        }
    }
}

impl Example for Membership {
    fn example() -> Self {
        Membership {
            id: examples::MEMBERSHIP,
            user: User::example(),
            alliance_id: examples::ALLIANCE,
            organisation_id: Some(examples::ORGANISATION),
            role: Role::ProviderEditor,
            status: MembershipStatus::Active,
            version: 2,
            created_at: examples::time(),
            updated_at: examples::time(),
        }
    }
}

impl Example for MyMembership {
    fn example() -> Self {
        MyMembership {
            id: examples::MEMBERSHIP,
            role: Role::ProviderEditor,
            alliance_id: examples::ALLIANCE,
            alliance_name: "East Midlands PCREF Alliance".into(),
            organisation_id: Some(examples::ORGANISATION),
            organisation_name: Some("Example Healthcare NHS Foundation Trust".into()),
            organisation_kind: Some(OrganisationKind::Provider),
        }
    }
}

impl Example for Me {
    fn example() -> Self {
        Me {
            user: User::example(),
            memberships: vec![MyMembership::example()],
        }
    }
}

impl Example for Invitation {
    fn example() -> Self {
        Invitation {
            membership: Membership {
                status: MembershipStatus::Invited,
                version: 1,
                ..Membership::example()
            },
            invitation_code: "pcref_inv_6bJ2y0p1uJ1rZxwQ3nF0o7E2sX9kT4mV8cA5dH1gL0q".into(),
            invitation_expires_at: examples::time() + chrono::Duration::days(7),
        }
    }
}

impl Example for AccessToken {
    fn example() -> Self {
        AccessToken {
            id: examples::TOKEN,
            name: "laptop".into(),
            created_at: examples::time(),
            expires_at: examples::time() + chrono::Duration::days(90),
            last_used_at: Some(examples::time()),
            revoked_at: None,
        }
    }
}

impl Example for CreatedAccessToken {
    fn example() -> Self {
        CreatedAccessToken {
            token: "pcref_pat_Q3b9wZ0kN1x7Yt2mH8vR4sL6pC0aE5dF9gJ2hK7uM1o".into(),
            access_token: AccessToken {
                last_used_at: None,
                ..AccessToken::example()
            },
        }
    }
}

impl Example for AcceptedInvitation {
    fn example() -> Self {
        AcceptedInvitation {
            token: "pcref_pat_Q3b9wZ0kN1x7Yt2mH8vR4sL6pC0aE5dF9gJ2hK7uM1o".into(),
            access_token: AccessToken {
                last_used_at: None,
                ..AccessToken::example()
            },
            membership: Membership::example(),
        }
    }
}

impl Example for Alliance {
    fn example() -> Self {
        Alliance {
            id: examples::ALLIANCE,
            name: "East Midlands PCREF Alliance".into(),
            reporting_cycle_days: 90,
            version: 1,
            created_at: examples::time(),
            updated_at: examples::time(),
        }
    }
}

impl Example for Organisation {
    fn example() -> Self {
        Organisation {
            id: examples::ORGANISATION,
            alliance_id: examples::ALLIANCE,
            name: "Example Healthcare NHS Foundation Trust".into(),
            kind: OrganisationKind::Provider,
            version: 1,
            created_at: examples::time(),
            updated_at: examples::time(),
        }
    }
}
