//! Provider-issued invites: issue (revoking earlier ones), inspect, accept.

use crate::config::ServerConfig;
use crate::crypto::{self, is_token_shaped, new_id, token_hash};
use crate::db::Conn;
use crate::db::{from_millis, millis};
use crate::error::ServerError;
use crate::mail::{Email, html_escape};
use crate::params;
use crate::service::settings::{self, Settings};
use crate::service::{audit, feed, limits, messages, sessions};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use portal_model::invite::email_hint;
use portal_model::{
    AcceptInviteRequest, ErrorCode, InviteInfo, InviteRole, PasswordPolicy, PracticeRef,
    ProfilesAnswer, Session, StatusAnswer,
};

/// An invite just written, with the only copy of its token (for the email).
#[derive(Clone)]
pub struct IssuedInvite {
    pub token: String,
    pub email: String,
    pub role: InviteRole,
    pub patient_first_name: String,
    pub practice_name: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for IssuedInvite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedInvite")
            .field("token", &"<redacted>")
            .field("role", &self.role)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Writes a new invite for `patient_id`, revoking every earlier unconsumed one. The
/// invite goes to the guardian when the patient has one, else to the patient.
pub fn issue(
    tx: &Conn,
    patient_id: &str,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<IssuedInvite, ServerError> {
    let patient: Option<(String, Option<String>, Option<String>)> = tx.query_opt(
        "SELECT first_name, email, guardian_email FROM patients WHERE id = ?1",
        params![patient_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let Some((first_name, email, guardian_email)) = patient else {
        return Err(ServerError::api(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "No such patient.",
        ));
    };
    let (email, role) = match (guardian_email, email) {
        (Some(guardian), _) => (guardian, InviteRole::Guardian),
        (None, Some(own)) => (own, InviteRole::Patient),
        (None, None) => {
            return Err(ServerError::api(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::NoEmail,
                "This patient has no email address, so no invite can be sent. Add an email first.",
            ));
        }
    };
    let now_ms = millis(now);
    tx.execute(
        "UPDATE invites SET revoked_at = ?1
         WHERE patient_id = ?2 AND consumed_at IS NULL AND revoked_at IS NULL",
        params![now_ms, patient_id],
    )?;
    let token = crypto::new_token();
    let expires_at = now + chrono::Duration::seconds(settings.invite_ttl_seconds);
    let invite_id = new_id("inv");
    tx.execute(
        "INSERT INTO invites (id, patient_id, token_hash, email, role, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            invite_id,
            patient_id,
            token_hash(&token),
            email,
            role.as_str(),
            now_ms,
            millis(expires_at)
        ],
    )?;
    audit::record(tx, now_ms, "admin", "invite.send", patient_id)?;
    Ok(IssuedInvite {
        token,
        email,
        role,
        patient_first_name: first_name,
        practice_name: settings.practice_name.clone(),
        expires_at,
    })
}

/// The invite email: plain text and HTML, both carrying the https link.
pub fn invite_email(config: &ServerConfig, invite: &IssuedInvite) -> Email {
    let whom = match invite.role {
        InviteRole::Patient => format!("Hello {},", invite.patient_first_name),
        InviteRole::Guardian => format!(
            "Hello, you are invited as the guardian of {}.",
            invite.patient_first_name
        ),
    };
    invite_email_greeting(config, invite, whom)
}

/// The invite email without the patient's name: for an invite to an address someone
/// typed into a join form, with the name they typed (neither is the practice's word).
pub fn invite_email_without_name(config: &ServerConfig, invite: &IssuedInvite) -> Email {
    invite_email_greeting(config, invite, "Hello,".to_owned())
}

fn invite_email_greeting(config: &ServerConfig, invite: &IssuedInvite, whom: String) -> Email {
    let link = config.invite_link(&invite.token);
    let practice = &invite.practice_name;
    let expires = invite.expires_at.format("%B %-d, %Y at %H:%M UTC");
    let text = format!(
        "{whom}\n\n{practice} invited you to its secure patient portal, where you can see \
         appointments, message your care team, and view invoices and documents.\n\n\
         Choose your password here:\n{link}\n\n\
         This link works until {expires}. If it has expired, open it anyway to ask for a new one.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">\
         <p>{whom}</p><p>{practice} invited you to its secure patient portal, where you can \
         see appointments, message your care team, and view invoices and documents.</p>\
         <p><a href=\"{link_attr}\">Choose your password</a></p>\
         <p>This link works until {expires}. If it has expired, open it anyway to ask for a \
         new one.</p></body></html>",
        whom = html_escape(&whom),
        practice = html_escape(practice),
        link_attr = html_escape(&link),
    );
    Email {
        kind: "invite",
        to: invite.email.clone(),
        subject: format!("{practice} invited you to your patient portal"),
        text,
        html,
        links: vec![link],
    }
}

/// An invite row as found by its token.
struct InviteRow {
    id: String,
    patient_id: String,
    email: String,
    role: InviteRole,
    expires_at: DateTime<Utc>,
    consumed: bool,
    revoked: bool,
}

fn not_found() -> ServerError {
    ServerError::api(
        StatusCode::NOT_FOUND,
        ErrorCode::InviteNotFound,
        "This invitation link is not valid. Check that you opened the whole link from the email.",
    )
}

/// The invite for `token`, whatever its state.
fn find(conn: &Conn, token: &str) -> Result<Option<InviteRow>, ServerError> {
    if !is_token_shaped(token) {
        return Ok(None);
    }
    let row = conn.query_opt(
        "SELECT id, patient_id, email, role, expires_at, consumed_at IS NOT NULL,
                    revoked_at IS NOT NULL
             FROM invites WHERE token_hash = ?1",
        params![token_hash(token)],
        |row| {
            Ok((
                row.get::<String>(0)?,
                row.get::<String>(1)?,
                row.get::<String>(2)?,
                row.get::<String>(3)?,
                row.get::<i64>(4)?,
                row.get::<bool>(5)?,
                row.get::<bool>(6)?,
            ))
        },
    )?;
    let Some((id, patient_id, email, role, expires_at, consumed, revoked)) = row else {
        return Ok(None);
    };
    let role = InviteRole::parse(&role)
        .ok_or_else(|| ServerError::internal(format!("stored invite role '{role}'")))?;
    Ok(Some(InviteRow {
        id,
        patient_id,
        email,
        role,
        expires_at: from_millis(expires_at)?,
        consumed,
        revoked,
    }))
}

fn used() -> ServerError {
    ServerError::api(
        StatusCode::GONE,
        ErrorCode::InviteUsed,
        "This invitation was already used to set a password. Sign in instead.",
    )
}

fn replaced() -> ServerError {
    ServerError::api(
        StatusCode::GONE,
        ErrorCode::InviteRevoked,
        "A newer invitation replaced this one. Use the link in the most recent email.",
    )
}

/// Finds the invite for `token` and turns every unusable state into its protocol error.
fn find_usable(conn: &Conn, token: &str, now: DateTime<Utc>) -> Result<InviteRow, ServerError> {
    let invite = find(conn, token)?.ok_or_else(not_found)?;
    // Order matters: a used invite says "sign in" even after it would have expired.
    if invite.consumed {
        return Err(used());
    }
    if invite.revoked {
        return Err(replaced());
    }
    if invite.expires_at <= now {
        return Err(ServerError::api(
            StatusCode::GONE,
            ErrorCode::InviteExpired,
            "This invitation has expired. You can ask for a new one.",
        ));
    }
    Ok(invite)
}

/// What happened when a patient asked for a new invite.
pub enum Reinvite {
    /// A fresh invite was written; email it.
    Sent(IssuedInvite),
    /// The practice renews invites itself: the provider was asked; email them.
    ProviderNotified(Email),
}

/// Answers a patient's request for a new invite (an expired link, or a password reset
/// before any password was set): a fresh invite where the practice allows self-service,
/// else a re-invite request that reaches the primary provider.
pub fn reinvite_or_notify(
    tx: &Conn,
    patient_id: &str,
    source: &str,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<Reinvite, ServerError> {
    if settings.self_service_reinvite {
        return Ok(Reinvite::Sent(issue(tx, patient_id, now, settings)?));
    }
    let (first, last, provider_name, provider_email): (String, String, String, String) = tx
        .query_one(
            "SELECT p.first_name, p.last_name, pr.name, pr.email
             FROM patients p JOIN providers pr ON pr.id = p.primary_provider_id
             WHERE p.id = ?1",
            params![patient_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
    tx.execute(
        "INSERT INTO reinvite_requests (id, patient_id, source, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![new_id("rir"), patient_id, source, millis(now)])?;
    audit::record(
        tx,
        millis(now),
        "public",
        "invite.reinvite_requested",
        patient_id,
    )?;
    let text = format!(
        "Hello {provider_name},\n\n{first} {last} asked for a new invitation to the patient portal; \
         their earlier invitation expired. Open the patient's profile and send a new invite.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p></body></html>",
        html_escape(&text).replace("\n\n", "</p><p>")
    );
    Ok(Reinvite::ProviderNotified(Email {
        kind: "reinvite-request",
        to: provider_email,
        subject: format!("{first} {last} asked for a new portal invitation"),
        text,
        html,
        links: Vec::new(),
    }))
}

/// `POST /v1/invites/{token}/renew`: a way out of an expired invite.
pub async fn renew(state: &AppState, token: String) -> Result<StatusAnswer, ServerError> {
    let now = state.clock.now();
    let outcome = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            limits::hit(
                &tx,
                &format!("renew:{}", token_hash(&token)),
                3,
                chrono::Duration::hours(1),
                now,
            )?;
            let invite = find(&tx, &token)?.ok_or_else(not_found)?;
            if invite.consumed {
                return Err(used());
            }
            if invite.revoked {
                return Err(replaced());
            }
            if invite.expires_at > now {
                tx.commit()?;
                return Err(ServerError::api(
                    StatusCode::CONFLICT,
                    ErrorCode::InviteValid,
                    "This invitation still works: open it to choose your password.",
                ));
            }
            let settings = settings::load(&tx)?;
            let outcome = reinvite_or_notify(&tx, &invite.patient_id, "renew", now, &settings)?;
            tx.commit()?;
            Ok(outcome)
        })
        .await?;
    Ok(StatusAnswer {
        status: send_reinvite(state, outcome).to_owned(),
    })
}

/// Sends the email a [`Reinvite`] calls for; returns the protocol status word.
pub fn send_reinvite(state: &AppState, outcome: Reinvite) -> &'static str {
    match outcome {
        Reinvite::Sent(issued) => {
            state
                .mail
                .send(invite_email(&state.config, &issued), state.clock.as_ref());
            "sent"
        }
        Reinvite::ProviderNotified(email) => {
            state.mail.send(email, state.clock.as_ref());
            "provider_notified"
        }
    }
}

fn account_exists(conn: &Conn, email: &str) -> Result<bool, ServerError> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM accounts WHERE email = ?1",
            params![email],
            |_| Ok(()),
        )?
        .is_some())
}

/// `GET /v1/invites/{token}`.
pub async fn inspect(state: &AppState, token: String) -> Result<InviteInfo, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let invite = find_usable(conn, &token, now)?;
            let settings = settings::load(conn)?;
            let first_name: String = conn.query_one(
                "SELECT first_name FROM patients WHERE id = ?1",
                params![&invite.patient_id],
                |row| row.get(0),
            )?;
            Ok(InviteInfo {
                status: "valid".to_owned(),
                role: invite.role,
                practice: PracticeRef {
                    name: settings.practice_name,
                },
                patient_first_name: first_name,
                email_hint: email_hint(&invite.email),
                expires_at: invite.expires_at,
                account_exists: account_exists(conn, &invite.email)?,
            })
        })
        .await
}

