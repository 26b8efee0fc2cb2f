//! The shell between the UI and the core's onboarding flow: it maps the flow's
//! [`FlowState`] to the [`Screen`] the UI draws (with words, `notices`), passes on what
//! the person typed, and forwards every change of the flow to the UI as an event. It
//! holds no rule: what comes next is the core's `flow` to decide.

use crate::config::DesktopConfig;
use crate::notices;
use crate::pages::OpenViews;
use portal_core::{
    ClientConfig, ClientOptions, CoreError, Flow, FlowState, KeyringStore, PortalClient,
};
use portal_model::JoinRequest;
use portal_model::desktop::{Notice, SCREEN_EVENT, Screen};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager};

/// The code of the notice a shell without a practice holds: the first run asks for one.
const NO_SERVER: &str = "no_server";

/// The app-wide shell state (managed by Tauri).
pub struct Shell {
    /// The core client, or why there is none; set once more when the first run chooses
    /// the practice.
    client: std::sync::RwLock<Result<Arc<PortalClient>, Notice>>,
    config: DesktopConfig,
    /// A link opened before a practice was chosen: it opens once one is.
    pending_link: std::sync::Mutex<Option<String>>,
    /// The live views the signed-in pages have open.
    pub views: OpenViews,
    /// Where the offline copies (and the documents opened from them) live.
    pub data_dir: Option<std::path::PathBuf>,
    /// Moves on whenever the client is dropped for another practice's: the tasks that
    /// follow a client's changes end then (`client_replaced`).
    replaced: tokio::sync::watch::Sender<u64>,
}

