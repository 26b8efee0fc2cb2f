//! Words for people: every core error becomes a notice with a title and a next step.

use portal_core::{CoreError, FlowNotice, LinkError};
use portal_model::desktop::Notice;
use portal_model::{ErrorCode, PasswordPolicy, PolicyRule};

fn notice(code: &str, title: &str, detail: impl Into<String>) -> Notice {
    Notice {
        code: code.to_owned(),
        title: title.to_owned(),
        detail: detail.into(),
    }
}

/// Why the flow shows a screen, in words.
pub fn from_flow(reason: &FlowNotice) -> Notice {
    match reason {
        FlowNotice::Failed(error) => from_error(error),
        FlowNotice::InvalidLink(error) => invalid_link(error),
        FlowNotice::NoLinkOpen => notice(
            "no_invite",
            "Open your invitation first",
            "Open the link from your practice's email to choose a password.",
        ),
        FlowNotice::ResetExpired => notice(
            "reset_unusable",
            "This reset link has expired",
            "Reset links work for one hour. Ask for a new one below.",
        ),
        FlowNotice::ResetUsed => notice(
            "reset_unusable",
            "This reset link was already used",
            "Sign in with your new password, or ask for another link.",
        ),
        FlowNotice::ResetNotFound => notice(
            "reset_unusable",
            "We could not find this reset link",
            "The link may be incomplete. Ask for a new one below.",
        ),
        FlowNotice::PasswordChanged => notice(
            "password_changed",
            "Your password was changed",
            "Every device was signed out. Sign in with your new password.",
        ),
        FlowNotice::ResetRequested => notice(
            "reset_requested",
            "Check your email",
            "If this address has an account, or an invitation waiting, we sent it a link to choose a password. Open that link on this computer.",
        ),
        FlowNotice::JoinLinkExpired => notice(
            "join_link_expired",
            "This sign-up link has expired",
            "Sign-up links work for a few days. Ask your practice for a new one.",
        ),
        FlowNotice::JoinLinkNotFound => notice(
            "join_link_not_found",
            "We could not find this sign-up link",
            "The link may be incomplete. Copy the whole link from your practice's message.",
        ),
        FlowNotice::JoinRequested => notice(
            "join_requested",
            "Check your email",
            "Your practice will email you an invitation (or, if you already have an account, a way to sign in). Open the link in that email on this computer.",
        ),
        FlowNotice::SessionEnded => notice(
            "session_ended",
            "Please sign in again",
            "Your session ended (it expired, or your password was changed). Sign in to continue.",
        ),
        FlowNotice::SignedOut => notice(
            "signed_out",
            "You are signed out",
            "Nothing of that account is left on this computer.",
        ),
        FlowNotice::IdleLocked => notice(
            "locked",
            "Locked to keep your information private",
            "Patient Portal locks after a while without use. Enter your password to continue.",
        ),
    }
}

/// A link that cannot be opened.
pub fn invalid_link(error: &LinkError) -> Notice {
    notice(
        "invalid_link",
        "This link can't be opened",
        error.to_string(),
    )
}

/// A password the policy refused, listing what it still needs.
pub fn weak_password(reasons: &[PolicyRule]) -> Notice {
    let policy = PasswordPolicy::default();
    let needs: Vec<String> = reasons.iter().map(|r| r.requirement(&policy)).collect();
    notice(
        "weak_password",
        "Please choose a different password",
        format!(
            "Your password needs to be: {}.",
            needs.join("; ").to_lowercase()
        ),
    )
}

