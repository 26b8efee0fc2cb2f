//! The onboarding flow across the FFI: the core's one state machine (`client.flow()`),
//! so that an app only draws [`FlowState`] and passes on what the person typed or
//! tapped. It keeps the link's token, drops late answers, and decides every next step
//! (links, passwords, renewal, sign-in with claim, resets, join, start-up, the idle
//! lock, accounts and profiles).

use crate::background::Subscription;
use crate::error::PortalError;
use crate::{InviteDetails, JoinDetails, PasswordRule, PortalClient, SignedIn};
use portal_model::{ErrorCode, InviteProblem};
use std::sync::Arc;
use std::time::SystemTime;

/// Why a step failed, for the words on screen and the next step (the same cases as
/// `PortalError`, as data the flow's states can carry).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Failure {
    /// The server cannot be reached: try again when online.
    Network { detail: String },
    /// The server refused, with its stable code.
    Server { code: ErrorCode, detail: String },
    /// The password breaks these rules of the policy.
    WeakPassword { reasons: Vec<PasswordRule> },
    /// Wrong password at the lock screen; `attempts_left` before signing out here.
    WrongPassword { attempts_left: u32 },
    /// The last wrong password: signed out of this device.
    TooManyUnlockAttempts,
    /// The device's keychain failed or is missing.
    Keychain { detail: String },
    /// Anything else, in a sentence.
    Other { detail: String },
}

impl From<portal_core::CoreError> for Failure {
    fn from(error: portal_core::CoreError) -> Self {
        match PortalError::from(error) {
            PortalError::Network { detail } => Self::Network { detail },
            PortalError::Server { code, detail } => Self::Server { code, detail },
            PortalError::WeakPassword { reasons } => Self::WeakPassword { reasons },
            PortalError::WrongPassword { attempts_left } => Self::WrongPassword { attempts_left },
            PortalError::TooManyUnlockAttempts => Self::TooManyUnlockAttempts,
            PortalError::Keychain { detail } => Self::Keychain { detail },
            other => Self::Other {
                detail: other.to_string(),
            },
        }
    }
}

/// Why the flow shows what it shows; the app puts it into words.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FlowNotice {
    Failed {
        failure: Failure,
    },
    /// The link cannot be opened; `detail` is a sentence for the person.
    InvalidLink {
        detail: String,
    },
    NoLinkOpen,
    ResetExpired,
    ResetUsed,
    ResetNotFound,
    PasswordChanged,
    ResetRequested,
    JoinLinkExpired,
    JoinLinkNotFound,
    JoinRequested,
    SessionEnded,
    SignedOut,
    IdleLocked,
}

impl From<portal_core::FlowNotice> for FlowNotice {
    fn from(notice: portal_core::FlowNotice) -> Self {
        use portal_core::FlowNotice as Core;
        match notice {
            Core::Failed(error) => Self::Failed {
                failure: error.into(),
            },
            Core::InvalidLink(error) => Self::InvalidLink {
                detail: error.to_string(),
            },
            Core::NoLinkOpen => Self::NoLinkOpen,
            Core::ResetExpired => Self::ResetExpired,
            Core::ResetUsed => Self::ResetUsed,
            Core::ResetNotFound => Self::ResetNotFound,
            Core::PasswordChanged => Self::PasswordChanged,
            Core::ResetRequested => Self::ResetRequested,
            Core::JoinLinkExpired => Self::JoinLinkExpired,
            Core::JoinLinkNotFound => Self::JoinLinkNotFound,
            Core::JoinRequested => Self::JoinRequested,
            Core::SessionEnded => Self::SessionEnded,
            Core::SignedOut => Self::SignedOut,
            Core::IdleLocked => Self::IdleLocked,
        }
    }
}

/// Another account signed in on this device (for a switcher).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OtherAccount {
    pub account_id: String,
    pub email: String,
}

