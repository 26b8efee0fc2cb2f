//! The background sync: pulls when the server says something changed (server-sent
//! events), sends writes as they are made, notices going offline and coming back, and
//! backs off while the server cannot be reached. Hosts run [`Sync::run`] on their
//! runtime and drop (abort) it to stop.

use super::Sync;
use crate::error::CoreError;
use crate::http::EventStream;
use crate::notices::{ChangeNotice, SyncStatus};
use chrono::Utc;
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

fn offline_wait(failures: u32) -> Duration {
    let seconds = 2u64.saturating_mul(1 << failures.saturating_sub(1).min(16));
    Duration::from_secs(seconds).min(OFFLINE_CAP)
}

impl Sync {
    /// Keeps the account's offline copy current for as long as the returned future is
    /// polled: an initial sync, then a pull whenever the server announces a change, a
    /// write is made, the network comes back ([`Sync::network_changed`]) or
    /// five minutes pass. While locked it waits; it returns when nobody is signed in
    /// or the session ended (the status becomes [`SyncStatus::Stopped`]).
    pub async fn run(&self) {
        let mut failures = 0u32;
        // The event stream is opened before each pull it has to cover, so that a change
        // between the pull and the listening is never missed.
        let mut events: Option<EventStream> = None;
        loop {
            match self.ctx.require_unlocked() {
                Ok(_) => {}
                Err(CoreError::Locked) => {
                    events = None;
                    self.ctx.notify(ChangeNotice::Sync(SyncStatus::Stopped));
                    self.ctx.wake.notified().await;
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
                    failures = 0;
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
