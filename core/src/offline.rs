//! The offline side of [`PortalClient`]: the account's encrypted database, pulling the
//! sync feed into it, and reads served from it.

use crate::client::PortalClient;
use crate::error::CoreError;
use crate::store::read::{ListQuery, Owner};
use crate::store::{self, ListOrder, OpenOutcome, Page, StoreKey, StoredRecord, Summary};
use portal_model::ErrorCode;
use reqwest::Method;
use std::path::PathBuf;

/// How much of an account [`PortalClient::forget_account`] removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wipe {
    /// The session, the unlock verifier and the account's place in the index.
    SessionOnly,
    /// All of it, the offline copy and its key included.
    Everything,
}

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

impl PortalClient {
    /// Where the account's files live, if the host gave a data directory.
    fn account_dir(&self, account_id: &str) -> Option<PathBuf> {
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        self.config
            .data_dir()
            .map(|dir| dir.join(safe(self.vault.scope())).join(safe(account_id)))
    }

    /// The open database of the account in use, opening it on first use. A file the key
    /// cannot open is set aside (never overwritten) and a fresh one is made.
    pub(crate) async fn store(&self) -> Result<(store::Store, Option<OpenOutcome>), CoreError> {
        let signed_in = self.require_unlocked()?;
        if let Some(open) = self.lock_store().clone() {
            return Ok((open, None));
        }
        let dir = self
            .account_dir(&signed_in.account.id)
            .ok_or_else(|| CoreError::Config("no data directory was configured".to_owned()))?;
        let stored = self.vault.store_key(&signed_in.account.id).await?;
        let (key, key_is_new) = match stored.as_deref().and_then(StoreKey::from_stored) {
            Some(key) => (key, false),
            None => {
                let key = StoreKey::generate();
                self.vault
                    .set_store_key(&signed_in.account.id, key.as_stored())
                    .await?;
                (key, true)
            }
        };
        let (opened, outcome) =
            tokio::task::spawn_blocking(move || store::Store::open(&dir, &key, key_is_new))
                .await
                .map_err(|e| CoreError::Storage(format!("database task: {e}")))??;
        // The account may have changed or locked while the file opened.
        let still = self.require_unlocked()?;
        if still.account.id != signed_in.account.id {
            return Err(CoreError::NotSignedIn);
        }
        *self.lock_store() = Some(opened.clone());
        Ok((opened, Some(outcome)))
    }

    /// The access token of the account in use, as kept in the secret store.
    pub(crate) async fn current_access_token(&self) -> Option<String> {
        let signed_in = self.require_unlocked().ok()?;
        let tokens = self.vault.tokens(&signed_in.account.id).await.ok()??;
        Some(tokens.access_token)
    }

    /// Removes what this device keeps of an account: with [`Wipe::Everything`] (signing
    /// out) the keychain entries and the files; with [`Wipe::SessionOnly`] (the server
    /// ended the session) only the session, so that writes still waiting in the outbox
    /// are sent after the person signs in again.
    pub(crate) async fn forget_account(
        &self,
        account_id: &str,
        wipe: Wipe,
    ) -> Result<(), CoreError> {
        *self.lock_store() = None;
        self.vault
            .forget(account_id, wipe == Wipe::SessionOnly)
            .await?;
        if wipe == Wipe::SessionOnly {
            return Ok(());
        }
        if let Some(dir) = self.account_dir(account_id) {
            tokio::task::spawn_blocking(move || store::delete_account_dir(&dir))
                .await
                .map_err(|e| CoreError::Storage(format!("file task: {e}")))??;
        }
        Ok(())
    }

