//! Plain HTML pages at the links' https paths, so that a person without the app (or on
//! a desktop where the browser opens links) can still finish the step. No scripts; a
//! strict CSP, no referrer, no caching. They call the same services as the API.

use crate::error::ServerError;
use crate::mail::html_escape;
use crate::service::sessions;
use crate::service::{invites, join, reset};
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal_model::{
    AcceptInviteRequest, ErrorCode, InviteInfo, InviteRole, JoinInfo, JoinRequest, PolicyRule,
};
use serde::Deserialize;

use super::extract::{ApiPath, ClientAddr};

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f7f6;color:#1f2933;margin:0}\
header{background:#0f766e;color:#fff;padding:.9rem 1.5rem;font-weight:600}\
main{max-width:32rem;margin:2rem auto;background:#fff;border:1px solid #d9e2ec;border-radius:.8rem;padding:1.75rem 2rem}\
h1{font-size:1.5rem;margin-top:0}label{display:block;font-weight:600;margin:1rem 0 .3rem}\
input{width:100%;box-sizing:border-box;font:inherit;padding:.65rem;border:1px solid #9fb3c8;border-radius:.45rem}\
button,.button{display:inline-block;margin-top:1.2rem;padding:.7rem 1.1rem;border:0;border-radius:.45rem;background:#0f766e;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}\
.notice{background:#fff4e5;border-left:4px solid #f0b429;padding:.7rem 1rem;border-radius:.35rem}\
.hint{color:#52606d;font-size:.92rem}";

/// A whole page with the security headers every page carries.
fn page(status: StatusCode, title: &str, body: String) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{title} · Patient Portal</title>\
         <style>{STYLE}</style></head><body><header>Patient Portal</header><main>{body}</main></body></html>",
        title = html_escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn message(status: StatusCode, id: &str, title: &str, text: &str, extra: &str) -> Response {
    page(
        status,
        title,
        format!(
            "<section id=\"{id}\"><h1>{}</h1><p>{}</p>{extra}</section>",
            html_escape(title),
            html_escape(text)
        ),
    )
}

/// A page for an error from the services, with a next step.
pub(crate) fn error_page(error: ServerError) -> Response {
    if let ServerError::RateLimited {
        retry_after_secs,
        message: text,
    } = &error
    {
        let mut response = message(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many attempts",
            text,
            "",
        );
        if let Ok(value) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string()) {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        return response;
    }
    let ServerError::Api {
        status,
        code,
        message: text,
        ..
    } = &error
    else {
        tracing::error!(%error, "page failed");
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "error",
            "Something went wrong",
            "Please try again in a few minutes.",
            "",
        );
    };
    let (id, title) = match code {
        ErrorCode::InviteExpired => ("invite-expired", "This invitation has expired"),
        ErrorCode::InviteUsed => ("invite-used", "This invitation was already used"),
        ErrorCode::InviteRevoked => ("invite-revoked", "A newer invitation was sent"),
        ErrorCode::InviteNotFound => ("invite-not-found", "We could not find this invitation"),
        ErrorCode::ResetExpired => ("reset-expired", "This reset link has expired"),
        ErrorCode::ResetUsed => ("reset-used", "This reset link was already used"),
        ErrorCode::ResetNotFound => ("reset-not-found", "We could not find this reset link"),
        ErrorCode::JoinLinkExpired => ("join-expired", "This sign-up link has expired"),
        ErrorCode::JoinLinkNotFound => ("join-not-found", "We could not find this sign-up link"),
        ErrorCode::RateLimited => ("rate-limited", "Too many attempts"),
        _ => ("error", "This did not work"),
    };
    message(*status, id, title, text, "")
}

fn open_in_app(kind: &str, token: &str) -> String {
    format!(
        "<p class=\"hint\">Have the Patient Portal app? <a class=\"app-link\" href=\"patientportal://{kind}/{}\">Open this step in the app</a>.</p>",
        html_escape(token)
    )
}

fn password_form(action_hint: &str, notice: Option<String>) -> String {
    let notice = notice
        .map(|n| {
            format!(
                "<p class=\"notice\" role=\"alert\" id=\"form-notice\">{}</p>",
                html_escape(&n)
            )
        })
        .unwrap_or_default();
    format!(
        "{notice}<form method=\"post\">\
         <label for=\"password\">New password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"12\" maxlength=\"128\" required>\
         <label for=\"password_confirm\">Type it again</label>\
         <input id=\"password_confirm\" name=\"password_confirm\" type=\"password\" autocomplete=\"new-password\" required>\
         <p class=\"hint\">At least 12 characters, not a common password and not your email address. A few unrelated words work well.</p>\
         <button id=\"submit\" type=\"submit\">{}</button></form>",
        html_escape(action_hint)
    )
}

fn invite_form(token: &str, invite: &InviteInfo, notice: Option<String>) -> Response {
    let whom = match invite.role {
        InviteRole::Patient => format!("Welcome, {}", invite.patient_first_name),
        InviteRole::Guardian => format!("Set up access for {}", invite.patient_first_name),
    };
    let body = format!(
        "<section id=\"choose-password\"><h1>{}</h1>\
         <p><strong>{}</strong> invited you to its patient portal. Choose a password for <strong>{}</strong>.</p>\
         <p class=\"hint\">This invitation works until {}.</p>{}{}</section>",
        html_escape(&whom),
        html_escape(&invite.practice.name),
        html_escape(&invite.email_hint),
        invite.expires_at.format("%B %-d, %Y at %H:%M UTC"),
        password_form("Set password", notice),
        open_in_app("invite", token),
    );
    page(StatusCode::OK, &whom, body)
}

/// The form a page posts.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordForm {
    password: String,
    password_confirm: String,
}

fn reasons_text(reasons: &[PolicyRule]) -> String {
    let policy = portal_model::PasswordPolicy::default();
    let needs: Vec<String> = reasons
        .iter()
        .map(|r| r.requirement(&policy).to_lowercase())
        .collect();
    format!(
        "Please choose a different password. It needs to be: {}.",
        needs.join("; ")
    )
}

/// The invite page: a form to choose a password, or what to do next.
#[utoipa::path(
    get,
    path = "/invite/{token}",
    tag = "pages",
    params(("token" = String, Path, description = "The invite token from the link.")),
    responses(
        (status = 200, description = "The password form.", content_type = "text/html", body = String),
        (status = 404, description = "No such invite.", content_type = "text/html", body = String),
        (status = 410, description = "Expired (with a form to renew), used or revoked.", content_type = "text/html", body = String),
    )
)]
pub async fn invite(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> Response {
    match invites::inspect(&state, token.clone()).await {
        Ok(invite) => invite_form(&token, &invite, None),
        Err(ServerError::Api {
            code: ErrorCode::InviteExpired,
            message: text,
            ..
        }) => {
            // Relative to /invite/{token}: resolves to /invite/{token}/renew.
            let renew = format!(
                "<form method=\"post\" action=\"{}/renew\" id=\"renew-form\">\
                 <button id=\"renew\" type=\"submit\">Send me a new invitation</button></form>",
                html_escape(&token)
            );
            message(
                StatusCode::GONE,
                "invite-expired",
                "This invitation has expired",
                &text,
                &renew,
            )
        }
        Err(error) => error_page(error),
    }
}

/// Sets the password from the invite page.
#[utoipa::path(
    post,
    path = "/invite/{token}",
    tag = "pages",
    params(("token" = String, Path, description = "The invite token from the link.")),
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The password is set, or the form again with what to fix.", content_type = "text/html", body = String),
        (status = 404, description = "No such invite.", content_type = "text/html", body = String),
        (status = 409, description = "The email already has an account.", content_type = "text/html", body = String),
        (status = 410, description = "Expired, used or revoked.", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts.", content_type = "text/html", body = String),
    )
)]
pub async fn accept_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    form: Result<Form<PasswordForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let invite = match invites::inspect(&state, token.clone()).await {
        Ok(invite) => invite,
        Err(error) => return error_page(error),
    };
    let Ok(Form(form)) = form else {
        return invite_form(
            &token,
            &invite,
            Some("Please fill in both password fields.".to_owned()),
        );
    };
    if form.password != form.password_confirm {
        return invite_form(
            &token,
            &invite,
            Some("The two passwords are not the same.".to_owned()),
        );
    }
    let request = AcceptInviteRequest {
        password: form.password,
        device_name: "web page".to_owned(),
    };
    match invites::accept(&state, token.clone(), request).await {
        Ok(session) => {
            // The page signs nobody in: end the session the acceptance opened.
            let ended = sessions::end_by_access_token(&state, &session.access_token).await;
            if let Err(error) = ended {
                tracing::warn!(%error, "could not end the page's session");
            }
            message(
                StatusCode::OK,
                "password-set",
                "Your password is set",
                &format!(
                    "Your account is ready. Open the Patient Portal app and sign in with {} and your new password.",
                    session.account.email
                ),
                "",
            )
        }
        Err(ServerError::Api {
            code: ErrorCode::WeakPassword,
            reasons,
            ..
        }) => invite_form(&token, &invite, Some(reasons_text(&reasons))),
        Err(error) => error_page(error),
    }
}

