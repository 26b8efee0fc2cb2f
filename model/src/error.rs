//! The protocol's error body and its stable codes. Clients switch on codes, never on text.

use serde::{Deserialize, Serialize};

/// Every stable error code of protocol v1. Unknown codes from a newer server parse as
/// [`ErrorCode::Unknown`] so old clients keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    NotFound,
    Forbidden,
    InviteExpired,
    InviteUsed,
    InviteRevoked,
    InviteNotFound,
    InviteValid,
    WeakPassword,
    AccountExists,
    EmailMismatch,
    EmailInUse,
    NoEmail,
    JoinLinkExpired,
    JoinLinkNotFound,
    InvalidCredentials,
    RateLimited,
    SessionExpired,
    SessionRevoked,
    ResetExpired,
    ResetUsed,
    ResetNotFound,
    CursorExpired,
    UnknownKind,
    TooLate,
    InvalidAnswers,
    Conflict,
    Internal,
    TooManyStreams,
    ServerBusy,
    WrongPassword,
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code this version knows (all but [`ErrorCode::Unknown`]).
    pub const KNOWN: &'static [ErrorCode] = &[
        Self::BadRequest,
        Self::Unauthorized,
        Self::NotFound,
        Self::Forbidden,
        Self::InviteExpired,
        Self::InviteUsed,
        Self::InviteRevoked,
        Self::InviteNotFound,
        Self::InviteValid,
        Self::WeakPassword,
        Self::AccountExists,
        Self::EmailMismatch,
        Self::EmailInUse,
        Self::NoEmail,
        Self::JoinLinkExpired,
        Self::JoinLinkNotFound,
        Self::InvalidCredentials,
        Self::RateLimited,
        Self::SessionExpired,
        Self::SessionRevoked,
        Self::ResetExpired,
        Self::ResetUsed,
        Self::ResetNotFound,
        Self::CursorExpired,
        Self::UnknownKind,
        Self::TooLate,
        Self::InvalidAnswers,
        Self::Conflict,
        Self::Internal,
        Self::TooManyStreams,
        Self::ServerBusy,
        Self::WrongPassword,
    ];

    /// Reads a code as it appears on the wire; a code this version does not know is
    /// [`ErrorCode::Unknown`].
    pub fn parse(text: &str) -> Self {
        Self::KNOWN
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .unwrap_or(Self::Unknown)
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::InviteExpired => "invite_expired",
            Self::InviteUsed => "invite_used",
            Self::InviteRevoked => "invite_revoked",
            Self::InviteNotFound => "invite_not_found",
            Self::InviteValid => "invite_valid",
            Self::WeakPassword => "weak_password",
            Self::AccountExists => "account_exists",
            Self::EmailMismatch => "email_mismatch",
            Self::EmailInUse => "email_in_use",
            Self::NoEmail => "no_email",
            Self::JoinLinkExpired => "join_link_expired",
            Self::JoinLinkNotFound => "join_link_not_found",
            Self::InvalidCredentials => "invalid_credentials",
            Self::RateLimited => "rate_limited",
            Self::SessionExpired => "session_expired",
            Self::SessionRevoked => "session_revoked",
            Self::ResetExpired => "reset_expired",
            Self::ResetUsed => "reset_used",
            Self::ResetNotFound => "reset_not_found",
            Self::CursorExpired => "cursor_expired",
            Self::UnknownKind => "unknown_kind",
            Self::TooLate => "too_late",
            Self::InvalidAnswers => "invalid_answers",
            Self::Conflict => "conflict",
            Self::Internal => "internal",
            Self::TooManyStreams => "too_many_streams",
            Self::ServerBusy => "server_busy",
            Self::WrongPassword => "wrong_password",
            Self::Unknown => "unknown",
        }
    }
}

/// `{"error": {...}}`: the body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub error: ErrorDetail,
}

/// The inside of an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// For `weak_password`: which policy rules failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<PolicyRule>,
}

use crate::password::PolicyRule;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_parse_as_unknown() {
        let body: ApiErrorBody =
            serde_json::from_str(r#"{"error":{"code":"from_the_future","message":"x"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
    }

    #[test]
    fn codes_round_trip_with_their_wire_names() {
        for code in [
            ErrorCode::InviteExpired,
            ErrorCode::WeakPassword,
            ErrorCode::NoEmail,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn parse_reads_every_known_code_as_serde_does_and_others_as_unknown() {
        for code in ErrorCode::KNOWN {
            let from_serde: ErrorCode =
                serde_json::from_value(serde_json::Value::String(code.as_str().into())).unwrap();
            assert_eq!(ErrorCode::parse(code.as_str()), from_serde);
            assert_eq!(ErrorCode::parse(code.as_str()), *code);
        }
        assert_eq!(ErrorCode::parse("from_the_future"), ErrorCode::Unknown);
        assert!(!ErrorCode::KNOWN.contains(&ErrorCode::Unknown));
    }
}
