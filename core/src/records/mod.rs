//! Reading the account's offline copy, as apps use it: `client.records()`. Every read
//! is served from the local database and never waits for the network. The typed
//! queries (`typed`) answer `portal_model::records` types per profile, paged, once or
//! live (`watch`); the raw reads below hand out records as stored, for tools and the
//! bindings' generic access.

mod snippet;
mod typed;

pub use crate::watch::Watch;
pub use portal_model::views::{
    DocumentItem, FormItem, Home, Money, SearchHit, ThreadItem, TypedPage, When,
};

use crate::error::CoreError;
use crate::session::Context;
use crate::store::read::{ListQuery, Owner};
use crate::store::{ListOrder, Page, StoredRecord, Summary};
use std::sync::Arc;

/// The local reads of one client, per profile.
#[derive(Clone)]
pub struct Records {
    ctx: Arc<Context>,
}

impl Records {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
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
        let (store, _) = self.ctx.store().await?;
        let owner = Owner::Profile(profile_id.to_owned());
        store
            .list(ListQuery::new(kind, owner, order, limit, after))
            .await
    }

    /// Upcoming appointments (from now, earliest first) or past ones (latest first), as
    /// stored (the typed [`Records::appointments`] reads them as `Appointment`).
    pub async fn raw_appointments(
        &self,
        profile_id: &str,
        upcoming: bool,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let order = if upcoming {
            ListOrder::OldestFirst
        } else {
            ListOrder::NewestFirst
        };
        let owner = Owner::Profile(profile_id.to_owned());
        let mut query = ListQuery::new("appointment", owner, order, limit, after);
        query.from_ms = Some(self.ctx.now().timestamp_millis());
        store.list(query).await
    }

    /// A thread's messages, oldest first, as stored (typed: [`Records::thread_messages`]).
    pub async fn raw_messages(
        &self,
        thread_id: &str,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let owner = Owner::Parent(thread_id.to_owned());
        store
            .list(ListQuery::new(
                "message",
                owner,
                ListOrder::OldestFirst,
                limit,
                after,
            ))
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
        let (store, _) = self.ctx.store().await?;
        store.search(profile_id, query, limit).await
    }

    /// One record from the local database.
    pub async fn record(&self, kind: &str, id: &str) -> Result<Option<StoredRecord>, CoreError> {
        let (store, _) = self.ctx.store().await?;
        store.get(kind, id).await
    }

    /// Unread messages, the next appointment and the balance due for a profile.
    pub async fn summary(&self, profile_id: &str) -> Result<Summary, CoreError> {
        let (store, _) = self.ctx.store().await?;
        store
            .summary(profile_id, self.ctx.now().timestamp_millis())
            .await
    }

    /// The soundness of the account's files: `PRAGMA integrity_check` of the database,
    /// then of the search file and FTS5's check of its index. "ok" when all are sound,
    /// otherwise what was found wrong, naming the file.
    pub async fn check_store(&self) -> Result<String, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let records = store.integrity_check().await?;
        if records != "ok" {
            return Ok(format!("portal.db: {records}"));
        }
        let search = store.search_integrity_check().await?;
        if search != "ok" {
            return Ok(format!("search.db: {search}"));
        }
        Ok("ok".to_owned())
    }
}
