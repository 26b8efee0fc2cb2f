//! Conversions from core and model types to the FFI records.

use crate::{
    DeepLink, InviteDetails, InviteState, JoinState, LinkKind, LockState, PasswordRule, Profile,
    ProfileRole, RenewOutcome, ResetState, Restored, RuleOutcome, SessionCheck, SignedIn,
};
use portal_model::{InviteProblem, InviteRole, PasswordCheck, PasswordPolicy, PolicyRule};

impl From<portal_core::LinkKind> for LinkKind {
    fn from(kind: portal_core::LinkKind) -> Self {
        match kind {
            portal_core::LinkKind::Invite => Self::Invite,
            portal_core::LinkKind::Reset => Self::Reset,
            portal_core::LinkKind::Join => Self::Join,
        }
    }
}

impl From<portal_core::DeepLink> for DeepLink {
    fn from(link: portal_core::DeepLink) -> Self {
        Self {
            kind: link.kind.into(),
            token: link.token,
        }
    }
}

/// An invite's role as the profile role it gives.
fn role(role: InviteRole) -> ProfileRole {
    match role {
        InviteRole::Patient => ProfileRole::Patient,
        InviteRole::Guardian => ProfileRole::Guardian,
    }
}

impl From<PolicyRule> for PasswordRule {
    fn from(rule: PolicyRule) -> Self {
        match rule {
            PolicyRule::TooShort => Self::TooShort,
            PolicyRule::TooLong => Self::TooLong,
            PolicyRule::Common => Self::Common,
            PolicyRule::EqualsEmail => Self::EqualsEmail,
        }
    }
}

impl From<portal_core::InviteState> for InviteState {
    fn from(state: portal_core::InviteState) -> Self {
        match state {
            portal_core::InviteState::Valid(info) => Self::Valid {
                details: invite_details(info),
            },
            portal_core::InviteState::Unusable(InviteProblem::Expired) => Self::Expired,
            portal_core::InviteState::Unusable(InviteProblem::Used) => Self::Used,
            portal_core::InviteState::Unusable(InviteProblem::Revoked) => Self::Revoked,
            portal_core::InviteState::Unusable(InviteProblem::NotFound) => Self::NotFound,
        }
    }
}

impl From<portal_core::RenewOutcome> for RenewOutcome {
    fn from(outcome: portal_core::RenewOutcome) -> Self {
        use portal_core::RenewOutcome as Core;
        match outcome {
            Core::Sent => Self::Sent,
            Core::ProviderNotified => Self::ProviderNotified,
            Core::StillValid => Self::StillValid,
            Core::Unusable(InviteProblem::Used) => Self::Used,
            Core::Unusable(InviteProblem::Revoked) => Self::Revoked,
            // An expired invite is renewed, never reported back as unusable.
            Core::Unusable(InviteProblem::NotFound | InviteProblem::Expired) => Self::NotFound,
        }
    }
}

impl From<portal_core::SignedIn> for SignedIn {
    fn from(signed_in: portal_core::SignedIn) -> Self {
        Self {
            account_id: signed_in.account.id,
            email: signed_in.account.email,
            current_profile_id: signed_in.current_profile_id,
            profiles: signed_in
                .profiles
                .into_iter()
                .map(|p| Profile {
                    patient_id: p.patient_id,
                    role: role(p.role),
                    first_name: p.first_name,
                    last_name: p.last_name,
                    practice_name: p.practice.name,
                })
                .collect(),
        }
    }
}

impl From<portal_core::Restored> for Restored {
    fn from(restored: portal_core::Restored) -> Self {
        match restored {
            portal_core::Restored::Nobody => Self::Nobody,
            portal_core::Restored::Cached(s) => Self::Cached { account: s.into() },
            portal_core::Restored::Locked { email } => Self::Locked { email },
        }
    }
}

impl From<portal_core::SessionCheck> for SessionCheck {
    fn from(check: portal_core::SessionCheck) -> Self {
        match check {
            portal_core::SessionCheck::NotNeeded => Self::NotNeeded,
            portal_core::SessionCheck::Checking { account_id } => Self::Checking { account_id },
            portal_core::SessionCheck::Unreachable {
                account_id,
                retry_at,
            } => Self::Unreachable {
                account_id,
                retry_at: retry_at.into(),
            },
            portal_core::SessionCheck::Confirmed(s) => Self::Confirmed { account: s.into() },
            portal_core::SessionCheck::Ended {
                account_id,
                email,
                code,
            } => Self::Ended {
                account_id,
                email,
                code,
            },
        }
    }
}

impl From<portal_core::ResetState> for ResetState {
    fn from(state: portal_core::ResetState) -> Self {
        match state {
            portal_core::ResetState::Valid { email_hint } => Self::Valid { email_hint },
            portal_core::ResetState::Expired => Self::Expired,
            portal_core::ResetState::Used => Self::Used,
            portal_core::ResetState::NotFound => Self::NotFound,
        }
    }
}

impl From<portal_core::JoinState> for JoinState {
    fn from(state: portal_core::JoinState) -> Self {
        match state {
            portal_core::JoinState::Valid(info) => Self::Valid {
                practice_name: info.practice.name,
                group_name: info.group.name,
                expires_at: info.expires_at.into(),
            },
            portal_core::JoinState::Expired => Self::Expired,
            portal_core::JoinState::NotFound => Self::NotFound,
        }
    }
}

/// A checklist with each rule's words.
pub fn outcomes(policy: &PasswordPolicy, check: &PasswordCheck) -> Vec<RuleOutcome> {
    check
        .outcomes
        .iter()
        .map(|o| RuleOutcome {
            rule: o.rule.into(),
            passed: o.passed,
            requirement: o.rule.requirement(policy),
        })
        .collect()
}

impl From<portal_core::LockState> for LockState {
    fn from(state: portal_core::LockState) -> Self {
        match state {
            portal_core::LockState::NotSignedIn => Self::NotSignedIn,
            portal_core::LockState::Unlocked { locks_at } => Self::Unlocked {
                locks_at: locks_at.into(),
            },
            portal_core::LockState::Locked { account_id, email } => {
                Self::Locked { account_id, email }
            }
        }
    }
}

/// A valid invite as the app shows it.
pub fn invite_details(info: portal_model::InviteInfo) -> InviteDetails {
    InviteDetails {
        role: role(info.role),
        practice_name: info.practice.name,
        patient_first_name: info.patient_first_name,
        email_hint: info.email_hint,
        expires_at: info.expires_at.into(),
        account_exists: info.account_exists,
    }
}

/// What a person typed into the join form, checked (the date as `YYYY-MM-DD`).
pub fn join_request(
    details: crate::JoinDetails,
) -> Result<portal_model::JoinRequest, crate::error::PortalError> {
    let date_of_birth =
        details
            .date_of_birth
            .parse()
            .map_err(|_| crate::error::PortalError::InvalidArgument {
                detail: "date_of_birth must be YYYY-MM-DD.".to_owned(),
            })?;
    Ok(portal_model::JoinRequest {
        first_name: details.first_name,
        last_name: details.last_name,
        date_of_birth,
        email: details.email,
        phone: details.phone,
    })
}
