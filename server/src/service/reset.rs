//! Password reset, without the dead end: whatever state the account is in, asking for a
//! reset leads somewhere. An active account gets a one-hour reset link; a patient who
//! never set a password gets a fresh invite (or, where the practice renews invites
//! itself, a note and a request to the provider); an unknown address gets nothing. The
//! answer is the same in every case.

use crate::crypto::{self, is_token_shaped, new_id, new_token, token_hash};
use crate::db::Conn;
use crate::db::{from_millis, millis};
use crate::error::ServerError;
use crate::mail::{Email, html_escape};
use crate::params;
use crate::service::invites::{self, Reinvite};
use crate::service::patients::normalize_email;
use crate::service::sessions::{self, RevokeReason};
use crate::service::{audit, limits, settings};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use portal_model::invite::email_hint;
use portal_model::{ErrorCode, PasswordPolicy, ResetInfo, StatusAnswer};

/// How long a reset link works.
pub const RESET_TTL: Duration = Duration::hours(1);

/// What to email once the transaction commits.
enum Outgoing {
    Email(Email),
    Reinvite(Reinvite),
}

fn simple_email(
    kind: &'static str,
    to: &str,
    subject: &str,
    paragraphs: &[String],
    links: Vec<String>,
) -> Email {
    let text = paragraphs.join("\n\n") + "\n";
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", html_escape(p)))
        .collect();
    Email {
        kind,
        to: to.to_owned(),
        subject: subject.to_owned(),
        text,
        html: format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\">{body}</body></html>"
        ),
        links,
    }
}

/// The notice that an account's password changed, to the account's own address.
pub(crate) fn password_changed_email(to: &str, practice: &str, signed_out: &str) -> Email {
    simple_email(
        "password-changed",
        to,
        &format!("Your {practice} portal password was changed"),
        &[
            format!(
                "The password of your patient portal account was just changed, and {signed_out}."
            ),
            format!("If this was not you, contact {practice} right away."),
        ],
        Vec::new(),
    )
}

/// `POST /v1/auth/password-reset`.
pub async fn request(state: &AppState, raw_email: String) -> Result<StatusAnswer, ServerError> {
    let email = normalize_email(&raw_email)?;
    let now = state.clock.now();
    let base = state
        .config
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let outgoing = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            limits::hit(&tx, &format!("reset:{}", token_hash(&email)), 5, Duration::hours(1), now)?;
            let settings = settings::load(&tx)?;
            let mut outgoing = Vec::new();
            let account: Option<String> = tx
                .query_opt("SELECT id FROM accounts WHERE email = ?1", params![&email], |row| row.get(0))?;
            if let Some(account_id) = account {
                outgoing.push(Outgoing::Email(issue_reset(
                    &tx, &account_id, &email, &settings, &base, "public", now,
                )?));
            } else {
                for patient_id in invited_patients(&tx, &email)? {
                    let outcome = match latest_invite_state(&tx, &patient_id, now)? {
                        // Still valid: send it again, fresh (the old link is revoked).
                        LatestInvite::Valid => Reinvite::Sent(invites::issue(&tx, &patient_id, now, &settings)?),
                        LatestInvite::Consumed => continue,
                        LatestInvite::ExpiredOrNone => {
                            invites::reinvite_or_notify(&tx, &patient_id, "password_reset", now, &settings)?
                        }
                    };
                    if matches!(outcome, Reinvite::ProviderNotified(_)) {
                        outgoing.push(Outgoing::Email(simple_email(
                            "reset-invite-expired",
                            &email,
                            &format!("Your {} portal invitation", settings.practice_name),
                            &[
                                "You asked to reset your patient portal password, but your account was never set up and its invitation has expired.".to_owned(),
                                "We told your care team: they will send you a new invitation by email. Open the link in it to choose your password.".to_owned(),
                            ],
                            Vec::new(),
                        )));
                    }
                    outgoing.push(Outgoing::Reinvite(outcome));
                }
            }
            tx.commit()?;
            Ok(outgoing)
        })
        .await?;
    for item in outgoing {
        match item {
            Outgoing::Email(email) => state.mail.send(email, state.clock.as_ref()),
            Outgoing::Reinvite(outcome) => {
                invites::send_reinvite(state, outcome);
            }
        }
    }
    Ok(StatusAnswer {
        status: "sent_if_exists".to_owned(),
    })
}

