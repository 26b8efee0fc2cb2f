//! [`PortalClient`]: the entry point hosts make, one per server. It builds the shared
//! session and hands out the parts apps call; it holds no rule of its own.

use crate::auth::Auth;
use crate::clock::{Clock, SystemClock};
use crate::config::ClientConfig;
use crate::documents::Documents;
use crate::error::CoreError;
use crate::flow::{Flow, Machine};
use crate::idle_lock::IdleLock;
use crate::links::{DeepLink, LinkError};
use crate::notices::ChangeNotice;
use crate::outbox::Outbox;
use crate::records::Records;
use crate::secrets::SecretStore;
use crate::session::Context;
use crate::sync::Sync;
use crate::watch::Watch;
use std::path::PathBuf;
use std::sync::Arc;

/// The client engine for one portal server.
pub struct PortalClient {
    ctx: Arc<Context>,
    /// The one onboarding flow of this client.
    flow: Arc<Machine>,
}

impl PortalClient {
    /// A client for the server in `config`, keeping secrets in `secrets`.
    pub fn new(config: ClientConfig, secrets: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
        Self::with_clock(config, secrets, Arc::new(SystemClock))
    }

    /// Like [`PortalClient::new`], reading the time from `clock`.
    pub fn with_clock(
        config: ClientConfig,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CoreError> {
        let ctx = Arc::new(Context::new(config, secrets, clock)?);
        ctx.install_background_sync(crate::sync::background_loop);
        Ok(Self {
            ctx,
            flow: Arc::new(Machine::new()),
        })
    }

    /// The configuration this client was made with.
    pub fn config(&self) -> &ClientConfig {
        &self.ctx.config
    }

    /// Parses an invite, reset or join link for this server. Changes nothing.
    pub fn parse_link(&self, input: &str) -> Result<DeepLink, LinkError> {
        self.ctx.config.parse_link(input)
    }

    /// A live query of the host's own, for a screen that combines several reads (a
    /// conversation with where each of its messages is on its way): `query` runs now
    /// and again whenever `touches` accepts a change notice (and whenever everything may
    /// have changed); the [`Watch`] yields each different result and ends when the
    /// account's database closes, like the records' own watches.
    pub async fn watch<T, F, Fut>(
        &self,
        touches: impl Fn(&ChangeNotice) -> bool + Send + 'static,
        query: F,
    ) -> Result<Watch<T>, CoreError>
    where
        T: Clone + PartialEq + Send + std::marker::Sync + 'static,
        F: Fn() -> Fut + Send + std::marker::Sync + 'static,
        Fut: std::future::Future<Output = Result<T, CoreError>> + Send,
    {
        crate::watch::start(&self.ctx, touches, query).await
    }

    /// The onboarding flow: the one place that decides what comes next when a link is
    /// opened, a password chosen, or the app started (apps draw its `FlowState`).
    pub fn flow(&self) -> Flow {
        Flow::new(self.ctx.clone(), self.flow.clone())
    }

    /// Sessions, accounts and profiles; invites, join links and password resets.
    pub fn auth(&self) -> Auth {
        Auth::new(self.ctx.clone())
    }

    /// The idle lock: its state, use, lock now, unlock.
    pub fn idle_lock(&self) -> IdleLock {
        IdleLock::new(self.ctx.clone())
    }

    /// Pulls and the background sync.
    pub fn sync(&self) -> Sync {
        Sync::new(self.ctx.clone())
    }

    /// The writes, and the outbox that holds them until the server has them.
    pub fn outbox(&self) -> Outbox {
        Outbox::new(self.ctx.clone())
    }

    /// Document downloads, pins, exports and uploads.
    pub fn documents(&self) -> Documents {
        Documents::new(self.ctx.clone())
    }

    /// Reads of the offline copy.
    pub fn records(&self) -> Records {
        Records::new(self.ctx.clone())
    }

    /// Change notifications from now on: records by kind and id, outbox states, and
    /// the sync status. A receiver that falls behind gets `Lagged`: reload everything.
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<ChangeNotice> {
        self.ctx.subscribe()
    }

    /// The directory of the account in use's files, if a data directory is configured.
    pub fn data_dir_of_current(&self) -> Option<PathBuf> {
        let signed_in = self.ctx.signed_in()?;
        self.ctx.account_dir(&signed_in.account.id)
    }
}

impl Drop for PortalClient {
    /// The background sync stops with its client, and so does the check of a restored
    /// session (after the request in flight, if any, has its answer).
    fn drop(&mut self) {
        self.ctx.end_session_check();
        self.ctx.stop_background_sync();
    }
}
