//! Credentials and the authenticated principal.
//!
//! Secrets (personal access tokens, invitation codes) are 256 random bits, shown once and
//! stored only as a SHA-256 hash: a secret this long cannot be guessed, so a slow password
//! hash would add cost per request and no safety. Lookups go by hash, so no comparison of
//! secrets happens in our code.

use base64::Engine as _;
use pcref_domain::{
    AccessTokenId, AllianceId, ApiClient, ClientTokenId, MembershipInContext, OrganisationId,
    OrganisationKind, Role, RoleScope, Scope, User, UserId,
};
use sha2::{Digest, Sha256};

/// What a secret is for; the prefix makes a leaked secret recognisable (secret scanners,
/// logs) and stops one kind being used as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    PersonalAccessToken,
    InvitationCode,
    /// An API client's secret (OAuth2 client credentials).
    ClientSecret,
    /// An API client's public identifier: random like a secret, so that ids cannot be guessed
    /// or enumerated, but not secret.
    ClientId,
    /// An access token issued to an API client by `/oauth/token`.
    ClientAccessToken,
    /// The token of a link that opens one board report without signing in.
    ShareLink,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SecretKind::PersonalAccessToken => "pcref_pat_",
            SecretKind::InvitationCode => "pcref_inv_",
            SecretKind::ClientSecret => "pcref_cs_",
            SecretKind::ClientId => "pcref_client_",
            SecretKind::ClientAccessToken => "pcref_at_",
            SecretKind::ShareLink => "pcref_share_",
        }
    }
}

/// 32 bytes = 256 bits, as 43 characters of unpadded base64url.
const SECRET_BYTES: usize = 32;
const ENCODED_LEN: usize = 43;

/// A freshly generated secret: the text to hand out once, and the hash to store.
#[derive(Clone)]
pub struct IssuedSecret {
    pub secret: String,
    pub hash: String,
}

impl std::fmt::Debug for IssuedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedSecret")
            .field("secret", &"<redacted>")
            .field("hash", &self.hash)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomnessError(String);

/// Generates a new secret of this kind.
pub fn issue(kind: SecretKind) -> Result<IssuedSecret, RandomnessError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| RandomnessError(e.to_string()))?;
    let secret = format!(
        "{}{}",
        kind.prefix(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = hash_secret(&secret);
    Ok(IssuedSecret { secret, hash })
}

/// The hash under which a secret is stored and looked up. `None` when the text cannot be a
/// secret of this kind, so that garbage never reaches the database.
pub fn lookup_hash(kind: SecretKind, presented: &str) -> Option<String> {
    let body = presented.strip_prefix(kind.prefix())?;
    let well_formed = body.len() == ENCODED_LEN
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| hash_secret(presented))
}

fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who is calling: the user behind a valid token, and the memberships they hold now.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub token_id: AccessTokenId,
    /// Active memberships only: an invitation not yet accepted grants nothing.
    pub memberships: Vec<MembershipInContext>,
}

impl Principal {
    /// Whether the user holds any role in the alliance (in it, or in one of its organisations).
    pub fn is_member_of_alliance(&self, alliance: AllianceId) -> bool {
        self.memberships
            .iter()
            .any(|m| m.membership.alliance_id == alliance)
    }

    /// The alliance-level role held in this alliance, if any.
    pub fn alliance_role(&self, alliance: AllianceId) -> Option<Role> {
        self.memberships
            .iter()
            .find(|m| {
                m.membership.alliance_id == alliance
                    && m.membership.role.scope() == RoleScope::Alliance
            })
            .map(|m| m.membership.role)
    }

    /// The role held in this organisation, if any.
    pub fn organisation_role(&self, organisation: OrganisationId) -> Option<Role> {
        self.memberships
            .iter()
            .find(|m| m.membership.organisation_id == Some(organisation))
            .map(|m| m.membership.role)
    }

    pub fn is_alliance_admin(&self, alliance: AllianceId) -> bool {
        self.alliance_role(alliance) == Some(Role::AllianceAdmin)
    }

    pub fn is_organisation_admin(&self, organisation: OrganisationId) -> bool {
        self.organisation_role(organisation)
            .is_some_and(Role::is_organisation_admin)
    }

    /// How the audit log names this actor.
    pub fn actor_label(&self) -> String {
        self.user.email.clone()
    }
}

/// What authorization decisions ask of whoever acts, person or API client: the policy
/// functions that serve both take `&impl Acting`.
pub trait Acting {
    fn is_member_of_alliance(&self, alliance: AllianceId) -> bool;
    fn alliance_role(&self, alliance: AllianceId) -> Option<Role>;
    /// The role held (or, for a client, acted with) in this organisation.
    fn organisation_role(&self, organisation: OrganisationId) -> Option<Role>;
    /// The organisations acted for in this alliance: id, role held there, name.
    fn organisation_roles(&self, alliance: AllianceId) -> Vec<(OrganisationId, Role, String)>;
    /// The person acting, if it is one (an API client is nobody's account).
    fn user_id(&self) -> Option<UserId>;
    /// How the audit log names this actor.
    fn actor_label(&self) -> String;
}

impl Acting for Principal {
    fn user_id(&self) -> Option<UserId> {
        Some(self.user.id)
    }

    fn actor_label(&self) -> String {
        Principal::actor_label(self)
    }

    fn is_member_of_alliance(&self, alliance: AllianceId) -> bool {
        Principal::is_member_of_alliance(self, alliance)
    }

