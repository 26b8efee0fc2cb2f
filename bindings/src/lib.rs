//! UniFFI bindings of `portal-core` for Swift, Kotlin and Python.
//!
//! Thin wrappers only: every rule lives in core. Async functions run on tokio (UniFFI's
//! `async_runtime = "tokio"`), so hosts await them from their own event loops. Secrets
//! stay in the host's keychain through the foreign [`SecretStore`] trait.

mod background;
mod blocking;
mod convert;
mod error;
mod flow;
mod offline;
mod records;
mod store;
mod writes;

pub use error::{PortalError, SecretStoreError};
pub use store::SecretStore;

use std::sync::Arc;
use std::time::SystemTime;

uniffi::setup_scaffolding!();

/// What a link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LinkKind {
    Invite,
    Reset,
    Join,
}

/// A parsed invite, reset or join link. An object rather than a record, so that no
/// generated `toString`/`description` can print its token.
#[derive(uniffi::Object)]
pub struct DeepLink {
    kind: LinkKind,
    token: String,
}

impl std::fmt::Debug for DeepLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeepLink")
            .field("kind", &self.kind)
            .field("token", &"<redacted>")
            .finish()
    }
}

#[uniffi::export]
impl DeepLink {
    /// What the link opens.
    pub fn kind(&self) -> LinkKind {
        self.kind
    }

    /// The link's token: a secret to pass to the matching call, never to log.
    pub fn token(&self) -> String {
        self.token.clone()
    }
}

/// For whom an invite or profile is: the model's `ProfileRole` (`Patient`: the account
/// holder is the patient; `Guardian`: the holder acts for the patient, a minor say), the
/// same type the profile records carry.
pub use portal_model::records::ProfileRole;

/// A valid invite, as shown before choosing a password.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InviteDetails {
    pub role: ProfileRole,
    pub practice_name: String,
    pub patient_first_name: String,
    /// Such as `j•••@example.com`.
    pub email_hint: String,
    pub expires_at: SystemTime,
    /// The email already has an account: sign in, then claim.
    pub account_exists: bool,
}

/// What an invite link leads to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum InviteState {
    /// Choose a password.
    Valid { details: InviteDetails },
    /// Past its expiry: the practice must send a new one.
    Expired,
    /// Already used: sign in.
    Used,
    /// Replaced by a newer invite: check email for it.
    Revoked,
    /// No such invite: the link is incomplete or wrong.
    NotFound,
}

/// What asking for a new invite led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RenewOutcome {
    /// A fresh invite is on its way to the email on file.
    Sent,
    /// The practice renews invites itself: the care team was asked.
    ProviderNotified,
    /// The invite still works: choose a password with it.
    StillValid,
    /// Already used: sign in.
    Used,
    /// Replaced by a newer invite: check email.
    Revoked,
    /// No such invite.
    NotFound,
}

/// What the app finds on this device at start-up, at once and without the network.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Restored {
    /// Nobody is signed in here: show the welcome or sign-in screen.
    Nobody,
    /// Signed in as this device remembers it: show the account and its cached data now.
    /// The server confirms the session in the background (`sessionCheck()`,
    /// `sessionChecked()`, and a `Change.Session` to the change listener).
    Cached { account: SignedIn },
    /// Signed in, but idle past the timeout since last use: show the lock screen and
    /// call `unlock`.
    Locked { email: String },
}

/// What the server said of the session restored at start-up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SessionCheck {
    /// Nothing to confirm (no session restored in this run, or signed in with a password).
    NotNeeded,
    /// Asking the server.
    Checking { account_id: String },
    /// The server could not be reached; asking again at `retry_at` or when the network
    /// is back (`networkChanged`). The cached data stays in use.
    Unreachable {
        account_id: String,
        retry_at: std::time::SystemTime,
    },
    /// Confirmed; `account` carries the server's current profiles.
    Confirmed { account: SignedIn },
    /// The server ended the session (expired, revoked, password changed): show sign-in
    /// with `email`. `code` is the protocol's code.
    Ended {
        account_id: String,
        email: String,
        code: portal_model::ErrorCode,
    },
}

/// Whether the app is usable now.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum LockState {
    NotSignedIn,
    /// Usable; locks at `locks_at` unless `touch` is called before.
    Unlocked {
        locks_at: SystemTime,
    },
    /// Show the lock screen for `email`.
    Locked {
        account_id: String,
        email: String,
    },
}

/// How a client is set up: the server, and every option with its default (leave out
/// what you do not need).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClientOptions {
    /// The practice's portal server (`https://`; plain `http://` only on loopback).
    pub server_url: String,
    /// Other origins whose https links the app accepts (such as the practice's portal).
    #[uniffi(default)]
    pub extra_link_origins: Vec<String>,
    /// Extra trusted root certificates (PEM), for a practice on a private CA.
    #[uniffi(default)]
    pub extra_roots_pem: Option<String>,
    /// Seconds without use before the app locks (30 to 86400; default 900).
    #[uniffi(default)]
    pub idle_timeout_seconds: Option<u32>,
    /// The app's private data directory, for each account's encrypted offline copy.
    /// Without it nothing is kept offline and the read calls fail with `Config`.
    #[uniffi(default)]
    pub data_dir: Option<String>,
    /// How this device is named in the account's list of sessions ("Jordan's iPhone").
    #[uniffi(default)]
    pub device_name: Option<String>,
    /// Seconds one request may take before the server counts as out of reach (1 to
    /// 300; default 30).
    #[uniffi(default)]
    pub request_timeout_seconds: Option<u32>,
    /// Whether the core syncs in the background from sign-in to sign-out (default
    /// true; needs `data_dir`).
    #[uniffi(default = true)]
    pub background_sync: bool,
}

