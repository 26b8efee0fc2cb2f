//! Words for people: every core error becomes a notice with a title and a next step,
//! in the app's language (`words`: the catalogue's `notice-*` messages, whose
//! `.detail` is the next step).

use crate::words;
use portal_core::{CoreError, FlowNotice, LinkError};
use portal_i18n::Value;
use portal_model::desktop::Notice;
use portal_model::{ErrorCode, PasswordPolicy, PolicyRule};

/// The notice `code`, worded by the catalogue's message `id` and its `.detail`.
fn worded(code: &str, id: &str, args: &[(&str, Value<'_>)]) -> Notice {
    Notice {
        code: code.to_owned(),
        title: words::text(id, args),
        detail: words::detail(id, args),
    }
}

/// A notice whose message id is `notice-` and its code in kebab case.
fn notice(code: &str) -> Notice {
    worded(code, &format!("notice-{}", code.replace('_', "-")), &[])
}

/// A notice whose detail is text from elsewhere (the server's words, a file's path).
fn notice_with(code: &str, id: &str, name: &str, value: String) -> Notice {
    worded(code, id, &[(name, value.into())])
}

/// Why the flow shows a screen, in words.
pub fn from_flow(reason: &FlowNotice) -> Notice {
    match reason {
        FlowNotice::Failed(error) => from_error(error),
        FlowNotice::InvalidLink(error) => invalid_link(error),
        FlowNotice::NoLinkOpen => worded("no_invite", "notice-no-invite", &[]),
        FlowNotice::ResetExpired => worded("reset_unusable", "notice-reset-expired", &[]),
        FlowNotice::ResetUsed => worded("reset_unusable", "notice-reset-used", &[]),
        FlowNotice::ResetNotFound => worded("reset_unusable", "notice-reset-not-found", &[]),
        FlowNotice::PasswordChanged => notice("password_changed"),
        FlowNotice::ResetRequested => notice("reset_requested"),
        FlowNotice::JoinLinkExpired => notice("join_link_expired"),
        FlowNotice::JoinLinkNotFound => notice("join_link_not_found"),
        FlowNotice::JoinRequested => notice("join_requested"),
        FlowNotice::SessionEnded => notice("session_ended"),
        FlowNotice::SignedOut => notice("signed_out"),
        FlowNotice::IdleLocked => worded("locked", "notice-idle-locked", &[]),
    }
}

/// A link that cannot be opened.
pub fn invalid_link(error: &LinkError) -> Notice {
    let (reason, host) = match error {
        LinkError::Empty => ("empty", String::new()),
        LinkError::TooLong => ("too_long", String::new()),
        LinkError::BadCharacters => ("bad_characters", String::new()),
        LinkError::NotALink => ("not_a_link", String::new()),
        LinkError::WrongScheme => ("wrong_scheme", String::new()),
        LinkError::UserInfo => ("user_info", String::new()),
        LinkError::UnknownHost { host } => ("unknown_host", host.clone()),
        LinkError::WrongPort => ("wrong_port", String::new()),
        LinkError::UnknownAction => ("unknown_action", String::new()),
        LinkError::ExtraParts => ("extra_parts", String::new()),
        LinkError::BadToken => ("bad_token", String::new()),
    };
    worded(
        "invalid_link",
        "notice-invalid-link",
        &[("reason", reason.into()), ("host", host.into())],
    )
}

/// A password the policy refused, listing what it still needs.
pub fn weak_password(reasons: &[PolicyRule]) -> Notice {
    let policy = PasswordPolicy::default();
    let needs: Vec<String> = reasons
        .iter()
        .map(|rule| {
            let (id, count) = match rule {
                PolicyRule::TooShort => ("password-rule-too-short", policy.min_length),
                PolicyRule::TooLong => ("password-rule-too-long", policy.max_length),
                PolicyRule::Common => ("password-rule-common", 0),
                PolicyRule::EqualsEmail => ("password-rule-equals-email", 0),
            };
            words::text(id, &[("count", count.into())]).to_lowercase()
        })
        .collect();
    notice_with(
        "weak_password",
        "notice-weak-password",
        "needs",
        needs.join("; "),
    )
}

/// Any other failure of a core call, with what to do about it.
pub fn from_error(error: &CoreError) -> Notice {
    match error {
        CoreError::InvalidLink(link) => invalid_link(link),
        CoreError::WeakPassword(reasons) => weak_password(reasons),
        CoreError::Network(_) => notice("network"),
        CoreError::Secrets(secret) => {
            notice_with(error.code(), "notice-secrets", "detail", secret.to_string())
        }
        CoreError::Server {
            code: ErrorCode::AccountExists,
            ..
        } => notice("account_exists"),
        CoreError::Server {
            code: ErrorCode::RateLimited,
            ..
        } => notice("rate_limited"),
        CoreError::Server {
            code: ErrorCode::InvalidCredentials,
            ..
        } => notice("invalid_credentials"),
        CoreError::Server {
            code: ErrorCode::WrongPassword,
            ..
        } => worded("wrong_password", "notice-wrong-current-password", &[]),
        CoreError::Server {
            code: ErrorCode::EmailMismatch,
            ..
        } => notice("email_mismatch"),
        CoreError::Server {
            code: ErrorCode::ServerBusy,
            ..
        } => notice("server_busy"),
        CoreError::Server {
            code: ErrorCode::Internal,
            ..
        } => notice("internal"),
        CoreError::Server {
            code: ErrorCode::SessionExpired | ErrorCode::SessionRevoked,
            ..
        } => worded(error.code(), "notice-session-ended", &[]),
        CoreError::Server { message, .. } => notice_with(
            error.code(),
            "notice-server-refused",
            "detail",
            message.clone(),
        ),
        CoreError::UnexpectedResponse { status } => worded(
            "unexpected_response",
            "notice-unexpected-response",
            &[("status", status.to_string().into())],
        ),
        CoreError::Config(detail) => {
            notice_with("config", "notice-config", "detail", detail.clone())
        }
        CoreError::NotSignedIn => notice("not_signed_in"),
        CoreError::Locked => notice("locked"),
        CoreError::WrongPassword { attempts_left } => worded(
            "wrong_password",
            "notice-wrong-password",
            &[("left", (*attempts_left).into())],
        ),
        CoreError::TooManyUnlockAttempts => notice("too_many_unlock_attempts"),
        CoreError::UnknownAccount => notice("unknown_account"),
        CoreError::InvalidInput(detail) => notice_with(
            "invalid_input",
            "notice-invalid-input",
            "detail",
            detail.clone(),
        ),
        CoreError::Storage(_) => notice("storage"),
        CoreError::UnknownProfile => notice("unknown_profile"),
        CoreError::UnknownDocument => notice("unknown_document"),
        CoreError::DocumentCorrupt => notice("document_corrupt"),
    }
}

/// Why the server refused one of the patient's writes (`kind`), with what to do now.
pub fn from_refusal(kind: &str, error: Option<&portal_core::WriteError>) -> Notice {
    let code = error.map_or("refused", |e| e.code.as_str());
    let message = || error.map_or(String::new(), |e| e.message.clone());
    match (kind, code) {
        ("cancel_appointment", "too_late") => notice("too_late"),
        (_, "conflict") => notice("conflict"),
        (_, "invalid_answers") => notice_with(
            "invalid_answers",
            "notice-invalid-answers",
            "detail",
            message(),
        ),
        (_, "forbidden" | "not_found") => worded(code, "notice-not-yours", &[]),
        _ => notice_with(code, "notice-refused", "detail", message()),
    }
}

/// An appointment without a video link (or one that is not https) was asked to open.
pub fn no_telehealth_link() -> Notice {
    notice("no_telehealth_link")
}

/// The system browser did not open.
pub fn browser_failed() -> Notice {
    notice("browser_failed")
}

/// The plaintext copy for the viewer could not be made.
pub fn cannot_open_document() -> Notice {
    notice("cannot_open_document")
}

/// No program opened the copy.
pub fn no_viewer(path: &std::path::Path) -> Notice {
    notice_with(
        "no_viewer",
        "notice-no-viewer",
        "path",
        path.display().to_string(),
    )
}

/// An address that cannot be a portal's (http beyond this machine, not a URL).
pub fn bad_address() -> Notice {
    notice("bad_address")
}

/// Nothing at the address answered as a patient portal: unreachable, or another site.
pub fn no_portal_at(error: &CoreError) -> Notice {
    match error {
        CoreError::Network(_) => notice("server_unreachable"),
        _ => notice("not_a_portal"),
    }
}

/// Something that cannot go wrong did: a fault of the app, not of the person.
pub fn internal() -> Notice {
    notice("internal")
}

/// The practice's address is set for this computer and cannot be changed in the app.
pub fn practice_fixed() -> Notice {
    notice("practice_fixed")
}

/// A setting applies now but could not be kept for the next start.
pub fn settings_not_saved() -> Notice {
    notice("settings_not_saved")
}

/// A picked file did not arrive whole.
pub fn unreadable_file() -> Notice {
    notice("unreadable_file")
}