    fn alliance_role(&self, alliance: AllianceId) -> Option<Role> {
        Principal::alliance_role(self, alliance)
    }

    fn organisation_role(&self, organisation: OrganisationId) -> Option<Role> {
        Principal::organisation_role(self, organisation)
    }

    fn organisation_roles(&self, alliance: AllianceId) -> Vec<(OrganisationId, Role, String)> {
        self.memberships
            .iter()
            .filter(|m| m.membership.alliance_id == alliance)
            .filter_map(|m| {
                Some((
                    m.membership.organisation_id?,
                    m.membership.role,
                    m.organisation_name.clone().unwrap_or_default(),
                ))
            })
            .collect()
    }
}

/// An API client acting through an access token from `/oauth/token`: it acts for its
/// organisation, within the scopes the token was granted (a subset of the client's).
#[derive(Debug, Clone)]
pub struct ClientPrincipal {
    pub client: ApiClient,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
    pub token_id: ClientTokenId,
    pub scopes: Vec<Scope>,
}

impl ClientPrincipal {
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The role the client acts with in its organisation: a contributor's (provider editor,
    /// VCSE partner), never an admin's — an API client manages no members and no clients.
    pub fn acting_role(&self) -> Role {
        match self.organisation_kind {
            OrganisationKind::Provider => Role::ProviderEditor,
            OrganisationKind::Vcse => Role::VcsePartner,
        }
    }

    /// How the audit log names this actor: the client's name and public id, never a secret.
    pub fn actor_label(&self) -> String {
        format!(
            "API client {} ({})",
            self.client.name, self.client.client_id
        )
    }
}

/// Whoever calls an operation that API clients may use too: a person with a personal access
/// token, or an API client with an access token. Operations for people only take [`Principal`].
#[derive(Debug, Clone)]
pub enum Caller {
    Person(Principal),
    Client(ClientPrincipal),
}

/// A scope the caller's token does not carry (RFC 6750 §3.1 `insufficient_scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingScope(pub Scope);

impl Caller {
    /// People are limited by their roles only; an API client also needs the scope.
    pub fn require_scope(&self, scope: Scope) -> Result<(), MissingScope> {
        match self {
            Caller::Person(_) => Ok(()),
            Caller::Client(c) if c.has_scope(scope) => Ok(()),
            Caller::Client(_) => Err(MissingScope(scope)),
        }
    }

    pub fn person(&self) -> Option<&Principal> {
        match self {
            Caller::Person(p) => Some(p),
            Caller::Client(_) => None,
        }
    }

    pub fn actor_label(&self) -> String {
        match self {
            Caller::Person(p) => p.actor_label(),
            Caller::Client(c) => c.actor_label(),
        }
    }
}

impl Acting for Caller {
    fn user_id(&self) -> Option<UserId> {
        self.person().map(|p| p.user.id)
    }

    fn actor_label(&self) -> String {
        Caller::actor_label(self)
    }

    fn is_member_of_alliance(&self, alliance: AllianceId) -> bool {
        match self {
            Caller::Person(p) => p.is_member_of_alliance(alliance),
            Caller::Client(c) => c.client.alliance_id == alliance,
        }
    }

    fn alliance_role(&self, alliance: AllianceId) -> Option<Role> {
        match self {
            Caller::Person(p) => p.alliance_role(alliance),
            Caller::Client(_) => None,
        }
    }

    fn organisation_role(&self, organisation: OrganisationId) -> Option<Role> {
        match self {
            Caller::Person(p) => p.organisation_role(organisation),
            Caller::Client(c) => {
                (c.client.organisation_id == organisation).then(|| c.acting_role())
            }
        }
    }

    fn organisation_roles(&self, alliance: AllianceId) -> Vec<(OrganisationId, Role, String)> {
        match self {
            Caller::Person(p) => Acting::organisation_roles(p, alliance),
            Caller::Client(c) if c.client.alliance_id == alliance => vec![(
                c.client.organisation_id,
                c.acting_role(),
                c.organisation_name.clone(),
            )],
            Caller::Client(_) => Vec::new(),
        }
    }
}

impl From<Principal> for Caller {
    fn from(p: Principal) -> Self {
        Caller::Person(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_secrets_are_long_random_and_hashed() {
        let a = issue(SecretKind::PersonalAccessToken).expect("randomness");
        let b = issue(SecretKind::PersonalAccessToken).expect("randomness");
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with("pcref_pat_"));
        assert_eq!(a.secret.len(), "pcref_pat_".len() + ENCODED_LEN);
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.secret));
        assert_eq!(
            lookup_hash(SecretKind::PersonalAccessToken, &a.secret),
            Some(a.hash)
        );
    }

    #[test]
    fn secrets_of_one_kind_are_not_accepted_as_another() {
        let code = issue(SecretKind::InvitationCode).expect("randomness");
        assert_eq!(
            lookup_hash(SecretKind::PersonalAccessToken, &code.secret),
            None
        );
        assert!(lookup_hash(SecretKind::InvitationCode, &code.secret).is_some());
    }

    #[test]
    fn malformed_secrets_are_rejected_without_hashing() {
        for bad in [
            "",
            "pcref_pat_",
            "pcref_pat_short",
            "Bearer x",
            &format!("pcref_pat_{}", "!".repeat(43)),
        ] {
            assert_eq!(
                lookup_hash(SecretKind::PersonalAccessToken, bad),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let s = issue(SecretKind::InvitationCode).expect("randomness");
        assert!(!format!("{s:?}").contains(&s.secret));
    }
}