impl From<ClientOptions> for portal_core::ClientOptions {
    fn from(options: ClientOptions) -> Self {
        let mut core = portal_core::ClientOptions::new(&options.server_url);
        core.extra_link_origins = options.extra_link_origins;
        core.extra_roots_pem = options.extra_roots_pem;
        core.idle_timeout = options
            .idle_timeout_seconds
            .map(|s| std::time::Duration::from_secs(s.into()));
        core.data_dir = options.data_dir.map(Into::into);
        core.device_name = options.device_name;
        core.request_timeout = options
            .request_timeout_seconds
            .map(|s| std::time::Duration::from_secs(s.into()));
        core.background_sync = options.background_sync;
        core
    }
}

/// Hears the progress of a pull (implemented by the host).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// After each page: pages and changes so far, and whether more are coming.
    fn on_page(&self, pages: u32, changes: u64, has_more: bool);
}

/// The state of a password reset link.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ResetState {
    Valid { email_hint: String },
    Expired,
    Used,
    NotFound,
}

/// The state of a group join link.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum JoinState {
    Valid {
        practice_name: String,
        group_name: String,
        expires_at: SystemTime,
    },
    Expired,
    NotFound,
}

/// What a person gives to join through a group link.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JoinDetails {
    pub first_name: String,
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub email: String,
    pub phone: Option<String>,
}

/// One rule of the password policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PasswordRule {
    TooShort,
    TooLong,
    Common,
    EqualsEmail,
}

/// Whether one rule passed, with its words for people.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RuleOutcome {
    pub rule: PasswordRule,
    pub passed: bool,
    pub requirement: String,
}

/// A patient the account can act for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Profile {
    pub patient_id: String,
    pub role: ProfileRole,
    pub first_name: String,
    pub last_name: String,
    pub practice_name: String,
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedIn {
    pub account_id: String,
    pub email: String,
    pub profiles: Vec<Profile>,
    /// The `patient_id` of the profile in use (see `select_profile`).
    pub current_profile_id: Option<String>,
}

/// The client engine for one portal server.
#[derive(uniffi::Object)]
pub struct PortalClient {
    inner: Arc<portal_core::PortalClient>,
}

#[uniffi::export(async_runtime = "tokio")]
impl PortalClient {
    /// A client set up by `options`, keeping secrets in `secret_store`. Throws
    /// `Config` saying which option is wrong.
    #[uniffi::constructor]
    pub fn new(
        options: ClientOptions,
        secret_store: Arc<dyn SecretStore>,
    ) -> Result<Arc<Self>, PortalError> {
        let config = portal_core::ClientConfig::from_options(options.into())?;
        let inner =
            portal_core::PortalClient::new(config, Arc::new(store::ForeignStore(secret_store)))?;
        Ok(Arc::new(Self {
            inner: Arc::new(inner),
        }))
    }

    /// Parses a link from an email, a universal/app link or the custom scheme.
    pub fn parse_link(&self, link: String) -> Result<Arc<DeepLink>, PortalError> {
        Ok(Arc::new(self.inner.parse_link(&link)?.into()))
    }

    /// Checks a password rule by rule against the server's (cached) policy.
    pub async fn check_password(
        &self,
        password: String,
        email: Option<String>,
    ) -> Result<Vec<RuleOutcome>, PortalError> {
        let policy = self.inner.auth().password_policy().await?;
        Ok(convert::outcomes(
            &policy,
            &policy.check(&password, email.as_deref()),
        ))
    }

    /// Looks up the invite behind a token from [`PortalClient::parse_link`].
    pub async fn inspect_invite(&self, token: String) -> Result<InviteState, PortalError> {
        Ok(self.inner.auth().inspect_invite(&token).await?.into())
    }

    /// Asks for a new invite in place of an expired one.
    pub async fn renew_invite(&self, token: String) -> Result<RenewOutcome, PortalError> {
        Ok(self.inner.auth().renew_invite(&token).await?.into())
    }

    /// Sets the password from an invite and signs in; tokens go to the secret store.
    pub async fn accept_invite(
        &self,
        token: String,
        password: String,
        device_name: String,
    ) -> Result<SignedIn, PortalError> {
        Ok(self
            .inner
            .auth()
            .accept_invite(&token, &password, &device_name)
            .await?
            .into())
    }

    /// Signs in; the session's tokens go to the secret store.
    pub async fn login(
        &self,
        email: String,
        password: String,
        device_name: String,
    ) -> Result<SignedIn, PortalError> {
        Ok(self
            .inner
            .auth()
            .login(&email, &password, &device_name)
            .await?
            .into())
    }