/// Asks for a new invitation from the page of an expired one.
#[utoipa::path(
    post,
    path = "/invite/{token}/renew",
    tag = "pages",
    params(("token" = String, Path, description = "The expired invite's token.")),
    responses(
        (status = 202, description = "Sent, or the care team was told.", content_type = "text/html", body = String),
        (status = 404, description = "No such invite.", content_type = "text/html", body = String),
        (status = 409, description = "The invite still works.", content_type = "text/html", body = String),
        (status = 410, description = "Used or revoked.", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts.", content_type = "text/html", body = String),
    )
)]
pub async fn renew_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Response {
    match invites::renew(&state, token).await {
        Ok(answer) if answer.status == "provider_notified" => message(
            StatusCode::ACCEPTED,
            "provider-notified",
            "Your care team was told",
            "Your practice sends new invitations itself. We let your care team know, and they will email you a new invitation.",
            "",
        ),
        Ok(_) => message(
            StatusCode::ACCEPTED,
            "invite-sent",
            "Check your email",
            "A new invitation is on its way to the email address your practice has on file. The old link no longer works.",
            "",
        ),
        Err(error) => error_page(error),
    }
}

fn reset_form(token: &str, email_hint: &str, notice: Option<String>) -> Response {
    let body = format!(
        "<section id=\"reset-password\"><h1>Choose a new password</h1>\
         <p>For the patient portal account <strong>{}</strong>.</p>{}{}</section>",
        html_escape(email_hint),
        password_form("Change password", notice),
        open_in_app("reset", token),
    );
    page(StatusCode::OK, "Choose a new password", body)
}

