//! The core's one error type. Each variant carries what a UI needs to say what happened
//! and what to do next; [`CoreError::code`] is stable for hosts to switch on.

use crate::links::LinkError;
use crate::secrets::SecretError;
use portal_model::{ErrorCode, PolicyRule};

/// Everything a core call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// The configuration given to the client is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A link that is not one of ours, or malformed.
    #[error("{0}")]
    InvalidLink(#[from] LinkError),
    /// The password breaks the policy (checked locally, or by the server).
    #[error("the password does not meet the policy: {0:?}")]
    WeakPassword(Vec<PolicyRule>),
    /// The server could not be reached, or the connection dropped.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The server answered with a protocol error.
    #[error("{message} ({})", code.as_str())]
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The server answered something that is not protocol v1.
    #[error("unexpected answer from the server (HTTP {status})")]
    UnexpectedResponse { status: u16 },
    /// The OS keychain is missing, locked or failed.
    #[error("{0}")]
    Secrets(#[from] SecretError),
    /// An operation needs a signed-in account.
    #[error("not signed in")]
    NotSignedIn,
    /// The app is locked after being idle: unlock with the password first.
    #[error("the app is locked: enter your password to continue")]
    Locked,
    /// The password given at the lock screen is wrong.
    #[error("that password is not right ({attempts_left} tries left before you are signed out)")]
    WrongPassword { attempts_left: u32 },
    /// Too many wrong passwords at the lock screen: the account was signed out of this
    /// device.
    #[error("too many wrong passwords: you were signed out of this device; sign in again")]
    TooManyUnlockAttempts,
    /// No account with that id is signed in on this device.
    #[error("that account is not signed in on this device")]
    UnknownAccount,
    /// What the person asked for cannot be sent as it is (the detail says why).
    #[error("{0}")]
    InvalidInput(String),
    /// The offline database could not be read or written.
    #[error("the offline copy on this device failed: {0}")]
    Storage(String),
    /// The account cannot act for that profile.
    #[error("that profile is not one of this account's")]
    UnknownProfile,
    /// No document with that id is in the offline copy (sync first, or it was removed).
    #[error("that document is not on this device")]
    UnknownDocument,
    /// A document's bytes did not match its SHA-256: they were thrown away.
    #[error("the document arrived damaged and was discarded; download it again")]
    DocumentCorrupt,
}

impl CoreError {
    /// True when the server could not be reached or had trouble of its own: worth
    /// trying again later, and reads go on from the device.
    pub fn is_offline(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Server { status, .. } | Self::UnexpectedResponse { status } => *status >= 500,
            _ => false,
        }
    }

    /// True when the session is over (sign in again).
    pub fn is_session_end(&self) -> bool {
        matches!(
            self,
            Self::NotSignedIn
                | Self::Server {
                    code: ErrorCode::SessionExpired
                        | ErrorCode::SessionRevoked
                        | ErrorCode::Unauthorized,
                    ..
                }
        )
    }

    /// A stable code: the protocol's code for server errors, a client code otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "config",
            Self::InvalidLink(_) => "invalid_link",
            Self::WeakPassword(_) => "weak_password",
            Self::Network(_) => "network",
            Self::Server { code, .. } => code.as_str(),
            Self::UnexpectedResponse { .. } => "unexpected_response",
            Self::Secrets(SecretError::Unavailable(_)) => "keychain_unavailable",
            Self::Secrets(SecretError::Failed(_)) => "keychain_failed",
            Self::NotSignedIn => "not_signed_in",
            Self::Locked => "locked",
            Self::WrongPassword { .. } => "wrong_password",
            Self::TooManyUnlockAttempts => "too_many_unlock_attempts",
            Self::UnknownAccount => "unknown_account",
            Self::UnknownProfile => "unknown_profile",
            Self::UnknownDocument => "unknown_document",
            Self::DocumentCorrupt => "document_corrupt",
            Self::Storage(_) => "storage",
            Self::InvalidInput(_) => "invalid_input",
        }
    }
}
