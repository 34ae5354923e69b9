//! Organisation kinds, roles and where each role may be held.

use std::fmt;
use std::str::FromStr;

use crate::ValidationError;

/// What kind of member an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganisationKind {
    /// An NHS mental-health provider trust: it has a private workspace.
    Provider,
    /// A voluntary, community or social enterprise partner.
    Vcse,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 2] = [OrganisationKind::Provider, OrganisationKind::Vcse];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Provider => "provider",
            OrganisationKind::Vcse => "vcse",
        }
    }

    /// The role that administers an organisation of this kind.
    pub fn admin_role(self) -> Role {
        match self {
            OrganisationKind::Provider => Role::ProviderAdmin,
            OrganisationKind::Vcse => Role::VcseAdmin,
        }
    }
}

impl fmt::Display for OrganisationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrganisationKind {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrganisationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ValidationError::new("kind", "must be \"provider\" or \"vcse\""))
    }
}

/// Where a role is held: in one organisation of a given kind, or across the alliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleScope {
    Organisation(OrganisationKind),
    Alliance,
}

/// A member's role. See the role table in the design for what each may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    ProviderAdmin,
    ProviderEditor,
    ProviderViewer,
    VcseAdmin,
    VcsePartner,
    AllianceAdmin,
    BoardMember,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::ProviderAdmin,
        Role::ProviderEditor,
        Role::ProviderViewer,
        Role::VcseAdmin,
        Role::VcsePartner,
        Role::AllianceAdmin,
        Role::BoardMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProviderAdmin => "provider_admin",
            Role::ProviderEditor => "provider_editor",
            Role::ProviderViewer => "provider_viewer",
            Role::VcseAdmin => "vcse_admin",
            Role::VcsePartner => "vcse_partner",
            Role::AllianceAdmin => "alliance_admin",
            Role::BoardMember => "board_member",
        }
    }

    pub fn scope(self) -> RoleScope {
        match self {
            Role::ProviderAdmin | Role::ProviderEditor | Role::ProviderViewer => {
                RoleScope::Organisation(OrganisationKind::Provider)
            }
            Role::VcseAdmin | Role::VcsePartner => RoleScope::Organisation(OrganisationKind::Vcse),
            Role::AllianceAdmin | Role::BoardMember => RoleScope::Alliance,
        }
    }

    /// Administers its organisation: members today, API clients later.
    pub fn is_organisation_admin(self) -> bool {
        matches!(self, Role::ProviderAdmin | Role::VcseAdmin)
    }

    /// Checks that this role can be held in an organisation of `kind`, explaining which roles
    /// can when it cannot.
    pub fn check_fits_organisation(self, kind: OrganisationKind) -> Result<(), ValidationError> {
        if self.scope() == RoleScope::Organisation(kind) {
            return Ok(());
        }
        let fitting: Vec<&str> = Role::ALL
            .into_iter()
            .filter(|r| r.scope() == RoleScope::Organisation(kind))
            .map(Role::as_str)
            .collect();
        Err(ValidationError::new(
            "role",
            format!(
                "{} cannot be held in a {} organisation; use one of: {}",
                self.as_str(),
                kind,
                fitting.join(", ")
            ),
        ))
    }

    /// Checks that this role is an alliance-level role.
    pub fn check_fits_alliance(self) -> Result<(), ValidationError> {
        if self.scope() == RoleScope::Alliance {
            Ok(())
        } else {
            Err(ValidationError::new(
                "role",
                format!(
                    "{} is held in an organisation, not across the alliance; use alliance_admin or board_member, or invite through the organisation's members",
                    self.as_str()
                ),
            ))
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ValidationError::new("role", format!("unknown role {s:?}")))
    }
}

/// Whether a membership has been taken up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MembershipStatus {
    /// Invited; grants nothing until the invitation is accepted.
    Invited,
    Active,
}

impl MembershipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Invited => "invited",
            MembershipStatus::Active => "active",
        }
    }
}

impl FromStr for MembershipStatus {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "invited" => Ok(MembershipStatus::Invited),
            "active" => Ok(MembershipStatus::Active),
            other => Err(ValidationError::new(
                "status",
                format!("unknown membership status {other:?}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn roles_fit_only_their_scope() {
        assert!(Role::ProviderEditor
            .check_fits_organisation(OrganisationKind::Provider)
            .is_ok());
        let err = Role::ProviderEditor
            .check_fits_organisation(OrganisationKind::Vcse)
            .expect_err("provider role in vcse");
        assert!(err.message.contains("vcse_admin, vcse_partner"));
        assert!(Role::BoardMember.check_fits_alliance().is_ok());
        assert!(Role::VcsePartner.check_fits_alliance().is_err());
        assert!(Role::AllianceAdmin
            .check_fits_organisation(OrganisationKind::Provider)
            .is_err());
    }
}
