//! Authentication, personal access tokens and accepting invitations.

use pcref_auth::{issue, lookup_hash, SecretKind};
use pcref_domain::{
    AccessToken, AccessTokenId, Cursor, Email, Membership, MembershipStatus, Page, PageLimit,
    TokenName, User, UserId,
};
use pcref_store::{alliances, invitations, memberships, tokens, users, DbConnection, Kept};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::kept::KeptMap;
use crate::{now, App, AppError, AuthFailure, Principal};

/// How long a principal read from the database may be served from memory (see `kept`): a
/// change made through another server is seen within this.
const PRINCIPALS_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// The principals behind tokens that worked, by the token's hash (never the token). Only
/// tokens that worked are kept: an unknown, expired or revoked one is looked up each time.
pub(crate) type KeptPrincipals = KeptMap<String, KeptPrincipal>;

pub(crate) fn kept_principals() -> KeptPrincipals {
    KeptMap::new(PRINCIPALS_FRESH_FOR, 10_000)
}

#[derive(Debug, Clone)]
pub(crate) struct KeptPrincipal {
    principal: Principal,
    /// Checked on every request: a kept token still expires on time.
    expires_at: chrono::DateTime<chrono::Utc>,
    last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A token just created: its metadata and the secret, which is shown this once.
#[derive(Clone)]
pub struct CreatedToken {
    pub token: AccessToken,
    pub secret: String,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct AcceptedInvitation {
    pub membership: Membership,
    pub token: CreatedToken,
}

impl App {
    /// Resolves a bearer token to the principal behind it: from memory when the token was
    /// seen moments ago and nothing it depends on has changed since (see `kept_principals`),
    /// otherwise with one query.
    pub async fn authenticate(&self, presented: &str) -> Result<Principal, AppError> {
        let hash = lookup_hash(SecretKind::PersonalAccessToken, presented.trim())
            .ok_or(AppError::Unauthenticated(AuthFailure::Invalid))?;
        let epoch = self.db.epoch(Kept::Identity);
        let kept = self
            .principals
            .get(hash.as_str(), epoch)
            .filter(|k| k.expires_at > now());
        let (principal, last_used) = match kept {
            Some(k) => (k.principal, k.last_used_at),
            None => self.read_principal(hash.clone(), epoch).await?,
        };
        let precision = chrono::Duration::from_std(self.settings.last_used_precision)
            .unwrap_or(chrono::Duration::seconds(60));
        let at = now();
        if last_used.is_none_or(|t| at - t >= precision) {
            let token_id = principal.token_id;
            // Bookkeeping only: a failure here must not fail the caller's request.
            match self
                .db
                .write(move |conn| tokens::touch_last_used(conn, token_id, at))
                .await
            {
                Ok(()) => self
                    .principals
                    .update(hash.as_str(), |k| k.last_used_at = Some(at)),
                Err(error) => tracing::warn!(%error, "could not record token use"),
            }
        }
        Ok(principal)
    }

    /// Reads the principal behind a token hash with one statement, and keeps it.
    async fn read_principal(
        &self,
        hash: String,
        epoch: u64,
    ) -> Result<(Principal, Option<chrono::DateTime<chrono::Utc>>), AppError> {
        let key = hash.clone();
        let (principal, token) = self
            .db
            .read(move |conn| {
                // One statement: the token, its owner and the owner's active memberships.
                let (token, user, memberships) = tokens::find_by_hash_with_memberships(conn, &key)?
                    .ok_or(AppError::Unauthenticated(AuthFailure::Invalid))?;
                if token.revoked_at.is_some() {
                    return Err(AppError::Unauthenticated(AuthFailure::Revoked));
                }
                if token.expires_at <= now() {
                    return Err(AppError::Unauthenticated(AuthFailure::Expired));
                }
                let principal = Principal {
                    user,
                    token_id: token.id,
                    memberships,
                };
                Ok((principal, token))
            })
            .await?;
        self.principals.keep(
            hash,
            epoch,
            KeptPrincipal {
                principal: principal.clone(),
                expires_at: token.expires_at,
                last_used_at: token.last_used_at,
            },
        );
        Ok((principal, token.last_used_at))
    }