    /// Start-up: picks up the session kept in the secret store.
    pub async fn restore(&self) -> Result<Restored, PortalError> {
        Ok(self.inner.auth().restore().await?.into())
    }

    /// The latest word on the session restored at start-up.
    pub fn session_check(&self) -> SessionCheck {
        self.inner.auth().session_check().into()
    }

    /// Waits for news of the session check in progress (confirmed, ended, or a first
    /// failure to reach the server).
    pub async fn session_checked(&self) -> SessionCheck {
        self.inner.auth().session_checked().await.into()
    }

    /// Changes the password of the signed-in account (a settings screen). `WeakPassword`
    /// before anything is sent when `new` breaks the policy; `Server` with code
    /// `WRONG_PASSWORD` when `current` is wrong (`RATE_LIMITED` after several, with the
    /// sign-in backoff); `Network` offline, and nothing changes. On success every other
    /// device of the account is signed out, a notice is emailed, and this device's lock
    /// screen opens with the new password.
    pub async fn change_password(&self, current: String, new: String) -> Result<(), PortalError> {
        Ok(self.inner.auth().change_password(&current, &new).await?)
    }

    /// Signs out: forgets the session here at once, and ends it on the server; when the
    /// server cannot be reached, that waits (see `pending_signouts`) and goes at the next
    /// start, sign-in or `network_changed`.
    pub async fn logout(&self) -> Result<(), PortalError> {
        Ok(self.inner.auth().logout().await?)
    }

    /// Sign-outs made while the server could not be reached that still wait to end
    /// their sessions there (say so: "You're signed out on this phone; your practice's
    /// server will be told when you're back online").
    pub async fn pending_signouts(&self) -> Result<u32, PortalError> {
        let pending = self.inner.auth().pending_signouts().await?;
        Ok(u32::try_from(pending).unwrap_or(u32::MAX))
    }

    /// Adds the invite's patient to the signed-in account.
    pub async fn claim_invite(&self, token: String) -> Result<SignedIn, PortalError> {
        Ok(self.inner.auth().claim_invite(&token).await?.into())
    }

    /// Asks for a reset link (or a fresh invitation); the answer never says which.
    pub async fn request_password_reset(&self, email: String) -> Result<(), PortalError> {
        Ok(self.inner.auth().request_password_reset(&email).await?)
    }

    /// What the reset link behind `token` is.
    pub async fn inspect_reset(&self, token: String) -> Result<ResetState, PortalError> {
        Ok(self.inner.auth().inspect_reset(&token).await?.into())
    }

    /// Sets a new password from a reset link; sign in again afterwards.
    pub async fn complete_password_reset(
        &self,
        token: String,
        password: String,
    ) -> Result<(), PortalError> {
        Ok(self
            .inner
            .auth()
            .complete_password_reset(&token, &password)
            .await?)
    }

    /// What the group join link behind `code` offers.
    pub async fn inspect_join(&self, code: String) -> Result<JoinState, PortalError> {
        Ok(self.inner.auth().inspect_join(&code).await?.into())
    }

    /// Registers through a group join link; the person continues from the email.
    pub async fn join(&self, code: String, details: JoinDetails) -> Result<(), PortalError> {
        let request = convert::join_request(details)?;
        Ok(self.inner.auth().join(&code, &request).await?)
    }

    /// The signed-in account, if any.
    pub fn signed_in(&self) -> Option<SignedIn> {
        self.inner.auth().signed_in().map(Into::into)
    }

    /// Every account signed in on this device.
    pub async fn accounts(&self) -> Result<Vec<SignedIn>, PortalError> {
        Ok(self
            .inner
            .auth()
            .accounts()
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Switches to another account signed in on this device.
    pub async fn switch_account(&self, account_id: String) -> Result<Restored, PortalError> {
        Ok(self.inner.auth().switch_account(&account_id).await?.into())
    }

    /// Makes one of the account's profiles (a guardian's child, say) the one in use.
    pub async fn select_profile(&self, patient_id: String) -> Result<SignedIn, PortalError> {
        Ok(self.inner.auth().select_profile(&patient_id).await?.into())
    }

    /// Whether the app is usable now (locks first when idle past the timeout).
    pub fn lock_state(&self) -> LockState {
        self.inner.idle_lock().state().into()
    }

    /// Records use (call on user input, a few times a minute at most).
    pub async fn touch(&self) -> Result<LockState, PortalError> {
        Ok(self.inner.idle_lock().touch().await?.into())
    }

    /// Locks now (for example when the app goes to the background).
    pub fn lock(&self) {
        self.inner.idle_lock().lock_now();
    }

    /// Unlocks with the password, checked offline when the device can.
    pub async fn unlock(&self, password: String) -> Result<SignedIn, PortalError> {
        Ok(self.inner.idle_lock().unlock(&password).await?.into())
    }

    /// The secret-store key under which an account's session is kept.
    pub fn session_key(&self, account_id: String) -> String {
        self.inner.auth().session_key(&account_id)
    }
}
