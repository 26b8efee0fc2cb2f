//! The audit log: who did what to whom, from where, and when. Never secrets.
//!
//! Who and where come from the request: the HTTP layer runs each request in an
//! [`AuditContext`] (the client's address, and for the admin API a fingerprint of the
//! staff credential), and [`crate::db::Db::call`] carries it onto the database thread,
//! where [`record`] reads it. Work outside a request (the hourly clean-up, the command
//! line's direct database work) records no address.

use crate::db::Conn;
use crate::error::ServerError;
use crate::params;
use std::cell::RefCell;

/// Where a request came from, for the entries it records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditContext {
    /// The client's address (after `trusted_proxies`).
    pub client: Option<String>,
    /// A fingerprint of the admin credential the request carried: the first 12 hex
    /// digits of its SHA-256, never the token.
    pub credential: Option<String>,
}

tokio::task_local! {
    static REQUEST: AuditContext;
}

thread_local! {
    static ON_THREAD: RefCell<Option<AuditContext>> = const { RefCell::new(None) };
}

/// Runs `work` (a request's handling) with `context` for the entries it records.
pub async fn scope<F: std::future::Future>(context: AuditContext, work: F) -> F::Output {
    REQUEST.scope(context, work).await
}

/// The context of the request this task serves, if any: for [`on_thread`].
pub fn current() -> Option<AuditContext> {
    REQUEST.try_with(Clone::clone).ok()
}

/// Runs `work` on this (database) thread with `context`.
pub fn on_thread<T>(context: Option<AuditContext>, work: impl FnOnce() -> T) -> T {
    let before = ON_THREAD.with(|slot| slot.replace(context));
    let result = work();
    ON_THREAD.with(|slot| *slot.borrow_mut() = before);
    result
}

/// The fingerprint of an admin credential, as entries name it.
pub fn fingerprint(token: &str) -> String {
    let mut hash = crate::crypto::token_hash(token);
    hash.truncate(12);
    hash
}

/// Records one action. `actor` is `admin`, `account:{id}` or `public`; `subject` an id.
/// The request's address goes with it, and `admin` is named by its credential
/// (`admin:{fingerprint}`).
pub fn record(
    conn: &Conn,
    at_ms: i64,
    actor: &str,
    action: &str,
    subject: &str,
) -> Result<(), ServerError> {
    let context = ON_THREAD
        .with(|slot| slot.borrow().clone())
        .unwrap_or_default();
    let actor = match (&context.credential, actor) {
        (Some(credential), "admin") => format!("admin:{credential}"),
        _ => actor.to_owned(),
    };
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, client) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at_ms, actor, action, subject, context.client],
    )?;
    Ok(())
}