    pub async fn list_tokens(
        &self,
        p: &Principal,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<AccessToken>, AppError> {
        let user = p.user.id;
        self.db
            .read(move |conn| Ok(tokens::list_for_user(conn, user, after.as_ref(), limit)?))
            .await
    }

    /// Creates a personal access token for the caller, living `lifetime_days` or the default.
    pub async fn create_token(
        &self,
        p: &Principal,
        name: TokenName,
        lifetime_days: Option<u32>,
    ) -> Result<CreatedToken, AppError> {
        let lifetime = self.token_lifetime(lifetime_days)?;
        let user = p.user.id;
        let actor = Actor::of(p);
        self.db
            .write(move |conn| issue_token(conn, &actor, user, &name, lifetime))
            .await
    }

    /// Revokes one of the caller's tokens (the one in use included). Revoking twice is fine.
    pub async fn revoke_token(&self, p: &Principal, id: AccessTokenId) -> Result<(), AppError> {
        let user = p.user.id;
        let actor = Actor::of(p);
        self.db
            .write(move |conn| {
                let token = tokens::find_for_user(conn, user, id)?
                    .ok_or(AppError::NotFound("access token"))?;
                let at = now();
                if tokens::revoke(conn, id, at)? {
                    let after = AccessToken {
                        revoked_at: Some(at),
                        ..token.clone()
                    };
                    audit::record(
                        conn,
                        &actor,
                        at,
                        AuditScope::User,
                        Change {
                            action: "access_token.revoked",
                            target_type: "access_token",
                            target_id: id.to_string(),
                            before: Some(audit::token_json(&token)),
                            after: Some(audit::token_json(&after)),
                        },
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// Takes up an invitation: the membership becomes active and its holder receives a
    /// personal access token. Each code works once, within its lifetime.
    ///
    /// The inviter sees the code too. For an account nobody uses yet that grants nothing beyond
    /// what the inviter granted, but a token for an account in use (an active membership, or a
    /// token that still works) would carry that person's other memberships: such an invitation
    /// must be accepted by its holder, signed in (`caller`) as that same account. Someone who
    /// has lost every token gets a new one from an operator (`pcref-hub admin reset-tokens`).
    pub async fn accept_invitation(
        &self,
        code: String,
        token_name: TokenName,
        caller: Option<&Principal>,
    ) -> Result<AcceptedInvitation, AppError> {
        let caller = caller.map(|p| p.user.id);
        let not_valid = || {
            AppError::invalid(
                "code",
                "is not a valid invitation code; check that it was copied whole, or ask your admin to invite you again",
            )
        };
        let hash = lookup_hash(SecretKind::InvitationCode, code.trim()).ok_or_else(not_valid)?;
        // Well-formed, but no invitation has it (never issued, or replaced by a new one): 404.
        let unknown = || {
            AppError::UnknownCode(
                "no invitation has this code; check that it was copied whole, or ask your admin to invite you again".into(),
            )
        };
        let lifetime = self.settings.token_lifetime;
        self.db
            .write(move |conn| {
                let invitation = invitations::find_by_code_hash(conn, &hash)?.ok_or_else(unknown)?;
                let at = now();
                if invitation.expires_at <= at {
                    return Err(AppError::invalid(
                        "code",
                        format!(
                            "expired at {}; ask your admin to invite you again",
                            invitation.expires_at.to_rfc3339()
                        ),
                    ));
                }
                // Membership changes in an alliance take its lock first (see members.rs), so
                // that accepting cannot interleave with a removal or a re-invitation.
                let pending = memberships::find(conn, invitation.membership_id)?.ok_or_else(not_valid)?;
                alliances::lock(conn, pending.alliance_id)?;
                // Claim the code: a concurrent accept of the same code finds it used. Any
                // refusal below rolls the claim back.
                // A code already used is a well-formed request the invitation's state refuses:
                // 409, as for any other conflict with what a record has become.
                if invitation.accepted_at.is_some() || !invitations::mark_accepted(conn, invitation.id, at)? {
                    return Err(AppError::Conflict(
                        "this invitation code has already been used; each invitation code works once. Use the token you received then, or ask your admin to invite you again".into(),
                    ));
                }
                let before = memberships::find(conn, invitation.membership_id)?.ok_or_else(not_valid)?;
                // Two codes for one account (perhaps from two alliances), accepted at once, must
                // not both pass as "new": take the account's lock before asking.
                users::lock(conn, before.user.id)?;
                let account_in_use = tokens::has_valid_token(conn, before.user.id, at)?
                    || !memberships::active_for_user(conn, before.user.id)?.is_empty();
                if account_in_use && caller != Some(before.user.id) {
                    return Err(match caller {
                        None => AppError::Unauthenticated(AuthFailure::AccountInUse),
                        Some(_) => AppError::Forbidden(
                            "this invitation is for another account; accept it signed in as the person invited".into(),
                        ),
                    });
                }
                let membership = if before.status == MembershipStatus::Active {
                    before.clone()
                } else {
                    memberships::activate(conn, before.id, at)?
                        .ok_or(AppError::Internal("membership vanished while accepting".into()))?
                };
                let actor = Actor {
                    user_id: Some(membership.user.id),
                    label: membership.user.email.clone(),
                };
                audit::record(
                    conn,
                    &actor,
                    at,
                    AuditScope::Alliance(membership.alliance_id, membership.organisation_id),
                    Change {
                        action: "membership.accepted",
                        target_type: "membership",
                        target_id: membership.id.to_string(),
                        before: Some(audit::membership_json(&before)),
                        after: Some(audit::membership_json(&membership)),
                    },
                )?;
                let token = issue_token(conn, &actor, membership.user.id, &token_name, lifetime)?;
                Ok(AcceptedInvitation { membership, token })
            })
            .await
    }

    /// For an operator at the server's command line: revokes every token of the account with
    /// this email and issues one new token, to hand to its owner. The way back for someone who
    /// lost their tokens, or whose account someone else took up first.
    pub async fn reset_tokens(
        &self,
        email: Email,
        token_name: TokenName,
    ) -> Result<(User, CreatedToken, usize), AppError> {
        let lifetime = self.settings.token_lifetime;
        self.db
            .write(move |conn| {
                let user =
                    users::find_by_email(conn, &email)?.ok_or(AppError::NotFound("account"))?;
                users::lock(conn, user.id)?;
                let actor = Actor::command_line();
                let at = now();
                let revoked = tokens::revoke_all_for_user(conn, user.id, at)?;
                for token in &revoked {
                    let after = AccessToken {
                        revoked_at: Some(at),
                        ..token.clone()
                    };
                    audit::record(
                        conn,
                        &actor,
                        at,
                        AuditScope::User,
                        Change {
                            action: "access_token.revoked",
                            target_type: "access_token",
                            target_id: token.id.to_string(),
                            before: Some(audit::token_json(token)),
                            after: Some(audit::token_json(&after)),
                        },
                    )?;
                }
                let token = issue_token(conn, &actor, user.id, &token_name, lifetime)?;
                Ok((user, token, revoked.len()))
            })
            .await
    }

    fn token_lifetime(&self, days: Option<u32>) -> Result<chrono::Duration, AppError> {
        let Some(days) = days else {
            return Ok(self.settings.token_lifetime);
        };
        let max_days = self.settings.max_token_lifetime.num_days();
        if days == 0 || i64::from(days) > max_days {
            return Err(AppError::invalid(
                "expires_in_days",
                format!("must be between 1 and {max_days}"),
            ));
        }
        Ok(chrono::Duration::days(i64::from(days)))
    }
}

/// Creates a token inside the caller's transaction and records it.
pub(crate) fn issue_token(
    conn: &mut DbConnection,
    actor: &Actor,
    user: UserId,
    name: &TokenName,
    lifetime: chrono::Duration,
) -> Result<CreatedToken, AppError> {
    let secret = issue(SecretKind::PersonalAccessToken)?;
    let at = now();
    let token = tokens::insert(conn, user, name, &secret.hash, at, at + lifetime)?;
    audit::record(
        conn,
        actor,
        at,
        AuditScope::User,
        Change {
            action: "access_token.created",
            target_type: "access_token",
            target_id: token.id.to_string(),
            before: None,
            after: Some(audit::token_json(&token)),
        },
    )?;
    Ok(CreatedToken {
        token,
        secret: secret.secret,
    })
}
