//! The shell's screen state machine. The UI draws [`Screen`]; links, commands and core
//! results move it; every change is emitted to the UI.

use crate::config::DesktopConfig;
use crate::notices;
use portal_core::{
    ClientConfig, CoreError, InviteState, KeyringStore, LinkKind, LockState, PortalClient,
    RenewOutcome, ResetState, Restored,
};
use portal_model::desktop::{Notice, SCREEN_EVENT, Screen};
use portal_model::{ErrorCode, InviteProblem};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tauri::{AppHandle, Emitter, Manager};

/// What the shell remembers between commands.
struct State {
    screen: Screen,
    /// The token of the invite on screen; never sent to the UI.
    invite_token: Option<String>,
    /// Bumped by every new link, so a slow answer for an older link is dropped.
    generation: u64,
}

/// The app-wide shell state (managed by Tauri).
pub struct Shell {
    client: Result<Arc<PortalClient>, Notice>,
    state: Mutex<State>,
}

impl Shell {
    /// A shell for the configured server. A bad configuration is kept as a notice that
    /// the welcome screen shows, rather than a crash.
    pub fn new(config: DesktopConfig) -> Self {
        let origins: Vec<&str> = config.link_origins.iter().map(String::as_str).collect();
        let client = ClientConfig::new(&config.server_url, &origins, &config.scheme)
            .and_then(|client_config| match &config.extra_roots_file {
                None => Ok(client_config),
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| CoreError::Config(format!("cannot read {path}: {e}")))
                    .and_then(|pem| client_config.with_extra_roots_pem(&pem)),
            })
            .and_then(|client_config| match &config.idle_timeout_secs {
                None => Ok(client_config),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| {
                        CoreError::Config(format!(
                            "PORTAL_IDLE_TIMEOUT_SECS must be a number of seconds, not '{text}'"
                        ))
                    })
                    .and_then(|secs| {
                        client_config.with_idle_timeout(std::time::Duration::from_secs(secs))
                    }),
            })
            .and_then(|client_config| {
                PortalClient::new(
                    client_config,
                    Arc::new(KeyringStore::new(&config.keychain_service)),
                )
            })
            .map(Arc::new)
            .map_err(|e| notices::from_error(&e));
        // With a client, start-up first looks for a session kept on this device.
        let screen = match &client {
            Ok(_) => Screen::Restoring,
            Err(notice) => Screen::Welcome {
                notice: Some(notice.clone()),
            },
        };
        Self {
            client,
            state: Mutex::new(State {
                screen,
                invite_token: None,
                generation: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The screen now.
    pub fn screen(&self) -> Screen {
        self.lock().screen.clone()
    }

    /// The core client, or the notice saying why there is none.
    pub fn client(&self) -> Result<Arc<PortalClient>, Notice> {
        self.client.clone()
    }

    fn show(&self, app: &AppHandle, screen: Screen) -> Screen {
        self.lock().screen = screen.clone();
        if let Err(error) = app.emit(SCREEN_EVENT, &screen) {
            tracing::warn!(%error, "could not tell the UI about a new screen");
        }
        screen
    }

    /// Starts a new piece of work: answers for older work are dropped from now on.
    fn next_generation(&self, token: Option<String>) -> u64 {
        let mut state = self.lock();
        state.generation += 1;
        state.invite_token = token;
        state.generation
    }

    /// True when nothing newer started since `generation`.
    fn is_current(&self, generation: u64) -> bool {
        self.lock().generation == generation
    }

    fn welcome_with(&self, app: &AppHandle, notice: Notice) -> Screen {
        self.show(
            app,
            Screen::Welcome {
                notice: Some(notice),
            },
        )
    }

    /// Back to the welcome screen, forgetting any invite.
    pub fn start_over(&self, app: &AppHandle) -> Screen {
        self.next_generation(None);
        self.show(app, Screen::Welcome { notice: None })
    }

    /// Opens a link: parses it, and for an invite looks it up. Changes nothing on the
    /// server; the person confirms on the next screen.
    pub async fn open_link(&self, app: &AppHandle, input: &str) -> Screen {
        // Every link, even a refused one, supersedes whatever was in flight.
        let generation = self.next_generation(None);
        let client = match self.client() {
            Ok(client) => client,
            Err(notice) => {
                return self.welcome_with(app, notice);
            }
        };
        let link = match client.parse_link(input) {
            Ok(link) => link,
            Err(error) => {
                tracing::info!(reason = %error, "refused a link");
                return self.welcome_with(app, notices::invalid_link(&error));
            }
        };
        if link.kind == LinkKind::Reset {
            return self.open_reset(app, &client, link.token, generation).await;
        }
        if link.kind == LinkKind::Join {
            let notice = Notice {
                code: "unsupported_link".to_owned(),
                title: "This link opens in your web browser".to_owned(),
                detail: "Sign-up links are completed on your practice's web page: open the link in your web browser, then come back here when the email with your invitation arrives.".to_owned(),
            };
            return self.welcome_with(app, notice);
        }
        self.lock().invite_token = Some(link.token.clone());
        self.show(app, Screen::CheckingInvite);
        let result = client.auth().inspect_invite(&link.token).await;
        if !self.is_current(generation) {
            // A newer link arrived meanwhile; its answer decides the screen.
            return self.screen();
        }
        let next = match result {
            Ok(InviteState::Valid(invite)) => Screen::ChoosePassword {
                invite,
                notice: None,
            },
            Ok(InviteState::Unusable(problem)) => Screen::InviteUnusable { problem },
            Err(error) => Screen::Welcome {
                notice: Some(notices::from_error(&error)),
            },
        };
        self.show(app, next)
    }

    async fn open_reset(
        &self,
        app: &AppHandle,
        client: &PortalClient,
        token: String,
        generation: u64,
    ) -> Screen {
        self.lock().invite_token = Some(token.clone());
        self.show(app, Screen::CheckingInvite);
        let result = client.auth().inspect_reset(&token).await;
        if !self.is_current(generation) {
            return self.screen();
        }
        let problem = |title: &str, detail: &str| Notice {
            code: "reset_unusable".to_owned(),
            title: title.to_owned(),
            detail: detail.to_owned(),
        };
        let next = match result {
            Ok(ResetState::Valid { email_hint }) => Screen::ResetPassword {
                email_hint,
                notice: None,
            },
            Ok(ResetState::Expired) => Screen::ForgotPassword {
                notice: Some(problem(
                    "This reset link has expired",
                    "Reset links work for one hour. Ask for a new one below.",
                )),
            },
            Ok(ResetState::Used) => Screen::SignIn {
                notice: Some(problem(
                    "This reset link was already used",
                    "Sign in with your new password, or ask for another link.",
                )),
                email: None,
                claim_for: None,
            },
            Ok(ResetState::NotFound) => Screen::ForgotPassword {
                notice: Some(problem(
                    "We could not find this reset link",
                    "The link may be incomplete. Ask for a new one below.",
                )),
            },
            Err(error) => Screen::Welcome {
                notice: Some(notices::from_error(&error)),
            },
        };
        self.show(app, next)
    }

    /// Sets the new password from the reset link on screen.
    pub async fn complete_reset(&self, app: &AppHandle, password: &str) -> Screen {
        let (token, email_hint, generation) = {
            let state = self.lock();
            match (&state.invite_token, &state.screen) {
                (Some(token), Screen::ResetPassword { email_hint, .. }) => {
                    (token.clone(), email_hint.clone(), state.generation)
                }
                _ => return self.screen(),
            }
        };
        let Ok(client) = self.client() else {
            return self.screen();
        };
        let result = client
            .auth()
            .complete_password_reset(&token, password)
            .await;
        if !self.is_current(generation) {
            return self.screen();
        }
        let next = match result {
            Ok(()) => {
                self.lock().invite_token = None;
                Screen::SignIn {
                    notice: Some(Notice {
                        code: "password_changed".to_owned(),
                        title: "Your password was changed".to_owned(),
                        detail: "Every device was signed out. Sign in with your new password."
                            .to_owned(),
                    }),
                    email: None,
                    claim_for: None,
                }
            }
            Err(error) => Screen::ResetPassword {
                email_hint,
                notice: Some(notices::from_error(&error)),
            },
        };
        self.show(app, next)
    }

    /// The "forgot password" screen.
    pub fn show_forgot_password(&self, app: &AppHandle) -> Screen {
        self.next_generation(None);
        self.show(app, Screen::ForgotPassword { notice: None })
    }

    /// Asks the server for a reset link (or a fresh invitation); the answer is always
    /// the same, so the screen says "check your email" either way.
    pub async fn request_reset(&self, app: &AppHandle, email: &str) -> Screen {
        let Ok(client) = self.client() else {
            return self.screen();
        };
        let next = match client.auth().request_password_reset(email).await {
            Ok(()) => Screen::Welcome {
                notice: Some(Notice {
                    code: "reset_requested".to_owned(),
                    title: "Check your email".to_owned(),
                    detail: "If this address has an account, or an invitation waiting, we sent it a link to choose a password. Open that link on this computer.".to_owned(),
                }),
            },
            Err(error) => Screen::ForgotPassword {
                notice: Some(notices::from_error(&error)),
            },
        };
        self.show(app, next)
    }

    /// Start-up: picks up the session kept on this device, unless a link was opened
    /// meanwhile.
    pub async fn restore(&self, app: &AppHandle, generation: u64) -> Screen {
        let Ok(client) = self.client() else {
            return self.screen();
        };
        let result = client.auth().restore().await;
        if !self.is_current(generation) {
            return self.screen();
        }
        let next = self.restored_screen(&client, result).await;
        self.show(app, next)
    }

    /// The screen for what [`PortalClient::restore`] or a switch of account found.
    async fn restored_screen(
        &self,
        client: &PortalClient,
        result: Result<Restored, CoreError>,
    ) -> Screen {
        match result {
            Ok(Restored::Nobody) => Screen::Welcome { notice: None },
            Ok(Restored::SignedIn(signed_in)) => {
                signed_in_screen(client, signed_in, false, None).await
            }
            Ok(Restored::Offline(signed_in)) => {
                signed_in_screen(client, signed_in, true, None).await
            }
            Ok(Restored::Locked { email }) => Screen::Locked {
                email,
                notice: None,
            },
            Ok(Restored::Ended { email, .. }) => Screen::SignIn {
                notice: Some(Notice {
                    code: "session_ended".to_owned(),
                    title: "Please sign in again".to_owned(),
                    detail: "Your session ended (it expired, or your password was changed). Sign in to continue.".to_owned(),
                }),
                email: Some(email),
                claim_for: None,
            },
            Err(error) => Screen::Welcome {
                notice: Some(notices::from_error(&error)),
            },
        }
    }

    /// The sign-in screen. From a valid invite whose email already has an account, the
    /// invite is kept and claimed into the account after signing in.
    pub fn show_sign_in(&self, app: &AppHandle) -> Screen {
        let claim_for = {
            let mut state = self.lock();
            let claim = match &state.screen {
                Screen::ChoosePassword { invite, .. } if invite.account_exists => {
                    Some(invite.patient_first_name.clone())
                }
                _ => None,
            };
            if claim.is_none() {
                state.invite_token = None;
            }
            state.generation += 1;
            claim
        };
        self.show(
            app,
            Screen::SignIn {
                notice: None,
                email: None,
                claim_for,
            },
        )
    }

    /// Signs in, then claims the pending invite if there is one.
    pub async fn sign_in(&self, app: &AppHandle, email: &str, password: &str) -> Screen {
        let (claim_token, claim_for, generation) = {
            let state = self.lock();
            let claim_for = match &state.screen {
                Screen::SignIn { claim_for, .. } => claim_for.clone(),
                _ => None,
            };
            (
                state.invite_token.clone().filter(|_| claim_for.is_some()),
                claim_for,
                state.generation,
            )
        };
        let Ok(client) = self.client() else {
            return self.screen();
        };
        let device_name = format!("Patient Portal desktop ({})", std::env::consts::OS);
        let result = client.auth().login(email, password, &device_name).await;
        if !self.is_current(generation) {
            return self.screen();
        }
        let signed_in = match result {
            Ok(signed_in) => signed_in,
            Err(error) => {
                return self.show(
                    app,
                    Screen::SignIn {
                        notice: Some(notices::from_error(&error)),
                        email: Some(email.trim().to_owned()),
                        claim_for,
                    },
                );
            }
        };
        let (signed_in, notice) = match claim_token {
            None => (signed_in, None),
            Some(token) => match client.auth().claim_invite(&token).await {
                Ok(updated) => (updated, None),
                Err(error) => (signed_in, Some(notices::from_error(&error))),
            },
        };
        self.lock().invite_token = None;
        let next = signed_in_screen(&client, signed_in, false, notice).await;
        self.show(app, next)
    }

    /// Signs out of the account in use on this device (and on the server, when it can be
    /// reached). Another account signed in here, if any, takes its place.
    pub async fn sign_out(&self, app: &AppHandle) -> Screen {
        let generation = self.next_generation(None);
        let client = match self.client() {
            Ok(client) => client,
            Err(notice) => return self.welcome_with(app, notice),
        };
        let notice = match client.auth().logout().await {
            Ok(()) => Notice {
                code: "signed_out".to_owned(),
                title: "You are signed out".to_owned(),
                detail: "Nothing of that account is left on this computer.".to_owned(),
            },
            Err(error) => notices::from_error(&error),
        };
        match client.auth().restore().await {
            Ok(Restored::Nobody) => self.welcome_with(app, notice),
            next => {
                if !self.is_current(generation) {
                    return self.screen();
                }
                let screen = match self.restored_screen(&client, next).await {
                    Screen::SignedIn {
                        account,
                        profiles,
                        current_profile_id,
                        other_accounts,
                        offline,
                        ..
                    } => Screen::SignedIn {
                        account,
                        profiles,
                        current_profile_id,
                        other_accounts,
                        offline,
                        notice: Some(notice),
                    },
                    Screen::Locked { email, .. } => Screen::Locked {
                        email,
                        notice: Some(notice),
                    },
                    other => other,
                };
                self.show(app, screen)
            }
        }
    }

    /// Unlocks with the password typed on the lock screen.
    pub async fn unlock(&self, app: &AppHandle, password: &str) -> Screen {
        let generation = self.next_generation(None);
        let client = match self.client() {
            Ok(client) => client,
            Err(notice) => return self.welcome_with(app, notice),
        };
        let result = client.idle_lock().unlock(password).await;
        if !self.is_current(generation) {
            return self.screen();
        }
        let next = match result {
            Ok(signed_in) => signed_in_screen(&client, signed_in, false, None).await,
            Err(error @ CoreError::TooManyUnlockAttempts) => {
                let notice = notices::from_error(&error);
                match client.auth().restore().await {
                    Ok(Restored::Nobody) | Err(_) => Screen::SignIn {
                        notice: Some(notice),
                        email: None,
                        claim_for: None,
                    },
                    other => self.restored_screen(&client, other).await,
                }
            }
            Err(error) => match client.idle_lock().state() {
                LockState::Locked { email, .. } => Screen::Locked {
                    email,
                    notice: Some(notices::from_error(&error)),
                },
                _ => Screen::Welcome {
                    notice: Some(notices::from_error(&error)),
                },
            },
        };
        self.show(app, next)
    }

    /// Records that the person is using the app; shows the lock screen when it locked.
    pub async fn touch(&self, app: &AppHandle) {
        let Ok(client) = self.client() else {
            return;
        };
        match client.idle_lock().touch().await {
            Ok(state) => self.follow_lock(app, state),
            Err(error) => tracing::info!(code = error.code(), "could not record activity"),
        }
    }

    /// Checks the idle lock (called by a timer) and shows the lock screen when it locked.
    pub fn check_lock(&self, app: &AppHandle) {
        if let Ok(client) = self.client() {
            self.follow_lock(app, client.idle_lock().state());
        }
    }

    /// Locks now, from the signed-in screen.
    pub fn lock_now(&self, app: &AppHandle) -> Screen {
        if let Ok(client) = self.client() {
            client.idle_lock().lock_now();
            self.follow_lock(app, client.idle_lock().state());
        }
        self.screen()
    }

    fn follow_lock(&self, app: &AppHandle, state: LockState) {
        let LockState::Locked { email, .. } = state else {
            return;
        };
        if matches!(self.screen(), Screen::SignedIn { .. }) {
            self.next_generation(None);
            self.show(
                app,
                Screen::Locked {
                    email,
                    notice: Some(Notice {
                        code: "locked".to_owned(),
                        title: "Locked to keep your information private".to_owned(),
                        detail: "Patient Portal locks after a while without use. Enter your password to continue.".to_owned(),
                    }),
                },
            );
        }
    }

    /// Makes one of the account's profiles the one in use.
    pub async fn select_profile(&self, app: &AppHandle, patient_id: &str) -> Screen {
        let Ok(client) = self.client() else {
            return self.screen();
        };
        let offline = matches!(self.screen(), Screen::SignedIn { offline: true, .. });
        let next = match client.auth().select_profile(patient_id).await {
            Ok(signed_in) => signed_in_screen(&client, signed_in, offline, None).await,
            Err(CoreError::Locked) => {
                self.check_lock(app);
                return self.screen();
            }
            Err(error) => match client.auth().signed_in() {
                Some(signed_in) => {
                    signed_in_screen(
                        &client,
                        signed_in,
                        offline,
                        Some(notices::from_error(&error)),
                    )
                    .await
                }
                None => Screen::Welcome {
                    notice: Some(notices::from_error(&error)),
                },
            },
        };
        self.show(app, next)
    }

    /// Switches to another account signed in on this computer.
    pub async fn switch_account(&self, app: &AppHandle, account_id: &str) -> Screen {
        let generation = self.next_generation(None);
        let Ok(client) = self.client() else {
            return self.screen();
        };
        let result = client.auth().switch_account(account_id).await;
        if !self.is_current(generation) {
            return self.screen();
        }
        let next = match result {
            Err(CoreError::Locked) => {
                self.check_lock(app);
                return self.screen();
            }
            Err(error @ CoreError::UnknownAccount) => match client.auth().signed_in() {
                Some(signed_in) => {
                    signed_in_screen(&client, signed_in, false, Some(notices::from_error(&error)))
                        .await
                }
                None => Screen::Welcome {
                    notice: Some(notices::from_error(&error)),
                },
            },
            other => self.restored_screen(&client, other).await,
        };
        self.show(app, next)
    }

    /// The sign-in screen for adding another account to this computer.
    pub fn add_account(&self, app: &AppHandle) -> Screen {
        self.next_generation(None);
        self.show(
            app,
            Screen::SignIn {
                notice: None,
                email: None,
                claim_for: None,
            },
        )
    }

    /// Asks for a new invitation in place of the expired one on screen.
    pub async fn renew_invite(&self, app: &AppHandle) -> Screen {
        let (token, generation) = {
            let state = self.lock();
            (state.invite_token.clone(), state.generation)
        };
        let (Some(token), Ok(client)) = (token, self.client()) else {
            return self.start_over(app);
        };
        let result = client.auth().renew_invite(&token).await;
        if !self.is_current(generation) {
            return self.screen();
        }
        let next = match result {
            Ok(RenewOutcome::Sent) => Screen::InviteRenewed {
                provider_notified: false,
            },
            Ok(RenewOutcome::ProviderNotified) => Screen::InviteRenewed {
                provider_notified: true,
            },
            Ok(RenewOutcome::StillValid) => {
                let link = format!("{}://invite/{token}", portal_core::config::DEFAULT_SCHEME);
                return self.open_link(app, &link).await;
            }
            Ok(RenewOutcome::Unusable(problem)) => Screen::InviteUnusable { problem },
            Err(error) => {
                tracing::info!(code = error.code(), "renewing the invite failed");
                return self.welcome_with(app, notices::from_error(&error));
            }
        };
        self.lock().invite_token = None;
        self.show(app, next)
    }

    /// Sets the password for the invite on screen and signs in.
    pub async fn accept_invite(&self, app: &AppHandle, password: &str) -> Screen {
        let (token, invite, generation) = {
            let state = self.lock();
            match (&state.invite_token, &state.screen) {
                (Some(token), Screen::ChoosePassword { invite, .. }) => {
                    (token.clone(), invite.clone(), state.generation)
                }
                _ => {
                    drop(state);
                    return self.welcome_with(
                        app,
                        Notice {
                            code: "no_invite".to_owned(),
                            title: "Open your invitation first".to_owned(),
                            detail:
                                "Open the link from your practice's email to choose a password."
                                    .to_owned(),
                        },
                    );
                }
            }
        };
        let client = match self.client() {
            Ok(client) => client,
            Err(notice) => {
                return self.welcome_with(app, notice);
            }
        };
        let device_name = format!("Patient Portal desktop ({})", std::env::consts::OS);
        let result = client
            .auth()
            .accept_invite(&token, password, &device_name)
            .await;
        if !self.is_current(generation) {
            // Another link was opened meanwhile; its screen stays.
            return self.screen();
        }
        match result {
            Ok(signed_in) => {
                self.lock().invite_token = None;
                let next = signed_in_screen(&client, signed_in, false, None).await;
                self.show(app, next)
            }
            Err(CoreError::Server { code, .. }) if invite_problem(code).is_some() => {
                let problem = invite_problem(code).unwrap_or(InviteProblem::NotFound);
                self.show(app, Screen::InviteUnusable { problem })
            }
            Err(error) => {
                tracing::info!(code = error.code(), "setting the password failed");
                self.show(
                    app,
                    Screen::ChoosePassword {
                        invite,
                        notice: Some(notices::from_error(&error)),
                    },
                )
            }
        }
    }
}

/// The signed-in screen, with the other accounts of this computer for the switcher.
async fn signed_in_screen(
    client: &PortalClient,
    signed_in: portal_core::SignedIn,
    offline: bool,
    notice: Option<Notice>,
) -> Screen {
    let other_accounts = match client.auth().accounts().await {
        Ok(accounts) => accounts
            .into_iter()
            .map(|a| a.account)
            .filter(|a| a.id != signed_in.account.id)
            .collect(),
        Err(error) => {
            tracing::info!(code = error.code(), "could not list the accounts");
            Vec::new()
        }
    };
    Screen::SignedIn {
        account: signed_in.account,
        profiles: signed_in.profiles,
        current_profile_id: signed_in.current_profile_id,
        other_accounts,
        offline,
        notice,
    }
}

fn invite_problem(code: ErrorCode) -> Option<InviteProblem> {
    match code {
        ErrorCode::InviteExpired => Some(InviteProblem::Expired),
        ErrorCode::InviteUsed => Some(InviteProblem::Used),
        ErrorCode::InviteRevoked => Some(InviteProblem::Revoked),
        ErrorCode::InviteNotFound => Some(InviteProblem::NotFound),
        _ => None,
    }
}

/// Checks the idle lock every few seconds for the life of the app, so the lock screen
/// appears on time even when nobody touches the app.
pub fn watch_idle_lock(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            app.state::<Shell>().check_lock(&app);
        }
    });
}

/// Start-up restore, without blocking the caller. The generation is taken now, so any
/// link opened after this call wins over what the restore finds.
pub fn restore_in_background(app: AppHandle) {
    let generation = app.state::<Shell>().lock().generation;
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        shell.restore(&app, generation).await;
    });
}

/// Opens `link` without blocking the caller (plugin callbacks, start-up).
pub fn open_link_in_background(app: AppHandle, link: String) {
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        shell.open_link(&app, &link).await;
    });
}
