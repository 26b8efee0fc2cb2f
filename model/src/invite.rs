//! Provider-issued invites: what a patient sees before choosing a password.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whom an invite is for: the patient, or a guardian acting for a minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InviteRole {
    #[serde(rename = "self")]
    Patient,
    Guardian,
}

impl InviteRole {
    /// The role as it appears on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patient => "self",
            Self::Guardian => "guardian",
        }
    }

    /// Parses the wire form.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "self" => Some(Self::Patient),
            "guardian" => Some(Self::Guardian),
            _ => None,
        }
    }
}

/// Whether an invite's address (known only by its hint) is one of the accounts already
/// on this device. Someone can send a patient an invite to the sender's own account:
/// the password screen shows the hint, asks the person to confirm it is their address,
/// and warns when it matches none of the accounts here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum HintOnDevice {
    /// No account is signed in on this device yet.
    NoAccounts,
    /// The hint matches an account on this device.
    MatchesAnAccount,
    /// Accounts are signed in here, and the hint matches none of them: warn.
    MatchesNone,
}

impl HintOnDevice {
    /// Compares `hint` with the addresses of the accounts on this device.
    pub fn of<'a>(hint: &str, emails: impl IntoIterator<Item = &'a str>) -> Self {
        let mut any = false;
        for email in emails {
            any = true;
            if email_hint(&email.trim().to_lowercase()) == hint {
                return Self::MatchesAnAccount;
            }
        }
        if any {
            Self::MatchesNone
        } else {
            Self::NoAccounts
        }
    }
}

/// Why an invite link cannot be used, each with its own next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum InviteProblem {
    /// Past its expiry: the practice must send a new one.
    Expired,
    /// A password was already set with it: sign in instead.
    Used,
    /// A newer invite replaced it: check email for the newer one.
    Revoked,
    /// No such invite (mistyped or truncated link).
    NotFound,
}

impl InviteProblem {
    /// The problem a server's error code names, if it names one.
    pub fn from_code(code: crate::ErrorCode) -> Option<Self> {
        match code {
            crate::ErrorCode::InviteExpired => Some(Self::Expired),
            crate::ErrorCode::InviteUsed => Some(Self::Used),
            crate::ErrorCode::InviteRevoked => Some(Self::Revoked),
            crate::ErrorCode::InviteNotFound => Some(Self::NotFound),
            _ => None,
        }
    }
}

/// A practice, as far as a patient-facing answer names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeRef {
    pub name: String,
}

/// `GET /v1/invites/{token}` for a valid invite. Reveals nothing beyond these fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteInfo {
    /// Always `valid` here; the other states are error answers.
    pub status: String,
    pub role: InviteRole,
    pub practice: PracticeRef,
    pub patient_first_name: String,
    /// The invited address with most of it hidden, such as `j•••@example.com`.
    pub email_hint: String,
    pub expires_at: DateTime<Utc>,
    pub account_exists: bool,
}

/// `POST /v1/invites/{token}/accept`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInviteRequest {
    pub password: String,
    pub device_name: String,
}

impl fmt::Debug for AcceptInviteRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptInviteRequest")
            .field("password", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// Hides an email address for display to someone holding only a link:
/// `jane.doe@example.com` becomes `j•••@example.com`.
pub fn email_hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_is_compared_with_the_accounts_on_the_device() {
        let hint = email_hint("jordan@example.com");
        assert_eq!(HintOnDevice::of(&hint, []), HintOnDevice::NoAccounts);
        assert_eq!(
            HintOnDevice::of(&hint, ["sam@example.com", "Jordan@Example.com"]),
            HintOnDevice::MatchesAnAccount
        );
        assert_eq!(
            HintOnDevice::of(&hint, ["sam@example.com", "jordan@example.org"]),
            HintOnDevice::MatchesNone
        );
    }

    #[test]
    fn email_hint_keeps_only_the_first_letter_and_domain() {
        assert_eq!(email_hint("jane.doe@example.com"), "j•••@example.com");
        assert_eq!(email_hint("x@y.org"), "x•••@y.org");
        assert_eq!(email_hint("not-an-email"), "•••");
    }

    #[test]
    fn role_uses_the_protocol_names() {
        assert_eq!(
            serde_json::to_string(&InviteRole::Patient).unwrap(),
            "\"self\""
        );
        assert_eq!(InviteRole::parse("guardian"), Some(InviteRole::Guardian));
        assert_eq!(InviteRole::parse("admin"), None);
    }

    #[test]
    fn accept_request_debug_hides_the_password() {
        let request = AcceptInviteRequest {
            password: "correct horse battery".into(),
            device_name: "laptop".into(),
        };
        assert!(!format!("{request:?}").contains("horse"));
    }
}
