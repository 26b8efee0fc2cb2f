//! Sessions, accounts and the profiles an account can act for.

use crate::invite::{InviteRole, PracticeRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The login identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub id: String,
    pub email: String,
}

/// A patient the account can act for: itself (`self`) or a dependant (`guardian`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileSummary {
    pub patient_id: String,
    pub role: InviteRole,
    pub first_name: String,
    pub last_name: String,
    pub practice: PracticeRef,
}

/// A signed-in session as the server hands it out (login, accept, refresh).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"<redacted>")
            .field("account", &self.account.id)
            .field("profiles", &self.profiles.len())
            .finish()
    }
}

/// `POST /v1/auth/login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    pub device_name: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("password", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/auth/refresh`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshRequest(<redacted>)")
    }
}

/// A provider as patients see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderRef {
    pub id: String,
    pub name: String,
}

/// The providers who care for one patient (and may message them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CareTeam {
    pub patient_id: String,
    pub primary_provider_id: String,
    pub providers: Vec<ProviderRef>,
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
    pub practices: Vec<PracticeRef>,
    pub care_teams: Vec<CareTeam>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_with_secrets_redact_them_in_debug() {
        let login = LoginRequest {
            email: "a@b.c".into(),
            password: "hunter2hunter2".into(),
            device_name: "phone".into(),
        };
        assert!(!format!("{login:?}").contains("hunter2"));
        let refresh = RefreshRequest {
            refresh_token: "tok_secret".into(),
        };
        assert!(!format!("{refresh:?}").contains("tok_secret"));
    }
}

/// `POST /v1/auth/password-reset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub email: String,
}

/// `GET /v1/auth/password-reset/{token}` for a usable link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetInfo {
    /// Always `valid`; the other states are error answers.
    pub status: String,
    pub email_hint: String,
}

/// `POST /v1/auth/password`: a signed-in person changes their password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

impl fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangePasswordRequest(<redacted>)")
    }
}

/// `POST /v1/auth/password-reset/{token}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPasswordRequest {
    pub password: String,
}

impl fmt::Debug for NewPasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPasswordRequest(<redacted>)")
    }
}

/// `{"status": ...}`: the answer of requests whose outcome is deliberately vague
/// (`sent_if_exists`) or a next step (`sent`, `provider_notified`, `check_email`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusAnswer {
    pub status: String,
}

/// `POST /v1/invites/{token}/claim`: the account's profiles after the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfilesAnswer {
    pub profiles: Vec<ProfileSummary>,
}
