//! Patient groups and their join links: one link, shared with many people, valid for
//! the practice's invite lifetime. Joining creates the patient in the group and sends
//! an invite, which is how the email address gets verified. The answer is always the
//! same, so a join link cannot be used to find out who has an account.

use crate::crypto::{is_token_shaped, new_id, new_token, token_hash};
use crate::db::Conn;
use crate::db::{from_millis, millis};
use crate::error::ServerError;
use crate::mail::{Email, html_escape};
use crate::params;
use crate::service::invites::{self, IssuedInvite};
use crate::service::patients::{normalize_email, required};
use crate::service::{audit, forms, limits, names, publish, settings};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use portal_model::admin::{CreateGroupRequest, CreateGroupResponse, JoinLinkCreated};
use portal_model::{
    ErrorCode, FormRef, GroupRef, JoinInfo, JoinRequest, PracticeRef, StatusAnswer,
};

/// `POST /v1/admin/groups`.
pub async fn create_group(
    state: &AppState,
    request: CreateGroupRequest,
) -> Result<CreateGroupResponse, ServerError> {
    let name = required("name", &request.name)?;
    let now = millis(state.clock.now());
    state
        .db
        .call(move |conn| {
            let known: Option<i64> = conn
                .query_opt(
                    "SELECT 1 FROM providers WHERE id = ?1",
                    params![&request.provider_id],
                    |row| row.get(0))?;
            if known.is_none() {
                return Err(ServerError::bad_request(
                    "provider_id does not name a provider of this practice.",
                ));
            }
            let tx = conn.transaction()?;
            let group_id = new_id("grp");
            tx.execute(
                "INSERT INTO groups (id, name, provider_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![group_id, name, request.provider_id, now])?;
            for form_id in &request.intake_form_ids {
                if forms::template_title(&tx, form_id)?.is_none() {
                    return Err(ServerError::bad_request(format!(
                        "intake_form_ids: '{form_id}' does not name an intake form of this practice."
                    )));
                }
                tx.execute(
                    "INSERT INTO group_forms (group_id, form_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![group_id, form_id])?;
            }
            audit::record(&tx, now, "admin", "group.create", &group_id)?;
            tx.commit()?;
            Ok(CreateGroupResponse { group_id })
        })
        .await
}

/// `POST /v1/admin/groups/{id}/join-links`.
pub async fn create_join_link(
    state: &AppState,
    group_id: String,
) -> Result<JoinLinkCreated, ServerError> {
    let now = state.clock.now();
    let base = state
        .config
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    state
        .db
        .call(move |conn| {
            let known: Option<i64> = conn.query_opt(
                "SELECT 1 FROM groups WHERE id = ?1",
                params![&group_id],
                |row| row.get(0),
            )?;
            if known.is_none() {
                return Err(ServerError::api(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "No such group.",
                ));
            }
            let settings = settings::load(conn)?;
            let code = new_token();
            let expires_at = now + Duration::seconds(settings.invite_ttl_seconds);
            conn.execute(
                "INSERT INTO join_links (id, group_id, code_hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    new_id("jnl"),
                    group_id,
                    token_hash(&code),
                    millis(now),
                    millis(expires_at)
                ],
            )?;
            audit::record(conn, millis(now), "admin", "join_link.create", &group_id)?;
            Ok(JoinLinkCreated {
                url: format!("{base}/join/{code}"),
                expires_at,
            })
        })
        .await
}

struct LinkRow {
    group_id: String,
    group_name: String,
    provider_id: String,
    expires_at: DateTime<Utc>,
}

fn find_usable(conn: &Conn, code: &str, now: DateTime<Utc>) -> Result<LinkRow, ServerError> {
    let not_found = || {
        ServerError::api(
            StatusCode::NOT_FOUND,
            ErrorCode::JoinLinkNotFound,
            "This sign-up link is not valid. Check that you opened the whole link.",
        )
    };
    if !is_token_shaped(code) {
        return Err(not_found());
    }
    let row: Option<(String, String, String, i64)> = conn.query_opt(
        "SELECT g.id, g.name, g.provider_id, l.expires_at
             FROM join_links l JOIN groups g ON g.id = l.group_id WHERE l.code_hash = ?1",
        params![token_hash(code)],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
    )?;
    let Some((group_id, group_name, provider_id, expires_at)) = row else {
        return Err(not_found());
    };
    let expires_at = from_millis(expires_at)?;
    if expires_at <= now {
        return Err(ServerError::api(
            StatusCode::GONE,
            ErrorCode::JoinLinkExpired,
            "This sign-up link has expired. Ask your practice for a new one.",
        ));
    }
    Ok(LinkRow {
        group_id,
        group_name,
        provider_id,
        expires_at,
    })
}

/// `GET /v1/join/{code}`.
pub async fn inspect(state: &AppState, code: String) -> Result<JoinInfo, ServerError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let link = find_usable(conn, &code, now)?;
            Ok(JoinInfo {
                practice: PracticeRef {
                    name: settings::load(conn)?.practice_name,
                },
                group: GroupRef {
                    name: link.group_name,
                },
                expires_at: link.expires_at,
                intake_forms: group_forms(conn, &link.group_id)?,
            })
        })
        .await
}