impl Shell {
    /// A shell for the configured server. A bad configuration is kept as a notice that
    /// the welcome screen shows, rather than a crash.
    pub fn new(config: DesktopConfig) -> Self {
        let client = match &config.server_url {
            Some(url) => client_for(&config, url).map_err(|e| notices::from_error(&e)),
            None => Err(Notice {
                code: NO_SERVER.to_owned(),
                title: String::new(),
                detail: String::new(),
            }),
        };
        // Copies opened in the last run are not kept beyond it.
        crate::files::clear_opened(config.data_dir.as_deref());
        Self {
            client: std::sync::RwLock::new(client),
            pending_link: std::sync::Mutex::new(None),
            views: OpenViews::default(),
            data_dir: config.data_dir.clone(),
            config,
            replaced: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Resolves once the client in use now is dropped for another practice's; a task
    /// that follows the client's changes stops on it, so that the old client ends.
    pub fn client_replaced(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut replaced = self.replaced.subscribe();
        async move {
            // An error means the shell itself is gone: stop as well.
            let _ = replaced.changed().await;
        }
    }

    /// Whether the practice's address is set for this computer (`PORTAL_SERVER_URL`).
    pub fn practice_fixed(&self) -> bool {
        self.config.server_fixed
    }

    /// The settings' "use another practice": signs out of every account on this
    /// computer (what it keeps of them goes with them), forgets the practice's address
    /// and asks for the new one, as the first run does. Refused while
    /// `PORTAL_SERVER_URL` sets the address.
    pub async fn change_practice(&self) -> Result<Screen, Notice> {
        if self.config.server_fixed {
            return Err(notices::practice_fixed());
        }
        if self.client().is_ok() {
            let screen = self.sign_out_all().await;
            if matches!(screen, Screen::SignedIn { .. } | Screen::Locked { .. }) {
                // An account is still here (its sign-out failed): nothing else changes.
                return Ok(screen);
            }
        }
        if let Some(dir) = self.data_dir.as_deref() {
            crate::settings::update(dir, |s| s.server_url = None).map_err(|error| {
                tracing::warn!(%error, "the practice's address was not forgotten");
                notices::settings_not_saved()
            })?;
        }
        let none = Err(Notice {
            code: NO_SERVER.to_owned(),
            title: String::new(),
            detail: String::new(),
        });
        match self.client.write() {
            Ok(mut slot) => *slot = none,
            Err(poisoned) => *poisoned.into_inner() = none,
        }
        self.replaced.send_modify(|generation| *generation += 1);
        tracing::info!("the practice's address was forgotten; asking for another");
        Ok(self.screen())
    }

    /// The core client, or the notice saying why there is none.
    pub fn client(&self) -> Result<Arc<PortalClient>, Notice> {
        match self.client.read() {
            Ok(client) => client.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn flow(&self) -> Result<Flow, Notice> {
        self.client().map(|c| c.flow())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.pending_link
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The screen when there is no client: the first run's question, or the welcome
    /// screen saying why.
    fn without_client(&self, notice: Notice) -> Screen {
        if notice.code == NO_SERVER {
            Screen::ChooseServer {
                suggested: self.pending().as_deref().and_then(origin_of),
                notice: None,
            }
        } else {
            Screen::Welcome {
                notice: Some(notice),
            }
        }
    }

    /// The first run's answer: the practice's portal at `address` (an `https://`
    /// address, or `http://` on this machine; `https://` is assumed when none is
    /// given). It must answer as a portal; then it is kept in the settings, the app
    /// starts with it, and a link opened meanwhile opens.
    pub async fn choose_server(&self, app: &AppHandle, address: &str) -> Screen {
        if self.client().is_ok() {
            return self.screen();
        }
        let address = normalized_address(address);
        let refused = |notice: Notice| Screen::ChooseServer {
            suggested: Some(address.clone()),
            notice: Some(notice),
        };
        let client = match client_for(&self.config, &address) {
            Ok(client) => client,
            Err(_) => return refused(notices::bad_address()),
        };
        // A practice's portal answers its password rules; a typo or a web site does not.
        if let Err(error) = client.auth().password_policy().await {
            return refused(notices::no_portal_at(&error));
        }
        if let Some(dir) = self.data_dir.as_deref()
            && let Err(error) =
                crate::settings::update(dir, |s| s.server_url = Some(address.clone()))
        {
            tracing::warn!(%error, "the practice's address was not saved");
            return refused(notices::settings_not_saved());
        }
        match self.client.write() {
            Ok(mut slot) => *slot = Ok(client),
            Err(poisoned) => *poisoned.into_inner() = Ok(client),
        }
        forward_screens(app.clone());
        crate::status::forward_sync(app.clone());
        crate::alerts::watch(app.clone());
        let pending = self.pending().take();
        match pending {
            Some(link) => self.open_link(&link).await,
            None => self.step(|f| async move { f.start().await }).await,
        }
    }

    /// Runs `step` on the flow and maps the state it leads to; without a client, the
    /// welcome screen says why.
    async fn step<F, Fut>(&self, step: F) -> Screen
    where
        F: FnOnce(Flow) -> Fut,
        Fut: std::future::Future<Output = FlowState>,
    {
        match self.flow() {
            Ok(flow) => screen_of(step(flow).await),
            Err(notice) => self.without_client(notice),
        }
    }

    /// Runs a step that needs no answer from anywhere, and maps where it leads.
    fn step_now(&self, step: impl FnOnce(Flow) -> FlowState) -> Screen {
        match self.flow() {
            Ok(flow) => screen_of(step(flow)),
            Err(notice) => self.without_client(notice),
        }
    }

    /// The screen now.
    pub fn screen(&self) -> Screen {
        match self.flow() {
            Ok(flow) => screen_of(flow.state()),
            Err(notice) => self.without_client(notice),
        }
    }

    pub async fn open_link(&self, input: &str) -> Screen {
        if self.client().is_err_and(|notice| notice.code == NO_SERVER) {
            // Kept until the practice is chosen (its address offered, when it has one).
            *self.pending() = Some(input.trim().to_owned());
        }
        self.step(|f| async move { f.open_link(input).await }).await
    }

    pub async fn accept_invite(&self, password: &str) -> Screen {
        self.step(|f| async move { f.submit_password(password).await })
            .await
    }

    pub async fn complete_reset(&self, password: &str) -> Screen {
        self.step(|f| async move { f.submit_password(password).await })
            .await
    }

    pub async fn renew_invite(&self) -> Screen {
        self.step(|f| async move { f.renew_invite().await }).await
    }

    pub async fn submit_join(&self, details: &JoinRequest) -> Screen {
        self.step(|f| async move { f.submit_join(details).await })
            .await
    }

    pub fn start_over(&self) -> Screen {
        self.step_now(|f| f.start_over())
    }

    pub fn show_forgot_password(&self) -> Screen {
        self.step_now(|f| f.show_forgot_password())
    }

    pub async fn request_reset(&self, email: &str) -> Screen {
        self.step(|f| async move { f.request_reset(email).await })
            .await
    }

    pub fn show_sign_in(&self) -> Screen {
        self.step_now(|f| f.show_sign_in())
    }

    pub fn add_account(&self) -> Screen {
        self.step_now(|f| f.add_account())
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Screen {
        self.step(|f| async move { f.sign_in(email, password).await })
            .await
    }

    pub async fn sign_out(&self) -> Screen {
        let screen = self.step(|f| async move { f.sign_out().await }).await;
        crate::files::clear_opened(self.data_dir.as_deref());
        screen
    }

    /// Signs out of the account in use, and of each account that takes its place, until
    /// none is left on this computer (bounded by how many there were).
    pub async fn sign_out_all(&self) -> Screen {
        let accounts = match self.client() {
            Ok(client) => client.auth().accounts().await.map_or(1, |a| a.len()),
            Err(notice) => return self.without_client(notice),
        };
        let mut screen = self.sign_out().await;
        for _ in 1..accounts.max(1) {
            if !matches!(screen, Screen::SignedIn { .. } | Screen::Locked { .. }) {
                break;
            }
            screen = self.sign_out().await;
        }
        screen
    }

    pub async fn unlock(&self, password: &str) -> Screen {
        self.step(|f| async move { f.unlock(password).await }).await
    }

    pub fn lock_now(&self) -> Screen {
        self.step_now(|f| f.lock_now())
    }

    pub async fn touch(&self) {
        if let Ok(flow) = self.flow() {
            flow.touch().await;
        }
    }

    pub async fn select_profile(&self, patient_id: &str) -> Screen {
        self.step(|f| async move { f.select_profile(patient_id).await })
            .await
    }

    pub async fn switch_account(&self, account_id: &str) -> Screen {
        self.step(|f| async move { f.switch_account(account_id).await })
            .await
    }
}

/// The screen for a state of the flow.
pub fn screen_of(state: FlowState) -> Screen {
    let words = |notice: Option<portal_core::FlowNotice>| notice.map(|n| notices::from_flow(&n));
    match state {
        FlowState::Welcome { notice } => Screen::Welcome {
            notice: words(notice),
        },
        FlowState::Restoring => Screen::Restoring,
        FlowState::Checking => Screen::CheckingInvite,
        FlowState::ChoosePassword {
            invite,
            hint_on_device,
            notice,
        } => Screen::ChoosePassword {
            invite,
            hint_on_device,
            notice: words(notice),
        },
        FlowState::InviteUnusable { problem } => Screen::InviteUnusable { problem },
        FlowState::InviteRenewed { provider_notified } => {
            Screen::InviteRenewed { provider_notified }
        }
        FlowState::ResetPassword { email_hint, notice } => Screen::ResetPassword {
            email_hint,
            notice: words(notice),
        },
        FlowState::ForgotPassword { notice } => Screen::ForgotPassword {
            notice: words(notice),
        },
        FlowState::Join { info, notice } => Screen::Join {
            info,
            notice: words(notice),
        },
        FlowState::SignIn {
            notice,
            email,
            claim_for,
        } => Screen::SignIn {
            notice: words(notice),
            email,
            claim_for,
        },
        FlowState::SignedIn {
            signed_in,
            other_accounts,
            offline,
            notice,
        } => Screen::SignedIn {
            account: signed_in.account,
            profiles: signed_in.profiles,
            current_profile_id: signed_in.current_profile_id,
            other_accounts,
            offline,
            notice: words(notice),
        },
        FlowState::Locked { email, notice } => Screen::Locked {
            email,
            notice: words(notice),
        },
    }
}

/// A core client for the practice at `server_url`.
fn client_for(config: &DesktopConfig, server_url: &str) -> Result<Arc<PortalClient>, CoreError> {
    let client_config = ClientConfig::from_options(options_of(config, server_url)?)?;
    let client = PortalClient::new(
        client_config,
        Arc::new(KeyringStore::new(&config.keychain_service)),
    )?;
    // The idle-lock time chosen in the settings comes before the environment's.
    if let Some(seconds) = crate::settings::load(config.data_dir.as_deref()).idle_lock_seconds
        && let Err(error) = client
            .config()
            .set_idle_timeout(std::time::Duration::from_secs(seconds))
    {
        tracing::warn!(%error, "the idle-lock setting is out of range: the default applies");
    }
    Ok(Arc::new(client))
}

/// The address typed, trimmed, `https://` when it names no scheme, without a trailing
/// slash.
fn normalized_address(typed: &str) -> String {
    let typed = typed.trim().trim_end_matches('/');
    if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("https://{typed}")
    }
}

/// The portal address a link comes from (`https://host[:port]`, or `http://` on this
/// machine), which the first run offers; none for the app's own scheme, which names no
/// host.
fn origin_of(link: &str) -> Option<String> {
    let url = url::Url::parse(link.trim()).ok()?;
    let secure = url.scheme() == "https";
    let local = url.scheme() == "http"
        && url
            .host_str()
            .is_some_and(portal_core::links::is_loopback_host);
    (secure || local).then(|| url.origin().ascii_serialization())
}

/// The core's options from the desktop's configuration (its file and environment).
fn options_of(config: &DesktopConfig, server_url: &str) -> Result<ClientOptions, CoreError> {
    let mut options = ClientOptions::new(server_url);
    options.extra_link_origins.clone_from(&config.link_origins);
    options.scheme.clone_from(&config.scheme);
    // With a data directory the core keeps each account's offline copy and syncs it
    // from sign-in to sign-out by itself.
    options.data_dir.clone_from(&config.data_dir);
    options.device_name = Some(format!("Patient Portal desktop ({})", std::env::consts::OS));
    if let Some(path) = &config.extra_roots_file {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| CoreError::Config(format!("cannot read {path}: {e}")))?;
        options.extra_roots_pem = Some(pem);
    }
    if let Some(text) = &config.idle_timeout_secs {
        let secs = text.trim().parse::<u64>().map_err(|_| {
            CoreError::Config(format!(
                "PORTAL_IDLE_TIMEOUT_SECS must be a number of seconds, not '{text}'"
            ))
        })?;
        options.idle_timeout = Some(std::time::Duration::from_secs(secs));
    }
    Ok(options)
}

/// Forwards every state of the flow to the UI as a screen event, for the life of the
/// app (the UI asks `app_status` after subscribing, so nothing falls in between).
pub fn forward_screens(app: AppHandle) {
    let Ok(flow) = app.state::<Shell>().flow() else {
        return;
    };
    let mut changes = flow.subscribe();
    let replaced = app.state::<Shell>().client_replaced();
    tauri::async_runtime::spawn(async move {
        tokio::pin!(replaced);
        loop {
            tokio::select! {
                () = &mut replaced => return,
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
            let screen = screen_of(changes.borrow_and_update().clone());
            if let Err(error) = app.emit(SCREEN_EVENT, &screen) {
                tracing::warn!(%error, "could not tell the UI about a new screen");
            }
        }
    });
}

/// Checks the idle lock every few seconds for the life of the app, so the lock screen
/// appears on time even when nobody touches the app.
pub fn watch_idle_lock(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            if let Ok(flow) = app.state::<Shell>().flow() {
                flow.check_lock();
            }
        }
    });
}

/// Start-up: the flow looks for a session kept on this device, without blocking the
/// caller; a link opened meanwhile wins (the flow drops the late answer).
pub fn restore_in_background(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        shell.step(|f| async move { f.start().await }).await;
    });
}

/// Opens `link` without blocking the caller (plugin callbacks, start-up).
pub fn open_link_in_background(app: AppHandle, link: String) {
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        shell.open_link(&link).await;
    });
}

#[cfg(test)]
mod tests {
    use super::{normalized_address, origin_of};

    #[test]
    fn a_typed_address_gets_https_and_loses_its_trailing_slash() {
        assert_eq!(
            normalized_address(" portal.example-practice.org/ "),
            "https://portal.example-practice.org"
        );
        assert_eq!(
            normalized_address("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn an_invite_link_offers_its_portal_and_the_apps_own_scheme_none() {
        assert_eq!(
            origin_of("https://portal.example.org/invite/abc").as_deref(),
            Some("https://portal.example.org")
        );
        assert_eq!(
            origin_of("https://portal.example.org:8443/invite/abc").as_deref(),
            Some("https://portal.example.org:8443")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:9000/invite/abc").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(origin_of("http://portal.example.org/invite/abc"), None);
        assert_eq!(origin_of("patientportal://invite/abc"), None);
        assert_eq!(origin_of("not a link"), None);
    }
}