/// What the app shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FlowState {
    /// Nothing opened yet: ask for the link from the email.
    Welcome { notice: Option<FlowNotice> },
    /// Looking for a session kept on this device (start-up).
    Restoring,
    /// Looking up the link just opened.
    Checking,
    /// A valid invite: choose a password (or sign in, with `invite.account_exists`).
    /// Show `invite.email_hint` prominently and have the person confirm it is their
    /// address before the password is sent; warn when `hint_on_device` is
    /// `MATCHES_NONE` (someone may have sent an invite to their own account).
    ChoosePassword {
        invite: InviteDetails,
        hint_on_device: portal_model::HintOnDevice,
        notice: Option<FlowNotice>,
    },
    /// The invite cannot be used; an expired one can be renewed (`renewInvite`).
    InviteUnusable { problem: InviteProblem },
    /// A new invitation was asked for: check email (or wait for the care team).
    InviteRenewed { provider_notified: bool },
    /// A reset link: choose a new password.
    ResetPassword {
        email_hint: String,
        notice: Option<FlowNotice>,
    },
    /// Asking for a reset link.
    ForgotPassword { notice: Option<FlowNotice> },
    /// A group join link: register.
    Join {
        practice_name: String,
        group_name: String,
        expires_at: SystemTime,
        notice: Option<FlowNotice>,
    },
    /// Sign in; `claim_for` names the patient whose invite joins the account after.
    SignIn {
        notice: Option<FlowNotice>,
        email: Option<String>,
        claim_for: Option<String>,
    },
    /// Signed in; `offline` while the server could not confirm a restored session.
    SignedIn {
        account: SignedIn,
        other_accounts: Vec<OtherAccount>,
        offline: bool,
        notice: Option<FlowNotice>,
    },
    /// Locked: the password of `email` unlocks.
    Locked {
        email: String,
        notice: Option<FlowNotice>,
    },
}

fn notice(notice: Option<portal_core::FlowNotice>) -> Option<FlowNotice> {
    notice.map(Into::into)
}

impl From<portal_core::FlowState> for FlowState {
    fn from(state: portal_core::FlowState) -> Self {
        use portal_core::FlowState as Core;
        match state {
            Core::Welcome { notice: n } => Self::Welcome { notice: notice(n) },
            Core::Restoring => Self::Restoring,
            Core::Checking => Self::Checking,
            Core::ChoosePassword {
                invite,
                hint_on_device,
                notice: n,
            } => Self::ChoosePassword {
                invite: crate::convert::invite_details(invite),
                hint_on_device,
                notice: notice(n),
            },
            Core::InviteUnusable { problem } => Self::InviteUnusable { problem },
            Core::InviteRenewed { provider_notified } => Self::InviteRenewed { provider_notified },
            Core::ResetPassword {
                email_hint,
                notice: n,
            } => Self::ResetPassword {
                email_hint,
                notice: notice(n),
            },
            Core::ForgotPassword { notice: n } => Self::ForgotPassword { notice: notice(n) },
            Core::Join { info, notice: n } => Self::Join {
                practice_name: info.practice.name,
                group_name: info.group.name,
                expires_at: info.expires_at.into(),
                notice: notice(n),
            },
            Core::SignIn {
                notice: n,
                email,
                claim_for,
            } => Self::SignIn {
                notice: notice(n),
                email,
                claim_for,
            },
            Core::SignedIn {
                signed_in,
                other_accounts,
                offline,
                notice: n,
            } => Self::SignedIn {
                account: signed_in.into(),
                other_accounts: other_accounts
                    .into_iter()
                    .map(|a| OtherAccount {
                        account_id: a.id,
                        email: a.email,
                    })
                    .collect(),
                offline,
                notice: notice(n),
            },
            Core::Locked { email, notice: n } => Self::Locked {
                email,
                notice: notice(n),
            },
        }
    }
}

/// Hears every state the flow shows (implemented by the host; from a background thread).
#[uniffi::export(with_foreign)]
pub trait FlowListener: Send + Sync {
    fn on_state(&self, state: FlowState);
}