enum Outcome {
    Invite(IssuedInvite),
    AlreadyRegistered(Email),
    Nothing,
}

/// Joins one client address may make per hour (through any link).
pub const JOINS_PER_ADDRESS: i64 = 20;

/// `POST /v1/join/{code}`: always `check_email`. A new person is added to the group and
/// invited; a person who already has an account is emailed a way to sign in; a patient
/// already on file without an account gets a fresh invite.
pub async fn join(
    state: &AppState,
    code: String,
    request: JoinRequest,
    client: std::net::IpAddr,
) -> Result<StatusAnswer, ServerError> {
    let first_name = names::person_name("first_name", &request.first_name)?;
    let last_name = names::person_name("last_name", &request.last_name)?;
    let email = normalize_email(&request.email)?;
    let phone = request
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.chars().count() <= 32
                && p.chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                Ok(p.to_owned())
            } else {
                Err(ServerError::bad_request("phone is not a phone number."))
            }
        })
        .transpose()?;
    let date_of_birth = request.date_of_birth.to_string();
    let now = state.clock.now();
    let base = state
        .config
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let outcome = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let link = find_usable(&tx, &code, now)?;
            // One address filling the form for many others (a mail relay): each
            // address joins a few times an hour at most.
            limits::hit(
                &tx,
                &format!("join-ip:{client}"),
                JOINS_PER_ADDRESS,
                Duration::hours(1),
                now,
            )?;
            limits::hit(
                &tx,
                &format!("join:{}", token_hash(&email)),
                5,
                Duration::hours(1),
                now,
            )?;
            limits::hit(
                &tx,
                &format!("join-link:{}", token_hash(&code)),
                200,
                Duration::hours(1),
                now,
            )?;
            let settings = settings::load(&tx)?;
            let has_account: Option<i64> = tx.query_opt(
                "SELECT 1 FROM accounts WHERE email = ?1",
                params![&email],
                |row| row.get(0),
            )?;
            let outcome = if has_account.is_some() {
                Outcome::AlreadyRegistered(already_registered_email(
                    &email,
                    &settings.practice_name,
                    &base,
                ))
            } else {
                let existing: Option<String> = tx.query_opt(
                    "SELECT id FROM patients WHERE email = ?1",
                    params![&email],
                    |row| row.get(0),
                )?;
                let patient_id =
                    match existing {
                        Some(id) => id,
                        None => {
                            let id = new_id("pat");
                            tx.execute(
                            "INSERT INTO patients (id, first_name, last_name, email, date_of_birth,
                               primary_provider_id, group_id, phone, created_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                            params![id, first_name, last_name, email, date_of_birth,
                                    link.provider_id, link.group_id, phone, millis(now)])?;
                            tx.execute(
                                "INSERT INTO care_team (patient_id, provider_id) VALUES (?1, ?2)",
                                params![id, link.provider_id],
                            )?;
                            for form in group_forms(&tx, &link.group_id)? {
                                forms::assign_in(&tx, &form.id, &id, None, now)?;
                            }
                            publish::profile(&tx, &id, now)?;
                            audit::record(&tx, millis(now), "public", "patient.join", &id)?;
                            id
                        }
                    };
                match invites::issue(&tx, &patient_id, now, &settings) {
                    Ok(issued) => Outcome::Invite(issued),
                    // A guardian's child shares nothing with this address: send nothing.
                    Err(ServerError::Api {
                        code: ErrorCode::NoEmail,
                        ..
                    }) => Outcome::Nothing,
                    Err(other) => return Err(other),
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await?;
    match outcome {
        // Sent to an address someone typed: it carries none of the typed words.
        Outcome::Invite(issued) => state.mail.send(
            invites::invite_email_without_name(&state.config, &issued),
            state.clock.as_ref(),
        ),
        Outcome::AlreadyRegistered(email) => state.mail.send(email, state.clock.as_ref()),
        Outcome::Nothing => {}
    }
    Ok(StatusAnswer {
        status: "check_email".to_owned(),
    })
}

/// The intake forms a group hands to people who join.
fn group_forms(conn: &Conn, group_id: &str) -> Result<Vec<FormRef>, ServerError> {
    let forms = conn.query_all(
        "SELECT t.id, t.title FROM group_forms g JOIN form_templates t ON t.id = g.form_id
         WHERE g.group_id = ?1 ORDER BY t.title, t.id",
        params![group_id],
        |row| {
            Ok(FormRef {
                id: row.get(0)?,
                title: row.get(1)?,
            })
        },
    )?;
    Ok(forms)
}

fn already_registered_email(to: &str, practice: &str, base: &str) -> Email {
    let text = format!(
        "You asked to join {practice}'s patient portal, but you already have an account with this email address.\n\n\
         Open the Patient Portal app and sign in. If you forgot your password, use \"Forgot password\" in the app \
         or on {base} to get a reset link.\n"
    );
    Email {
        kind: "join-already-registered",
        to: to.to_owned(),
        subject: format!("You already have a {practice} portal account"),
        html: format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p></body></html>",
            html_escape(&text).replace("\n\n", "</p><p>")
        ),
        text,
        links: Vec::new(),
    }
}