/// The password reset page.
#[utoipa::path(
    get,
    path = "/reset/{token}",
    tag = "pages",
    params(("token" = String, Path, description = "The reset token from the link.")),
    responses(
        (status = 200, description = "The new password form.", content_type = "text/html", body = String),
        (status = 404, description = "No such reset link.", content_type = "text/html", body = String),
        (status = 410, description = "Expired or used.", content_type = "text/html", body = String),
    )
)]
pub async fn reset(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> Response {
    match reset::inspect(&state, token.clone()).await {
        Ok(info) => reset_form(&token, &info.email_hint, None),
        Err(error) => error_page(error),
    }
}

/// Sets the new password from the reset page.
#[utoipa::path(
    post,
    path = "/reset/{token}",
    tag = "pages",
    params(("token" = String, Path, description = "The reset token from the link.")),
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Changed, or the form again with what to fix.", content_type = "text/html", body = String),
        (status = 404, description = "No such reset link.", content_type = "text/html", body = String),
        (status = 410, description = "Expired or used.", content_type = "text/html", body = String),
    )
)]
pub async fn complete_reset(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    form: Result<Form<PasswordForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let info = match reset::inspect(&state, token.clone()).await {
        Ok(info) => info,
        Err(error) => return error_page(error),
    };
    let Ok(Form(form)) = form else {
        return reset_form(
            &token,
            &info.email_hint,
            Some("Please fill in both password fields.".to_owned()),
        );
    };
    if form.password != form.password_confirm {
        return reset_form(
            &token,
            &info.email_hint,
            Some("The two passwords are not the same.".to_owned()),
        );
    }
    match reset::complete(&state, token.clone(), form.password).await {
        Ok(()) => message(
            StatusCode::OK,
            "password-changed",
            "Your password was changed",
            "Every device was signed out. Open the Patient Portal app and sign in with your new password.",
            "",
        ),
        Err(ServerError::Api {
            code: ErrorCode::WeakPassword,
            reasons,
            ..
        }) => reset_form(&token, &info.email_hint, Some(reasons_text(&reasons))),
        Err(error) => error_page(error),
    }
}

