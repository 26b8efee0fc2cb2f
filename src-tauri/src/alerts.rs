//! Desktop notifications. A new message from the care team, while the window is not
//! focused, raises one through the system's notification service (notify-rust: the
//! freedesktop service on Linux). By default it carries no health information ("New
//! message from your care team"); the settings can add the sender's name. Clicking it
//! brings the window up on the conversation. While the app is locked the core keeps
//! the event stream and says only that something arrived (`NewActivity`), and so does
//! the notification.

use crate::shell::Shell;
use crate::words;
use chrono::{DateTime, Utc};
use portal_core::{ChangeNotice, PortalClient};
use portal_model::desktop::OPEN_THREAD_EVENT;
use portal_model::records::{Message, Provider};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

/// Messages sent this long before the app started still count as new (the server's
/// clock and this computer's may differ a little); older ones arrive with the first
/// sync and raise nothing.
const CLOCK_SLACK_SECS: i64 = 120;

/// Watches the client's notices for the life of the app.
pub fn watch(app: AppHandle) {
    let Ok(client) = app.state::<Shell>().client() else {
        return;
    };
    let mut notices = client.changes();
    let data_dir = app.state::<Shell>().data_dir.clone();
    let started = Utc::now() - chrono::Duration::seconds(CLOCK_SLACK_SECS);
    let replaced = app.state::<Shell>().client_replaced();
    tauri::async_runtime::spawn(async move {
        tokio::pin!(replaced);
        let mut raised = std::collections::HashSet::new();
        loop {
            let notice = tokio::select! {
                () = &mut replaced => return,
                notice = notices.recv() => notice,
            };
            match notice {
                Ok(ChangeNotice::Records { kind, ids }) if kind == "message" => {
                    tracing::debug!(count = ids.len(), "messages changed");
                    for id in ids {
                        if !raised.contains(&id)
                            && let Some(alert) =
                                new_message(&client, data_dir.as_deref(), &id, started).await
                        {
                            raised.insert(id);
                            raise(&app, alert);
                        }
                    }
                }
                Ok(ChangeNotice::NewActivity) => raise(
                    &app,
                    Alert {
                        title: words::text("alert-activity", &[]),
                        body: words::text("alert-activity-body", &[]),
                        thread_id: None,
                    },
                ),
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}

/// What a notification says, and the conversation it opens.
struct Alert {
    title: String,
    body: String,
    thread_id: Option<String>,
}

/// The alert for message `id`, when it is a new one from the care team: in one of the
/// signed-in account's profiles, unread, and sent since the app started.
async fn new_message(
    client: &Arc<PortalClient>,
    data_dir: Option<&std::path::Path>,
    id: &str,
    started: DateTime<Utc>,
) -> Option<Alert> {
    let signed_in = client.auth().signed_in()?;
    let records = client.records();
    for profile in &signed_in.profiles {
        let Ok(Some(message)) = records.get::<Message>(&profile.patient_id, id).await else {
            continue;
        };
        if !message.is_unread() || message.sent_at < started {
            return None;
        }
        let sender = if crate::settings::load(data_dir).notify_sender {
            records
                .get::<Provider>(&profile.patient_id, &message.sender.id)
                .await
                .ok()
                .flatten()
                .map(|provider| provider.name)
        } else {
            None
        };
        let title = match sender {
            Some(name) => words::text("alert-new-message-from", &[("name", name.into())]),
            None => words::text("alert-new-message", &[]),
        };
        return Some(Alert {
            title,
            body: words::text("alert-new-message-body", &[]),
            thread_id: Some(message.thread_id),
        });
    }
    None
}

/// Shows `alert` unless the window has the focus (the person is looking at the app),
/// and brings the window up on its conversation when it is clicked.
fn raise(app: &AppHandle, alert: Alert) {
    let window = app.get_webview_window("main");
    if window
        .as_ref()
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false)
    {
        tracing::debug!("the window has the focus: no notification");
        return;
    }
    tracing::debug!("raising a notification");
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shown = notify_rust::Notification::new()
            .appname("Patient Portal")
            .summary(&alert.title)
            .body(&alert.body)
            .action("default", &words::text("alert-open", &[]))
            .show_async()
            .await;
        let handle = match shown {
            Ok(handle) => handle,
            Err(error) => {
                tracing::warn!(%error, "the system did not show a notification");
                return;
            }
        };
        let mut clicked = false;
        handle
            .wait_for_action_async(|response| {
                clicked = matches!(response, notify_rust::NotificationResponse::Default);
            })
            .await;
        if !clicked {
            return;
        }
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
        if let Some(thread_id) = alert.thread_id
            && let Err(error) = app.emit(OPEN_THREAD_EVENT, thread_id)
        {
            tracing::warn!(%error, "could not ask the UI to open the conversation");
        }
    });
}
