//! A stand-in for the desktop's notification service (`org.freedesktop.Notifications`
//! on the session bus), started by a test: it records each `Notify` call and can click
//! a notification (the `ActionInvoked` signal with the `default` action), as a person
//! would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support: fail loudly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

const PATH: &str = "/org/freedesktop/Notifications";

/// One notification the app asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notified {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
}

struct Service {
    shown: Arc<Mutex<Vec<Notified>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Service {
    #[allow(clippy::too_many_arguments)] // The freedesktop method, as specified.
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().unwrap();
        let id = shown.len() as u32 + 1;
        shown.push(Notified {
            id,
            app_name,
            summary,
            body,
            actions,
        });
        id
    }

    fn close_notification(&self, _id: u32) {}

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".to_owned(), "body".to_owned()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "portal-test".to_owned(),
            "patient-portal".to_owned(),
            "1".to_owned(),
            "1.2".to_owned(),
        )
    }

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

/// The stand-in, serving on the session bus until dropped.
pub struct NotificationService {
    connection: zbus::Connection,
    shown: Arc<Mutex<Vec<Notified>>>,
}

impl NotificationService {
    /// Takes the name `org.freedesktop.Notifications` on the session bus (fails when
    /// another service holds it).
    pub async fn start() -> Self {
        let shown = Arc::new(Mutex::new(Vec::new()));
        let connection = zbus::connection::Builder::session()
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at(
                PATH,
                Service {
                    shown: Arc::clone(&shown),
                },
            )
            .unwrap()
            .build()
            .await
            .unwrap_or_else(|e| panic!("the notification service stand-in did not start: {e}"));
        Self { connection, shown }
    }

    /// Every notification shown so far, oldest first.
    pub fn shown(&self) -> Vec<Notified> {
        self.shown.lock().unwrap().clone()
    }

    /// Clicks notification `id` (its `default` action).
    pub async fn click(&self, id: u32) {
        let service = self
            .connection
            .object_server()
            .interface::<_, Service>(PATH)
            .await
            .unwrap();
        Service::action_invoked(service.signal_emitter(), id, "default")
            .await
            .unwrap();
    }
}