/// The details a join page asks for.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct JoinForm {
    first_name: String,
    last_name: String,
    date_of_birth: chrono::NaiveDate,
    email: String,
    #[serde(default)]
    phone: String,
}

fn join_form(code: &str, info: &JoinInfo, notice: Option<String>) -> Response {
    let notice = notice
        .map(|n| {
            format!(
                "<p class=\"notice\" role=\"alert\" id=\"form-notice\">{}</p>",
                html_escape(&n)
            )
        })
        .unwrap_or_default();
    let field = |id: &str, label: &str, kind: &str, autocomplete: &str, required: bool| {
        format!(
            "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" autocomplete=\"{autocomplete}\"{}>",
            if required { " required" } else { "" }
        )
    };
    let body = format!(
        "<section id=\"join\"><h1>Join {}</h1>\
         <p><strong>{}</strong> invites you to its patient portal. Tell us who you are, and we will email you a link to choose your password.</p>\
         <p class=\"hint\">This sign-up link works until {}.</p>{notice}<form method=\"post\">{}{}{}{}{}\
         <button id=\"submit\" type=\"submit\">Send me the link</button></form>{}</section>",
        html_escape(&info.group.name),
        html_escape(&info.practice.name),
        info.expires_at.format("%B %-d, %Y at %H:%M UTC"),
        field("first_name", "First name", "text", "given-name", true),
        field("last_name", "Last name", "text", "family-name", true),
        field("date_of_birth", "Date of birth", "date", "bday", true),
        field("email", "Email address", "email", "email", true),
        field("phone", "Phone (optional)", "tel", "tel", false),
        open_in_app("join", code),
    );
    page(StatusCode::OK, &format!("Join {}", info.group.name), body)
}

/// The join page: a form to register with the group.
#[utoipa::path(
    get,
    path = "/join/{code}",
    tag = "pages",
    params(("code" = String, Path, description = "The join code from the link.")),
    responses(
        (status = 200, description = "The form.", content_type = "text/html", body = String),
        (status = 404, description = "No such join link.", content_type = "text/html", body = String),
        (status = 410, description = "Expired.", content_type = "text/html", body = String),
    )
)]
pub async fn join_page(State(state): State<AppState>, ApiPath(code): ApiPath<String>) -> Response {
    match join::inspect(&state, code.clone()).await {
        Ok(info) => join_form(&code, &info, None),
        Err(error) => error_page(error),
    }
}

/// Registers from the join page.
#[utoipa::path(
    post,
    path = "/join/{code}",
    tag = "pages",
    params(("code" = String, Path, description = "The join code from the link.")),
    request_body(content = JoinForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 202, description = "Check your email (whether or not an account exists).", content_type = "text/html", body = String),
        (status = 200, description = "The form again with what to fix.", content_type = "text/html", body = String),
        (status = 404, description = "No such join link.", content_type = "text/html", body = String),
        (status = 410, description = "Expired.", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts.", content_type = "text/html", body = String),
    )
)]
pub async fn submit_join(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiPath(code): ApiPath<String>,
    form: Result<Form<JoinForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let info = match join::inspect(&state, code.clone()).await {
        Ok(info) => info,
        Err(error) => return error_page(error),
    };
    let Ok(Form(form)) = form else {
        return join_form(
            &code,
            &info,
            Some("Please fill in your name, date of birth and email address.".to_owned()),
        );
    };
    let request = JoinRequest {
        first_name: form.first_name,
        last_name: form.last_name,
        date_of_birth: form.date_of_birth,
        email: form.email,
        phone: Some(form.phone).filter(|p| !p.trim().is_empty()),
    };
    match join::join(&state, code.clone(), request, client).await {
        Ok(_) => message(
            StatusCode::ACCEPTED,
            "check-email",
            "Check your email",
            "We sent a message to the address you gave. Open the link in it to choose your password (or, if you already have an account, to sign in).",
            "",
        ),
        Err(ServerError::Api {
            code: ErrorCode::BadRequest,
            message: text,
            ..
        }) => join_form(&code, &info, Some(text)),
        Err(error) => error_page(error),
    }
}
