//! The line around every signed-in page: connection, freshness and the first sync's
//! progress, from the core's sync overview, sent to the UI whenever it changes.

use crate::shell::Shell;
use portal_core::{ChangeNotice, PortalClient, SyncStatus};
use portal_model::desktop::{SYNC_EVENT, SyncBar};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

/// The sync line now.
pub fn sync_bar(client: &PortalClient) -> SyncBar {
    let overview = client.sync().status();
    SyncBar {
        offline: matches!(overview.status, Some(SyncStatus::Offline { .. })),
        syncing: matches!(overview.status, Some(SyncStatus::Syncing { .. })),
        updated_at: overview.last_success,
        first_sync: overview.first_sync.map(|f| f.changes),
    }
}

/// Sends the sync line to the UI whenever the core's sync status moves, for the life
/// of the app.
pub fn forward_sync(app: AppHandle) {
    let Ok(client) = app.state::<Shell>().client() else {
        return;
    };
    let mut notices = client.changes();
    let replaced = app.state::<Shell>().client_replaced();
    tauri::async_runtime::spawn(async move {
        tokio::pin!(replaced);
        loop {
            let notice = tokio::select! {
                () = &mut replaced => return,
                notice = notices.recv() => notice,
            };
            match notice {
                Ok(ChangeNotice::Sync(_) | ChangeNotice::Session(_))
                | Err(RecvError::Lagged(_)) => {
                    if let Err(error) = app.emit(SYNC_EVENT, sync_bar(&client)) {
                        tracing::warn!(%error, "could not send the sync line");
                    }
                }
                Ok(_) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}
