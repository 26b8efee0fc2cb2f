//! The background sync: pulls when the server says something changed (server-sent
//! events), sends writes as they are made, notices going offline and coming back, and
//! backs off while the server cannot be reached. While locked it neither pulls nor opens
//! the store, but keeps listening, so that a host can say that something new arrived.
//! The core runs it from sign-in to sign-out (`session::background`); a host that turned
//! that off runs [`Sync::run`] itself and drops (aborts) it to stop.

use super::Sync;
use crate::error::CoreError;
use crate::http::EventStream;
use crate::notices::{ChangeNotice, SyncStatus};
use crate::session::Context;
use chrono::Utc;
use portal_model::ErrorCode;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, sleep, sleep_until, timeout};

/// Without events, pull at least this often.
const POLL_EVERY: Duration = Duration::from_secs(5 * 60);
/// When the event stream cannot be kept open, poll this often instead.
const POLL_WITHOUT_EVENTS: Duration = Duration::from_secs(30);
/// The server sends a keep-alive every 15 s; this much silence means a dead connection.
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// Offline retries wait 2 s, doubling up to this.
const OFFLINE_CAP: Duration = Duration::from_secs(5 * 60);
/// After the event stream ended while locked, wait this long before opening another.
const LOCKED_REOPEN: Duration = Duration::from_secs(5);

/// The loop the core runs in the background (see `session::background`).
pub(crate) fn background_loop(ctx: Arc<Context>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move { Sync::new(ctx).run().await })
}

fn offline_wait(failures: u32) -> Duration {
    let seconds = 2u64.saturating_mul(1 << failures.saturating_sub(1).min(16));
    Duration::from_secs(seconds).min(OFFLINE_CAP)
}

impl Sync {
    /// Keeps the account's offline copy current for as long as the returned future is
    /// polled: an initial sync, then a pull whenever the server announces a change, a
    /// write is made, the network comes back ([`Sync::network_changed`]) or
    /// five minutes pass. While locked it stops pulling (the status becomes
    /// [`SyncStatus::Stopped`]) but keeps the event stream, and tells of each change
    /// the server announces with [`ChangeNotice::NewActivity`], until the unlock. It
    /// returns when nobody is signed in or the session ended.
    ///
    /// The core runs this by itself from sign-in to sign-out unless the configuration
    /// turned that off (`ClientConfig::with_background_sync(false)`).
    pub async fn run(&self) {
        let mut failures = 0u32;
        // The event stream is opened before each pull it has to cover, so that a change
        // between the pull and the listening is never missed.
        let mut events: Option<EventStream> = None;
        loop {
            match self.ctx.require_unlocked() {
                Ok(_) => {}
                Err(CoreError::Locked) => {
                    self.ctx.notify(ChangeNotice::Sync(SyncStatus::Stopped));
                    self.while_locked(&mut events).await;
                    continue;
                }
                Err(_) => {
                    self.ctx.notify(ChangeNotice::Sync(SyncStatus::Stopped));
                    return;
                }
            }
            if events.is_none() {
                events = self.open_events().await;
            }
            let retry_at = match self.sync_now(|_| {}).await {
                Ok(report) => {
                    let back_online = failures > 0;
                    failures = 0;
                    // The server answers again: the writes that waited out the outage
                    // go now, not at their next try (up to minutes away).
                    if back_online
                        && report.outbox_retry_at_ms.is_some()
                        && self.outbox().due_now().await.is_ok_and(|n| n > 0)
                    {
                        continue;
                    }
                    report.outbox_retry_at_ms
                }
                Err(error) if error.is_offline() => {
                    events = None;
                    failures += 1;
                    let wait = offline_wait(failures);
                    let retry_at =
                        Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    tracing::info!(code = error.code(), "offline: will try again");
                    self.ctx
                        .notify(ChangeNotice::Sync(SyncStatus::Offline { retry_at }));
                    tokio::select! {
                        () = sleep(wait) => {}
                        () = self.ctx.wake.notified() => {}
                    }
                    continue;
                }
                Err(CoreError::Locked) => continue,
                Err(error) if error.is_session_end() => {
                    self.ctx.notify(ChangeNotice::Sync(SyncStatus::Stopped));
                    return;
                }
                Err(error) => {
                    // Something local (storage) or unexpected: log it, wait, go on.
                    events = None;
                    failures += 1;
                    tracing::warn!(code = error.code(), "background sync failed");
                    tokio::select! {
                        () = sleep(offline_wait(failures)) => {}
                        () = self.ctx.wake.notified() => {}
                    }
                    continue;
                }
            };
            let deadline = retry_at
                .and_then(|at| {
                    let ms = at - Utc::now().timestamp_millis();
                    u64::try_from(ms).ok().map(Duration::from_millis)
                })
                .map_or(POLL_EVERY, |d| d.min(POLL_EVERY));
            let until = Instant::now() + deadline;
            match events.as_mut() {
                Some(stream) => {
                    if !self.wait_for_event(stream, until).await {
                        events = None;
                    }
                }
                None => {
                    let poll = Instant::now() + POLL_WITHOUT_EVENTS.min(deadline);
                    tokio::select! {
                        () = sleep_until(poll) => {}
                        () = self.ctx.wake.notified() => {}
                    }
                }
            }
        }
    }