/// `POST /v1/invites/{token}/accept`: sets the password, consumes the invite and signs in.
pub async fn accept(
    state: &AppState,
    token: String,
    request: AcceptInviteRequest,
) -> Result<Session, ServerError> {
    let device_name = request.device_name.trim().to_owned();
    if device_name.is_empty() || device_name.chars().count() > 100 {
        return Err(ServerError::bad_request(
            "device_name must be 1 to 100 characters.",
        ));
    }
    let now = state.clock.now();

    // First pass: every check that needs no hash, so bad requests stay cheap.
    let check_token = token.clone();
    let password = request.password;
    let check_password = password.clone();
    state
        .db
        .call(move |conn| {
            let invite = find_usable(conn, &check_token, now)?;
            let failed = PasswordPolicy::default()
                .check(&check_password, Some(&invite.email))
                .failed();
            if !failed.is_empty() {
                return Err(ServerError::weak_password(failed));
            }
            if account_exists(conn, &invite.email)? {
                return Err(account_exists_error());
            }
            Ok(())
        })
        .await?;

    let hash = state
        .hashing(move || crypto::hash_password(&password))
        .await?;

    let limits = state.config.session_limits;
    // Second pass, in one transaction: the checks again (another request may have won
    // the race meanwhile), then account, profile link, consumption and session.
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let invite = find_usable(&tx, &token, now)?;
            if account_exists(&tx, &invite.email)? {
                return Err(account_exists_error());
            }
            let now_ms = millis(now);
            let account_id = new_id("acc");
            tx.execute(
                "INSERT INTO accounts (id, email, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![account_id, invite.email, hash, now_ms],
            )?;
            tx.execute(
                "INSERT INTO account_patients (account_id, patient_id, role) VALUES (?1, ?2, ?3)",
                params![account_id, invite.patient_id, invite.role.as_str()],
            )?;
            tx.execute(
                "UPDATE invites SET consumed_at = ?1 WHERE id = ?2",
                params![now_ms, invite.id],
            )?;
            audit::record(
                &tx,
                now_ms,
                &format!("account:{account_id}"),
                "invite.accept",
                &invite.patient_id,
            )?;
            let settings = settings::load(&tx)?;
            if let Some(text) = &settings.welcome_message {
                messages::welcome(&tx, &invite.patient_id, text, &settings.practice_name, now)?;
            }
            let session = sessions::create(&tx, &account_id, &device_name, now, &limits)?;
            tx.commit()?;
            Ok(session)
        })
        .await
}