    /// Sends what waits in the outbox, then pulls the sync feed into the local database,
    /// page by page, each page with its cursor in one transaction. `progress` hears
    /// after every page.
    pub async fn sync_now(
        &self,
        mut progress: impl FnMut(SyncProgress) + Send,
    ) -> Result<SyncReport, CoreError> {
        let (store, outcome) = self.store().await?;
        let flushed = self.flush_outbox().await?;
        let mut report = SyncReport {
            quarantined: matches!(outcome, Some(OpenOutcome::Quarantined { .. })),
            outbox_retry_at_ms: flushed.retry_at_ms,
            ..SyncReport::default()
        };
        let mut cursor = store.cursor().await?;
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
            self.notify_records(&applied.changed);
            if !applied.purged_profiles.is_empty() {
                self.notify(crate::changes::ChangeNotice::ProfilesPurged {
                    profile_ids: applied.purged_profiles.clone(),
                });
            }
            report.purged_profiles.extend(applied.purged_profiles);
            self.notify(crate::changes::ChangeNotice::Sync(
                crate::changes::SyncStatus::Syncing {
                    pages: report.pages,
                    changes: report.changes,
                },
            ));
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
                self.notify(crate::changes::ChangeNotice::Sync(
                    crate::changes::SyncStatus::UpToDate { at: self.now() },
                ));
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
        let limit = self.config.sync_page_limit();
        let requested_at = self.now().timestamp_millis();
        let path = match cursor {
            Some(c) => format!("/v1/sync?limit={limit}&cursor={}", encode(c)),
            None => format!("/v1/sync?limit={limit}"),
        };
        let mut page = self
            .send_signed_in::<(), store::PulledPage>(Method::GET, &path, None)
            .await?;
        page.read_columns();
        Ok((page, requested_at))
    }

    /// A page of a profile's records of `kind` (`appointment`, `thread`, `invoice`,
    /// `document`, `form`, ...), from the local database.
    pub async fn list(
        &self,
        kind: &str,
        profile_id: &str,
        order: ListOrder,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page, CoreError> {
        let (store, _) = self.store().await?;
        store
            .list(ListQuery {
                kind: kind.to_owned(),
                owner: Owner::Profile(profile_id.to_owned()),
                order,
                from_ms: None,
                limit,
                after,
            })
            .await
    }

    /// Upcoming appointments (from now, earliest first) or past ones (latest first).
    pub async fn appointments(
        &self,
        profile_id: &str,
        upcoming: bool,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page, CoreError> {
        let (store, _) = self.store().await?;
        store
            .list(ListQuery {
                kind: "appointment".to_owned(),
                owner: Owner::Profile(profile_id.to_owned()),
                order: if upcoming {
                    ListOrder::OldestFirst
                } else {
                    ListOrder::NewestFirst
                },
                from_ms: Some(self.now().timestamp_millis()),
                limit,
                after,
            })
            .await
    }

    /// A thread's messages, oldest first.
    pub async fn messages(
        &self,
        thread_id: &str,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page, CoreError> {
        let (store, _) = self.store().await?;
        store
            .list(ListQuery {
                kind: "message".to_owned(),
                owner: Owner::Parent(thread_id.to_owned()),
                order: ListOrder::OldestFirst,
                from_ms: None,
                limit,
                after,
            })
            .await
    }

    /// Messages, threads and documents of a profile matching what the person typed,
    /// searched on the device.
    pub async fn search(
        &self,
        profile_id: &str,
        query: &str,
        limit: u32,
    ) -> Result<Vec<StoredRecord>, CoreError> {
        let (store, _) = self.store().await?;
        store.search(profile_id, query, limit).await
    }

    /// One record from the local database.
    pub async fn record(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, CoreError> {
        let (store, _) = self.store().await?;
        store.get(kind, id).await
    }

    /// Unread messages, the next appointment and the balance due for a profile.
    pub async fn summary(&self, profile_id: &str) -> Result<Summary, CoreError> {
        let (store, _) = self.store().await?;
        store
            .summary(profile_id, self.now().timestamp_millis())
            .await
    }

    /// `PRAGMA integrity_check` of the account's database ("ok" when sound).
    pub async fn check_store(&self) -> Result<String, CoreError> {
        let (store, _) = self.store().await?;
        store.integrity_check().await
    }

    /// The directory of the account in use's files, if a data directory is configured.
    pub fn data_dir_of_current(&self) -> Option<PathBuf> {
        let signed_in = self.signed_in()?;
        self.account_dir(&signed_in.account.id)
    }
}

/// Percent-encodes a cursor for the query string (it may hold any characters).
fn encode(cursor: &str) -> String {
    url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect()
}

/// The file name of the database in an account's directory.
pub const DATABASE_FILE: &str = store::DB_FILE;
