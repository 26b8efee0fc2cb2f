//! Pulling the sync feed into the account's database: page by page, each page with its
//! cursor in one transaction, the next page fetched while the last is written.

use super::Sync;
use crate::error::CoreError;
use crate::notices::{ChangeNotice, SyncStatus};
use crate::store::{self, OpenOutcome};
use portal_model::ErrorCode;
use reqwest::Method;

/// What a pull did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pages: u32,
    pub changes: u64,
    /// The server no longer had our place in the feed: local data was replaced.
    pub resynced: bool,
    /// Profiles the account lost access to; their records were purged.
    pub purged_profiles: Vec<String>,
    /// The database could not be opened with its key and was set aside.
    pub quarantined: bool,
    /// When a write waiting in the outbox will be tried again (Unix ms), if any.
    pub outbox_retry_at_ms: Option<i64>,
}

/// Progress of a pull, reported after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    pub pages: u32,
    pub changes: u64,
    pub has_more: bool,
}

impl Sync {
    /// Sends what waits in the outbox, then pulls the sync feed into the local database,
    /// page by page, each page with its cursor in one transaction. `progress` hears
    /// after every page.
    pub async fn sync_now(
        &self,
        mut progress: impl FnMut(SyncProgress) + Send,
    ) -> Result<SyncReport, CoreError> {
        // One pull at a time: the background loop's and the host's wait for each other.
        let _turn = self.ctx.pulling.lock().await;
        let (store, outcome) = self.ctx.store().await?;
        let flushed = self.outbox().flush().await?;
        let mut report = SyncReport {
            quarantined: matches!(outcome, Some(OpenOutcome::Quarantined { .. })),
            outbox_retry_at_ms: flushed.retry_at_ms,
            ..SyncReport::default()
        };
        let mut cursor = store.cursor().await?;
        // A sync from the start fills the copy: its pages feed a progress bar.
        let mut from_start = cursor.is_none();
        // The next page is asked for while the last one is written (its cursor is known
        // once it is read), so the network, the server and the parsing overlap with
        // the database. A page counts only once written with its cursor.
        let mut prefetched: Option<Result<(store::PulledPage, i64), CoreError>> = None;
        loop {
            let fetched = match prefetched.take() {
                Some(fetched) => fetched,
                None => self.fetch_page(cursor.as_deref()).await,
            };
            let (page, requested_at) = match fetched {
                Ok(fetched) => fetched,
                Err(CoreError::Server {
                    code: ErrorCode::CursorExpired,
                    ..
                }) if !report.resynced => {
                    tracing::info!("the server no longer has our place in the feed: full resync");
                    store.reset().await?;
                    report.resynced = true;
                    cursor = None;
                    from_start = true;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let has_more = page.has_more;
            let next = page.cursor.clone();
            let count = page.changes.len() as u64;
            let apply = store.apply_page(page, requested_at);
            let applied = if has_more {
                let (applied, following) = tokio::join!(apply, self.fetch_page(Some(&next)));
                prefetched = Some(following);
                applied?
            } else {
                apply.await?
            };
            report.pages += 1;
            report.changes += count;
            self.ctx.notify_records(&applied.changed);
            if !applied.purged_profiles.is_empty() {
                self.ctx.notify(ChangeNotice::ProfilesPurged {
                    profile_ids: applied.purged_profiles.clone(),
                });
            }
            report.purged_profiles.extend(applied.purged_profiles);
            if from_start && has_more {
                self.ctx.note_first_sync(report.pages, report.changes);
            }
            self.ctx.notify(ChangeNotice::Sync(SyncStatus::Syncing {
                pages: report.pages,
                changes: report.changes,
            }));
            progress(SyncProgress {
                pages: report.pages,
                changes: report.changes,
                has_more,
            });
            cursor = Some(next);
            if !has_more && report.resynced {
                store.forget_orphan_downloads().await?;
            }
            if !has_more {
                // Up to date includes search: the last pages' entries are written by
                // the search thread while the sync goes on.
                store.search_settled().await?;
                self.ctx.notify(ChangeNotice::Sync(SyncStatus::UpToDate {
                    at: self.ctx.now(),
                }));
                return Ok(report);
            }
        }
    }

    /// Asks for the page after `cursor` (from the start without one); returns it with
    /// the time it was asked for.
    async fn fetch_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<(store::PulledPage, i64), CoreError> {
        let limit = self.ctx.config.sync_page_limit();
        let requested_at = self.ctx.now().timestamp_millis();
        let path = match cursor {
            Some(c) => format!("/v1/sync?limit={limit}&cursor={}", encode(c)),
            None => format!("/v1/sync?limit={limit}"),
        };
        let mut page = self
            .ctx
            .send_signed_in::<(), store::PulledPage>(Method::GET, &path, None)
            .await?;
        page.read_columns();
        Ok((page, requested_at))
    }
}

/// Percent-encodes a cursor for the query string (it may hold any characters).
fn encode(cursor: &str) -> String {
    url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect()
}