fn account_exists_error() -> ServerError {
    ServerError::api(
        StatusCode::CONFLICT,
        ErrorCode::AccountExists,
        "An account with this email already exists. Sign in to add this profile to it.",
    )
}

/// `POST /v1/invites/{token}/claim`: a signed-in account adds the invite's patient to
/// its profiles (a guardian who already has an account, say). The invite's email must
/// be the account's.
pub async fn claim(
    state: &AppState,
    token: String,
    auth: sessions::Authenticated,
) -> Result<ProfilesAnswer, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let invite = find_usable(&tx, &token, now)?;
            let account = sessions::account(&tx, &auth.account_id)?;
            if account.email != invite.email {
                return Err(ServerError::api(
                    StatusCode::FORBIDDEN,
                    ErrorCode::EmailMismatch,
                    "This invitation was sent to a different email address than the one you are signed in with.",
                ));
            }
            tx.execute(
                "INSERT INTO account_patients (account_id, patient_id, role) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![auth.account_id, invite.patient_id, invite.role.as_str()])?;
            tx.execute(
                "UPDATE invites SET consumed_at = ?1 WHERE id = ?2",
                params![millis(now), invite.id])?;
            feed::restore_access(&tx, &auth.account_id, &invite.patient_id)?;
            // The account's cursor is past this patient's records: send them again.
            feed::resend_patient(&tx, &invite.patient_id)?;
            audit::record(&tx, millis(now), &format!("account:{}", auth.account_id), "invite.claim", &invite.patient_id)?;
            let profiles = sessions::profiles(&tx, &auth.account_id)?;
            tx.commit()?;
            Ok(ProfilesAnswer { profiles })
        })
        .await
}