/// Writes a one-hour reset link for an account and returns the email that carries it.
/// `actor` is who asked, for the audit log (`public` or `admin`).
fn issue_reset(
    tx: &Conn,
    account_id: &str,
    email: &str,
    settings: &settings::Settings,
    base: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Email, ServerError> {
    let token = new_token();
    tx.execute(
        "INSERT INTO password_resets (id, account_id, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            new_id("rst"),
            account_id,
            token_hash(&token),
            millis(now),
            millis(now + RESET_TTL)
        ],
    )?;
    audit::record(tx, millis(now), actor, "password_reset.request", account_id)?;
    let link = format!("{base}/reset/{token}");
    let (asked, not_you) = if actor == "admin" {
        (
            format!(
                "{} sent you a link to reset the password of your patient portal account.",
                settings.practice_name
            ),
            "If you did not ask for it, ignore this email: your password stays as it is.",
        )
    } else {
        (
            "Someone asked to reset the password of your patient portal account.".to_owned(),
            "If it was not you, ignore this email: your password stays as it is.",
        )
    };
    Ok(simple_email(
        "reset",
        email,
        &format!("Reset your {} portal password", settings.practice_name),
        &[
            asked,
            format!("Choose a new password here (the link works for one hour): {link}"),
            not_you.to_owned(),
        ],
        vec![link],
    ))
}

/// What `POST /v1/admin/patients/{id}/password-reset` did.
pub const STAFF_RESET_SENT: &str = "reset_sent";
/// The patient had no account yet: a fresh invite went out instead.
pub const STAFF_INVITE_SENT: &str = "invite_sent";

/// `POST /v1/admin/patients/{id}/password-reset`: staff start the patient's password
/// reset. The same way out as the patient-facing reset, without its vagueness (staff may
/// be told what happened) and without asking anyone: an account that acts for the
/// patient gets a one-hour reset link (the account the address on file belongs to
/// first, then the patient's own); a patient without an account gets a fresh invite,
/// which revokes earlier ones and closes open re-invite requests. 404 for an unknown
/// patient; 422 `no_email` for one without an account or any email.
pub async fn staff_request(
    state: &AppState,
    patient_id: String,
) -> Result<StatusAnswer, ServerError> {
    let now = state.clock.now();
    let base = state
        .config
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let outgoing = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let patient: Option<(Option<String>, Option<String>)> = tx.query_opt(
                "SELECT email, guardian_email FROM patients WHERE id = ?1",
                params![&patient_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let Some((own_email, guardian_email)) = patient else {
                return Err(ServerError::api(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "No such patient.",
                ));
            };
            let on_file = guardian_email.or(own_email).unwrap_or_default();
            let settings = settings::load(&tx)?;
            let account: Option<(String, String)> = tx.query_opt(
                "SELECT a.id, a.email FROM account_patients ap JOIN accounts a ON a.id = ap.account_id
                 WHERE ap.patient_id = ?1
                 ORDER BY CASE WHEN a.email = ?2 THEN 0 ELSE 1 END,
                          CASE WHEN ap.role = 'self' THEN 0 ELSE 1 END, a.created_at, a.id
                 LIMIT 1",
                params![&patient_id, &on_file],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let outgoing = match account {
                Some((account_id, email)) => {
                    let email =
                        issue_reset(&tx, &account_id, &email, &settings, &base, "admin", now)?;
                    (STAFF_RESET_SENT, Outgoing::Email(email))
                }
                None => {
                    // `issue` answers 422 `no_email` for a patient without any address.
                    let issued = invites::issue(&tx, &patient_id, now, &settings)?;
                    tx.execute(
                        "UPDATE reinvite_requests SET handled_at = ?1
                         WHERE patient_id = ?2 AND handled_at IS NULL",
                        params![millis(now), &patient_id],
                    )?;
                    (STAFF_INVITE_SENT, Outgoing::Reinvite(Reinvite::Sent(issued)))
                }
            };
            tx.commit()?;
            Ok(outgoing)
        })
        .await?;
    let (status, item) = outgoing;
    match item {
        Outgoing::Email(email) => state.mail.send(email, state.clock.as_ref()),
        Outgoing::Reinvite(outcome) => {
            invites::send_reinvite(state, outcome);
        }
    }
    Ok(StatusAnswer {
        status: status.to_owned(),
    })
}

/// Patients whose invites go to `email` (as themselves, or as their guardian).
fn invited_patients(conn: &Conn, email: &str) -> Result<Vec<String>, ServerError> {
    let ids = conn.query_all(
        "SELECT id FROM patients
         WHERE guardian_email = ?1 OR (guardian_email IS NULL AND email = ?1)
         ORDER BY created_at, id",
        params![email],
        |row| row.get(0),
    )?;
    Ok(ids)
}

enum LatestInvite {
    Valid,
    Consumed,
    ExpiredOrNone,
}

fn latest_invite_state(
    conn: &Conn,
    patient_id: &str,
    now: DateTime<Utc>,
) -> Result<LatestInvite, ServerError> {
    let latest: Option<(i64, bool, bool)> = conn.query_opt(
        "SELECT expires_at, consumed_at IS NOT NULL, revoked_at IS NOT NULL FROM invites
             WHERE patient_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
        params![patient_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    Ok(match latest {
        Some((_, true, _)) => LatestInvite::Consumed,
        Some((expires_at, false, false)) if from_millis(expires_at)? > now => LatestInvite::Valid,
        _ => LatestInvite::ExpiredOrNone,
    })
}

struct ResetRow {
    id: String,
    account_id: String,
    email: String,
}

fn find_usable(conn: &Conn, token: &str, now: DateTime<Utc>) -> Result<ResetRow, ServerError> {
    let not_found = || {
        ServerError::api(
            StatusCode::NOT_FOUND,
            ErrorCode::ResetNotFound,
            "This reset link is not valid. Check that you opened the whole link from the email.",
        )
    };
    if !is_token_shaped(token) {
        return Err(not_found());
    }
    let row: Option<(String, String, String, i64, Option<i64>)> = conn.query_opt(
        "SELECT r.id, r.account_id, a.email, r.expires_at, r.used_at
             FROM password_resets r JOIN accounts a ON a.id = r.account_id
             WHERE r.token_hash = ?1",
        params![token_hash(token)],
        |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        },
    )?;
    let Some((id, account_id, email, expires_at, used_at)) = row else {
        return Err(not_found());
    };
    if used_at.is_some() {
        return Err(ServerError::api(
            StatusCode::GONE,
            ErrorCode::ResetUsed,
            "This reset link was already used. Sign in with your new password, or ask for another link.",
        ));
    }
    if from_millis(expires_at)? <= now {
        return Err(ServerError::api(
            StatusCode::GONE,
            ErrorCode::ResetExpired,
            "This reset link has expired (links work for one hour). Ask for a new one.",
        ));
    }
    Ok(ResetRow {
        id,
        account_id,
        email,
    })
}

/// `GET /v1/auth/password-reset/{token}`.
pub async fn inspect(state: &AppState, token: String) -> Result<ResetInfo, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let reset = find_usable(conn, &token, now)?;
            Ok(ResetInfo {
                status: "valid".to_owned(),
                email_hint: email_hint(&reset.email),
            })
        })
        .await
}

