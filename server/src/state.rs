//! What every request handler shares.

use crate::clock::Clock;
use crate::config::ServerConfig;
use crate::db::Db;
use crate::mail::Outbox;
use std::sync::Arc;

/// Shared state of a running server.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub outbox: Outbox,
    pub config: Arc<ServerConfig>,
}