    /// While locked: no pull and no store, but the event stream stays open (with the
    /// locked account's tokens, refreshed when stale), and each change the server
    /// announces becomes a [`ChangeNotice::NewActivity`] that says nothing of what
    /// changed. Returns at a wake-up (an unlock, the network back) or once the account
    /// is no longer locked.
    async fn while_locked(&self, events: &mut Option<EventStream>) {
        loop {
            let Some(locked) = self.ctx.locked_account() else {
                return;
            };
            if events.is_none() {
                *events = self.open_events_as(&locked.account_id).await;
            }
            let ended = match events.as_mut() {
                Some(stream) => tokio::select! {
                    event = timeout(SILENCE_LIMIT, stream.next_event()) => match event {
                        Ok(Ok(Some(name))) => {
                            if name == "changed" {
                                self.ctx.notify(ChangeNotice::NewActivity);
                            }
                            false
                        }
                        _ => true,
                    },
                    () = self.ctx.wake.notified() => return,
                },
                None => true,
            };
            if ended {
                *events = None;
                let wait = if self.ctx.locked_account().is_some() {
                    LOCKED_REOPEN
                } else {
                    Duration::ZERO
                };
                tokio::select! {
                    () = sleep(wait) => {}
                    () = self.ctx.wake.notified() => return,
                }
            }
        }
    }

    /// Opens the event stream as `account_id` whether or not it is unlocked, refreshing
    /// a stale access token once; `None` when it cannot be opened now.
    async fn open_events_as(&self, account_id: &str) -> Option<EventStream> {
        let mut refreshed = false;
        loop {
            let tokens = self.ctx.vault.tokens(account_id).await.ok()??;
            match self.ctx.api.open_events(&tokens.access_token).await {
                Ok(Ok(stream)) => return Some(stream),
                Ok(Err(failure))
                    if !refreshed
                        && failure.body.as_ref().map(|b| b.error.code)
                            == Some(ErrorCode::SessionExpired) =>
                {
                    refreshed = true;
                    if let Err(error) = self
                        .ctx
                        .refresh(account_id, Some(&tokens.access_token))
                        .await
                    {
                        tracing::info!(code = error.code(), "could not refresh while locked");
                        return None;
                    }
                }
                Ok(Err(_)) | Err(_) => return None,
            }
        }
    }

    /// Opens the server's event stream; `None` when it cannot be opened now (offline,
    /// or a stale token that the next pull refreshes).
    async fn open_events(&self) -> Option<EventStream> {
        let token = self.ctx.current_access_token().await?;
        match self.ctx.api.open_events(&token).await {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(_)) | Err(_) => None,
        }
    }

    /// Waits for a `changed` event, a wake-up, or `until`. False when the stream ended
    /// or went silent (it is then opened again before the next pull).
    async fn wait_for_event(&self, stream: &mut EventStream, until: Instant) -> bool {
        loop {
            tokio::select! {
                event = timeout(SILENCE_LIMIT, stream.next_event()) => match event {
                    Ok(Ok(Some(name))) if name == "changed" => return true,
                    Ok(Ok(Some(_))) => {}
                    _ => return false,
                },
                () = self.ctx.wake.notified() => return true,
                () = sleep_until(until) => return true,
            }
        }
    }
}