/// The onboarding flow of one client (`PortalClient.flow()`).
#[derive(uniffi::Object)]
pub struct Flow {
    inner: portal_core::Flow,
}

#[uniffi::export]
impl PortalClient {
    /// The onboarding flow: the one place that decides what comes next.
    pub fn flow(&self) -> Arc<Flow> {
        Arc::new(Flow {
            inner: self.inner.flow(),
        })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Flow {
    /// What to show now.
    pub fn state(&self) -> FlowState {
        self.inner.state().into()
    }

    /// Every state from now on, to `listener`, until the subscription is stopped.
    pub async fn listen(&self, listener: Arc<dyn FlowListener>) -> Arc<Subscription> {
        let mut states = self.inner.subscribe();
        let task = tokio::spawn(async move {
            while states.changed().await.is_ok() {
                let state = states.borrow_and_update().clone();
                listener.on_state(state.into());
            }
        });
        Arc::new(Subscription::of(vec![task]))
    }

    /// Start-up: the session kept on this device (cached at once), or the welcome.
    pub async fn start(&self) -> FlowState {
        self.inner.start().await.into()
    }

    /// An invite, reset or join link was opened (from an email, a universal link, or
    /// the custom scheme).
    pub async fn open_link(&self, link: String) -> FlowState {
        self.inner.open_link(&link).await.into()
    }

    /// The password chosen on the invite's or the reset link's screen.
    pub async fn submit_password(&self, password: String) -> FlowState {
        self.inner.submit_password(&password).await.into()
    }

    /// Asks for a new invitation (an expired invite's next step).
    pub async fn renew_invite(&self) -> FlowState {
        self.inner.renew_invite().await.into()
    }

    /// The join form was sent (date of birth as `YYYY-MM-DD`).
    pub async fn submit_join(&self, details: JoinDetails) -> Result<FlowState, PortalError> {
        let request = crate::convert::join_request(details)?;
        Ok(self.inner.submit_join(&request).await.into())
    }

    /// Back to the start.
    pub fn start_over(&self) -> FlowState {
        self.inner.start_over().into()
    }

    /// The sign-in screen.
    pub fn show_sign_in(&self) -> FlowState {
        self.inner.show_sign_in().into()
    }

    /// Signs in (and claims the open invite, when there is one for this email).
    pub async fn sign_in(&self, email: String, password: String) -> FlowState {
        self.inner.sign_in(&email, &password).await.into()
    }

    /// The "forgot password" screen.
    pub fn show_forgot_password(&self) -> FlowState {
        self.inner.show_forgot_password().into()
    }

    /// Asks for a reset link for `email` (the same answer for every address).
    pub async fn request_reset(&self, email: String) -> FlowState {
        self.inner.request_reset(&email).await.into()
    }

    /// Another account on this device: the sign-in screen.
    pub fn add_account(&self) -> FlowState {
        self.inner.add_account().into()
    }

    /// Signs out of the account in use.
    pub async fn sign_out(&self) -> FlowState {
        self.inner.sign_out().await.into()
    }

    /// The lock screen's password.
    pub async fn unlock(&self, password: String) -> FlowState {
        self.inner.unlock(&password).await.into()
    }

    /// Locks now (the app went to the background, say).
    pub fn lock_now(&self) -> FlowState {
        self.inner.lock_now().into()
    }

    /// Shows the lock screen once the idle timeout passed (call every few seconds).
    pub fn check_lock(&self) -> FlowState {
        self.inner.check_lock().into()
    }

    /// The person used the app (pushes the idle lock back).
    pub async fn touch(&self) -> FlowState {
        self.inner.touch().await.into()
    }

    /// Makes one of the account's profiles (a guardian's child) the one in use.
    pub async fn select_profile(&self, patient_id: String) -> FlowState {
        self.inner.select_profile(&patient_id).await.into()
    }

    /// Switches to another account signed in on this device.
    pub async fn switch_account(&self, account_id: String) -> FlowState {
        self.inner.switch_account(&account_id).await.into()
    }
}