/// Any other failure of a core call, with what to do about it.
pub fn from_error(error: &CoreError) -> Notice {
    match error {
        CoreError::InvalidLink(link) => invalid_link(link),
        CoreError::WeakPassword(reasons) => weak_password(reasons),
        CoreError::Network(_) => notice(
            "network",
            "Can't reach your practice's portal",
            "Check your internet connection and try again. Nothing was changed.",
        ),
        CoreError::Secrets(secret) => notice(
            error.code(),
            "Your sign-in can't be stored safely",
            secret.to_string(),
        ),
        CoreError::Server {
            code: ErrorCode::AccountExists,
            ..
        } => notice(
            "account_exists",
            "You already have an account",
            "An account with this email address already exists. Sign in with it, and this profile will be added.",
        ),
        CoreError::Server {
            code: ErrorCode::RateLimited,
            ..
        } => notice(
            "rate_limited",
            "Too many attempts",
            "Please wait a few minutes, then try again.",
        ),
        CoreError::Server { message, .. } => notice(
            error.code(),
            "Your practice's portal refused this",
            message.clone(),
        ),
        CoreError::UnexpectedResponse { status } => notice(
            "unexpected_response",
            "Your practice's portal gave an unexpected answer",
            format!("Please try again later. (HTTP {status})"),
        ),
        CoreError::Config(detail) => notice(
            "config",
            "Patient Portal is not set up correctly",
            format!("Ask your practice for help with this message: {detail}"),
        ),
        CoreError::NotSignedIn => notice("not_signed_in", "Please sign in", "Sign in to continue."),
        CoreError::Locked => notice(
            "locked",
            "Patient Portal is locked",
            "Enter your password to continue.",
        ),
        CoreError::WrongPassword { attempts_left } => notice(
            "wrong_password",
            "That password is not right",
            if *attempts_left == 1 {
                "Try again. After one more wrong password you will be signed out of this computer."
                    .to_owned()
            } else {
                format!(
                    "Try again. You have {attempts_left} tries left before you are signed out of this computer."
                )
            },
        ),
        CoreError::TooManyUnlockAttempts => notice(
            "too_many_unlock_attempts",
            "You were signed out",
            "Too many wrong passwords were entered, so this computer signed you out to keep your information safe. Sign in again, or reset your password.",
        ),
        CoreError::UnknownAccount => notice(
            "unknown_account",
            "That account is no longer signed in here",
            "Sign in to it again to use it on this computer.",
        ),
        CoreError::InvalidInput(detail) => notice(
            "invalid_input",
            "Please check what you entered",
            detail.clone(),
        ),
        CoreError::Storage(_) => notice(
            "storage",
            "The copy on this computer could not be read",
            "Patient Portal will download your information again. If this keeps happening, sign out and in again.",
        ),
        CoreError::UnknownProfile => notice(
            "unknown_profile",
            "That profile is no longer available",
            "Your practice may have changed who you can act for. The list has been refreshed.",
        ),
        CoreError::UnknownDocument => notice(
            "unknown_document",
            "That document is not on this computer",
            "It may have been removed by your practice. Refresh and try again.",
        ),
        CoreError::DocumentCorrupt => notice(
            "document_corrupt",
            "The document arrived damaged",
            "The damaged copy was thrown away. Try downloading it again.",
        ),
    }
}

/// Why the server refused one of the patient's writes (`kind`), with what to do now.
pub fn from_refusal(kind: &str, error: Option<&portal_core::WriteError>) -> Notice {
    let code = error.map_or("refused", |e| e.code.as_str());
    match (kind, code) {
        ("cancel_appointment", "too_late") => notice(
            "too_late",
            "It is too late to cancel online",
            "This appointment is close, so your practice takes changes by phone. Call them, or send your care team a message. The appointment is still booked.",
        ),
        (_, "conflict") => notice(
            "conflict",
            "Your practice changed this at the same time",
            "Both versions are shown. Choose which to keep.",
        ),
        (_, "invalid_answers") => notice(
            "invalid_answers",
            "Some answers need another look",
            error.map_or(String::new(), |e| e.message.clone()),
        ),
        (_, "forbidden" | "not_found") => notice(
            code,
            "This is no longer yours to change",
            "Your practice may have changed who you can act for. Discard it.",
        ),
        _ => notice(
            code,
            "Your practice's portal refused this",
            error.map_or_else(
                || "Try again, or discard it.".to_owned(),
                |e| format!("{} Try again, or discard it.", e.message),
            ),
        ),
    }
}

/// An appointment without a video link (or one that is not https) was asked to open.
pub fn no_telehealth_link() -> Notice {
    notice(
        "no_telehealth_link",
        "This appointment has no video link yet",
        "Your practice adds it before the visit. Check again closer to the time, or send them a message.",
    )
}

/// The system browser did not open.
pub fn browser_failed() -> Notice {
    notice(
        "browser_failed",
        "Your web browser did not open",
        "Open your browser yourself and try again, or ask your practice for the link.",
    )
}

/// The plaintext copy for the viewer could not be made.
pub fn cannot_open_document() -> Notice {
    notice(
        "cannot_open_document",
        "The document could not be opened",
        "Patient Portal could not make a copy for your viewer. Check that your disk is not full, then try again.",
    )
}

/// No program opened the copy.
pub fn no_viewer(path: &std::path::Path) -> Notice {
    notice(
        "no_viewer",
        "No app on this computer opened the document",
        format!(
            "A copy is saved at {} until you sign out. Open it with a PDF viewer.",
            path.display()
        ),
    )
}

/// A picked file did not arrive whole.
pub fn unreadable_file() -> Notice {
    notice(
        "unreadable_file",
        "That file could not be read",
        "Pick it again. If it keeps failing, save it again and pick the new copy.",
    )
}
