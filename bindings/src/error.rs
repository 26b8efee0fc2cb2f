//! Typed errors across the FFI: hosts switch on variants (and `code`), never on text.

use crate::PasswordRule;
use portal_core::{CoreError, SecretError};
use portal_model::ErrorCode;

/// Everything a binding call can fail with.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PortalError {
    #[error("invalid configuration: {detail}")]
    Config { detail: String },
    /// Not one of our links; `detail` is written for the person who opened it.
    #[error("{detail}")]
    InvalidLink { detail: String },
    #[error("the password breaks the policy")]
    WeakPassword { reasons: Vec<PasswordRule> },
    #[error("cannot reach the server: {detail}")]
    Network { detail: String },
    /// A protocol error; `code` is the stable protocol code (`Unknown` for a code this
    /// version does not know).
    #[error("{detail} ({})", code.as_str())]
    Server { code: ErrorCode, detail: String },
    #[error("unexpected answer from the server (HTTP {status})")]
    UnexpectedResponse { status: u16 },
    /// The host's keychain failed or is missing.
    #[error("{detail}")]
    Keychain { detail: String },
    #[error("not signed in")]
    NotSignedIn,
    /// An argument the call cannot use (the detail says which).
    #[error("{detail}")]
    InvalidArgument { detail: String },
    /// The app is locked after being idle: call `unlock` with the password.
    #[error("the app is locked")]
    Locked,
    /// Wrong password at the lock screen.
    #[error("wrong password ({attempts_left} tries left)")]
    WrongPassword { attempts_left: u32 },
    /// Too many wrong passwords at the lock screen: the account was signed out here.
    #[error("too many wrong passwords: signed out of this device")]
    TooManyUnlockAttempts,
    /// No such account is signed in on this device.
    #[error("that account is not signed in on this device")]
    UnknownAccount,
    /// The account cannot act for that profile.
    #[error("that profile is not one of this account's")]
    UnknownProfile,
    /// The input cannot be sent as it is (the detail says why).
    #[error("{detail}")]
    InvalidInput { detail: String },
    /// The offline copy on the device failed.
    #[error("{detail}")]
    Storage { detail: String },
    /// No document with that id is on the device (sync first).
    #[error("that document is not on this device")]
    UnknownDocument,
    /// A document's bytes did not match its SHA-256 and were discarded: download again.
    #[error("the document arrived damaged and was discarded")]
    DocumentCorrupt,
}

impl From<CoreError> for PortalError {
    fn from(error: CoreError) -> Self {
        let detail = error.to_string();
        match error {
            CoreError::Config(_) => Self::Config { detail },
            CoreError::InvalidLink(_) => Self::InvalidLink { detail },
            CoreError::WeakPassword(reasons) => Self::WeakPassword {
                reasons: reasons.into_iter().map(Into::into).collect(),
            },
            CoreError::Network(_) => Self::Network { detail },
            CoreError::Server { code, message, .. } => Self::Server {
                code,
                detail: message,
            },
            CoreError::UnexpectedResponse { status } => Self::UnexpectedResponse { status },
            CoreError::Secrets(_) => Self::Keychain { detail },
            CoreError::NotSignedIn => Self::NotSignedIn,
            CoreError::Locked => Self::Locked,
            CoreError::WrongPassword { attempts_left } => Self::WrongPassword { attempts_left },
            CoreError::TooManyUnlockAttempts => Self::TooManyUnlockAttempts,
            CoreError::UnknownAccount => Self::UnknownAccount,
            CoreError::UnknownProfile => Self::UnknownProfile,
            CoreError::Storage(_) => Self::Storage { detail },
            CoreError::InvalidInput(_) => Self::InvalidInput { detail },
            CoreError::UnknownDocument => Self::UnknownDocument,
            CoreError::DocumentCorrupt => Self::DocumentCorrupt,
        }
    }
}

impl From<portal_core::LinkError> for PortalError {
    fn from(error: portal_core::LinkError) -> Self {
        Self::InvalidLink {
            detail: error.to_string(),
        }
    }
}

/// What a host's secret store reports.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SecretStoreError {
    /// No keychain, or it is locked.
    #[error("keychain unavailable: {detail}")]
    Unavailable { detail: String },
    /// The keychain failed.
    #[error("keychain failed: {detail}")]
    Failed { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SecretStoreError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed {
            detail: error.reason,
        }
    }
}

impl From<SecretStoreError> for SecretError {
    fn from(error: SecretStoreError) -> Self {
        match error {
            SecretStoreError::Unavailable { detail } => SecretError::Unavailable(detail),
            SecretStoreError::Failed { detail } => SecretError::Failed(detail),
        }
    }
}
