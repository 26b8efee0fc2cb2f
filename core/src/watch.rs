//! Live queries: a [`Watch`] holds a query's latest result and yields a new one only
//! when a change touches what it shows (a record of a kind it reads, a write it
//! follows, a purge, or a reload) and the result differs. It ends when the account's
//! database closes (lock, sign-out, a session ended on the server), and stops when
//! dropped. The records' queries and the outbox's items are watched this way.

use crate::error::CoreError;
use crate::notices::{ChangeNotice, SyncStatus};
use crate::session::{Context, SessionCheck};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// The latest result of a query, kept current while the watch lives.
pub struct Watch<T> {
    latest: watch::Receiver<T>,
    task: tokio::task::JoinHandle<()>,
}

impl<T: Clone> Watch<T> {
    /// The result now.
    pub fn latest(&self) -> T {
        self.latest.borrow().clone()
    }

    /// Waits for the next different result; `None` once the watch ended (the store
    /// closed: locked, signed out, or the session ended).
    pub async fn next(&mut self) -> Option<T> {
        self.latest.changed().await.ok()?;
        Some(self.latest.borrow_and_update().clone())
    }
}

impl<T> Drop for Watch<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs `query` now, then again whenever a notice names one of `kinds` (or everything
/// may have changed), and keeps the latest result when it differs.
pub(crate) async fn of_kinds<T, F, Fut>(
    ctx: &Arc<Context>,
    kinds: &'static [&'static str],
    query: F,
) -> Result<Watch<T>, CoreError>
where
    T: Clone + PartialEq + Send + Sync + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, CoreError>> + Send,
{
    start(
        ctx,
        move |notice| matches!(notice, ChangeNotice::Records { kind, .. } if kinds.contains(&kind.as_str())),
        query,
    )
    .await
}

/// Runs `query` now, then again whenever `touches` accepts a notice (or everything may
/// have changed, or the store may have closed), and keeps the latest result when it
/// differs.
pub(crate) async fn start<T, F, Fut>(
    ctx: &Arc<Context>,
    touches: impl Fn(&ChangeNotice) -> bool + Send + 'static,
    query: F,
) -> Result<Watch<T>, CoreError>
where
    T: Clone + PartialEq + Send + Sync + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, CoreError>> + Send,
{
    // Subscribed before the first read: a change in between is not missed.
    let mut notices = ctx.subscribe();
    let first = query().await?;
    let (sender, latest) = watch::channel(first);
    let task = tokio::spawn(async move {
        loop {
            let touched = match notices.recv().await {
                Ok(ChangeNotice::ProfilesPurged { .. } | ChangeNotice::ReloadAll) => true,
                // Sync stops at lock and sign-out: read again, which ends the watch then.
                Ok(ChangeNotice::Sync(SyncStatus::Stopped)) => true,
                // The server ended the session: read again, which ends the watch.
                Ok(ChangeNotice::Session(SessionCheck::Ended { .. })) => true,
                Ok(notice) => touches(&notice),
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if !touched {
                continue;
            }
            // Many changes at once (a page of a sync): read once for all of them.
            while let Ok(notice) = notices.try_recv() {
                drop(notice);
            }
            match query().await {
                Ok(result) => {
                    sender.send_if_modified(|current| {
                        if *current == result {
                            false
                        } else {
                            *current = result;
                            true
                        }
                    });
                }
                // The store closed (locked, signed out, session ended): the watch ends.
                Err(CoreError::Locked | CoreError::NotSignedIn) => return,
                Err(error) => {
                    tracing::warn!(code = error.code(), "a live query could not be read");
                }
            }
            if sender.is_closed() {
                return;
            }
        }
    });
    Ok(Watch { latest, task })
}