/// `POST /v1/auth/password-reset/{token}`: sets the new password, ends every session,
/// and tells the account holder by email.
pub async fn complete(
    state: &AppState,
    token: String,
    password: String,
) -> Result<(), ServerError> {
    let now = state.clock.now();
    let check_token = token.clone();
    let check_password = password.clone();
    state
        .db
        .call(move |conn| {
            let reset = find_usable(conn, &check_token, now)?;
            let failed = PasswordPolicy::default()
                .check(&check_password, Some(&reset.email))
                .failed();
            if failed.is_empty() {
                Ok(())
            } else {
                Err(ServerError::weak_password(failed))
            }
        })
        .await?;
    let hash = state
        .hashing(move || crypto::hash_password(&password))
        .await?;
    let practice_email = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let reset = find_usable(&tx, &token, now)?;
            tx.execute(
                "UPDATE accounts SET password_hash = ?1 WHERE id = ?2",
                params![hash, reset.account_id],
            )?;
            tx.execute(
                "UPDATE password_resets SET used_at = ?1 WHERE account_id = ?2 AND used_at IS NULL",
                params![millis(now), reset.account_id],
            )?;
            tx.execute(
                "DELETE FROM login_attempts WHERE email_hash LIKE ?1",
                params![crate::service::auth::attempt_keys_of(&reset.email)],
            )?;
            sessions::revoke_all(&tx, &reset.account_id, RevokeReason::PasswordReset, now)?;
            audit::record(
                &tx,
                millis(now),
                &format!("account:{}", reset.account_id),
                "password_reset.complete",
                &reset.id,
            )?;
            let practice = settings::load(&tx)?.practice_name;
            tx.commit()?;
            Ok(password_changed_email(
                &reset.email,
                &practice,
                "every device was signed out",
            ))
        })
        .await?;
    state.mail.send(practice_email, state.clock.as_ref());
    Ok(())
}
