//! The onboarding flow, as apps use it: `client.flow()`. One state machine decides
//! every next step of getting in and staying in: opening an invite, reset or join link,
//! choosing a password, renewing an expired invite, signing in (and claiming an invite
//! sent to an email that already has an account), a forgotten password, the session kept
//! on this device, the idle lock, several accounts and a guardian's profiles.
//!
//! It keeps the link's token (which never leaves the core), and numbers each piece of
//! work: an answer that arrives after newer work started (the person opened another
//! link, or signed out) is dropped instead of replacing what is on screen. Apps draw
//! [`FlowState`] and pass on what the person typed or clicked; a [`FlowNotice`] says why
//! a screen is shown, and the app words it.

use crate::auth::{Auth, InviteState, JoinState, RenewOutcome, ResetState, Restored};
use crate::error::CoreError;
use crate::idle_lock::IdleLock;
use crate::links::{LinkError, LinkKind};
use crate::session::idle::LockState;
use crate::session::{Context, SessionCheck, SignedIn};
use portal_model::{
    AccountSummary, ErrorCode, HintOnDevice, InviteInfo, InviteProblem, JoinInfo, JoinRequest,
};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::watch;

/// Why the flow shows what it shows; the app puts it into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowNotice {
    /// A call failed: the error says what and, by its kind and code, what to do.
    Failed(CoreError),
    /// The link cannot be opened.
    InvalidLink(LinkError),
    /// "Choose a password" was asked for with no invite or reset link open.
    NoLinkOpen,
    /// The reset link expired (they last an hour): ask for a new one.
    ResetExpired,
    /// The reset link was already used: sign in, or ask for another.
    ResetUsed,
    /// No such reset link (incomplete?): ask for a new one.
    ResetNotFound,
    /// The password was changed and every device signed out: sign in with it.
    PasswordChanged,
    /// A reset link (or a fresh invitation) was sent if the address is known.
    ResetRequested,
    /// The join link expired: ask the practice for a new one.
    JoinLinkExpired,
    /// No such join link (incomplete?).
    JoinLinkNotFound,
    /// The registration was sent: the invitation (or a note to sign in) comes by email.
    JoinRequested,
    /// The session ended on the server (expired, revoked, password changed).
    SessionEnded,
    /// Signed out of an account; nothing of it is left on this device.
    SignedOut,
    /// Locked after a while without use.
    IdleLocked,
}

/// What the app shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowState {
    /// Nothing opened yet: ask for the link from the email.
    Welcome { notice: Option<FlowNotice> },
    /// Looking for a session kept on this device (start-up).
    Restoring,
    /// Looking up the link just opened.
    Checking,
    /// A valid invite: choose a password. With `invite.account_exists`, offer to sign
    /// in instead (the invite is then added to that account). Show `invite.email_hint`
    /// prominently and have the person confirm it is their address; `hint_on_device`
    /// says whether it matches an account on this device (warn when it matches none:
    /// someone may have sent an invite to their own account).
    ChoosePassword {
        invite: InviteInfo,
        hint_on_device: HintOnDevice,
        notice: Option<FlowNotice>,
    },
    /// The invite cannot be used; each problem has its own next step (an expired one
    /// can be renewed).
    InviteUnusable { problem: InviteProblem },
    /// A new invitation was asked for: check email (or wait for the care team).
    InviteRenewed { provider_notified: bool },
    /// A reset link: choose a new password for `email_hint`.
    ResetPassword {
        email_hint: String,
        notice: Option<FlowNotice>,
    },
    /// Asking for a reset link: the person gives their email address.
    ForgotPassword { notice: Option<FlowNotice> },
    /// A group join link: register with name, date of birth and email.
    Join {
        info: JoinInfo,
        notice: Option<FlowNotice>,
    },
    /// Sign in. `claim_for` names the patient whose invite is added to the account
    /// after signing in.
    SignIn {
        notice: Option<FlowNotice>,
        email: Option<String>,
        claim_for: Option<String>,
    },
    /// Signed in. `offline`: the server could not be reached to confirm the session
    /// restored from this device (the cached account and data are shown; the check goes
    /// on, and the sign-in screen follows if the server ended the session). `other_accounts`: the other accounts signed in on this device.
    SignedIn {
        signed_in: SignedIn,
        other_accounts: Vec<AccountSummary>,
        offline: bool,
        notice: Option<FlowNotice>,
    },
    /// Locked: the password of `email` unlocks.
    Locked {
        email: String,
        notice: Option<FlowNotice>,
    },
}

/// What the flow keeps between calls.
struct Inner {
    state: FlowState,
    /// The token of the invite or reset link open; never shown.
    token: Option<String>,
    /// The join link's code while its form is open.
    join_code: Option<String>,
    /// Bumped by every piece of work that supersedes the ones before it.
    generation: u64,
}

/// The flow's state machine; one per client (`client.flow()` hands out this one).
pub(crate) struct Machine {
    inner: Mutex<Inner>,
    changes: watch::Sender<FlowState>,
    /// The task following the restored session's check, if one runs.
    follower: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Machine {
    pub fn new() -> Self {
        let state = FlowState::Welcome { notice: None };
        Self {
            inner: Mutex::new(Inner {
                state: state.clone(),
                token: None,
                join_code: None,
                generation: 0,
            }),
            changes: watch::channel(state).0,
            follower: Mutex::new(None),
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let follower = self
            .follower
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(task) = follower.take() {
            task.abort();
        }
    }
}

/// The onboarding flow of one client.
#[derive(Clone)]
pub struct Flow {
    ctx: Arc<Context>,
    machine: Arc<Machine>,
}

impl Flow {
    pub(crate) fn new(ctx: Arc<Context>, machine: Arc<Machine>) -> Self {
        Self { ctx, machine }
    }

    fn auth(&self) -> Auth {
        Auth::new(self.ctx.clone())
    }

    fn idle_lock(&self) -> IdleLock {
        IdleLock::new(self.ctx.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.machine
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// What to show now.
    pub fn state(&self) -> FlowState {
        self.lock().state.clone()
    }

    /// Every state from now on (the newest wins when several come at once).
    pub fn subscribe(&self) -> watch::Receiver<FlowState> {
        self.machine.changes.subscribe()
    }

    /// Shows `state` and tells subscribers.
    fn show(&self, state: FlowState) -> FlowState {
        self.lock().state = state.clone();
        self.machine.changes.send_replace(state.clone());
        state
    }

    /// Shows `state` if nothing newer started since `generation`; otherwise keeps what
    /// the newer work shows.
    fn show_if_current(&self, generation: u64, state: FlowState) -> FlowState {
        {
            let mut inner = self.lock();
            if inner.generation != generation {
                return inner.state.clone();
            }
            inner.state = state.clone();
        }
        self.machine.changes.send_replace(state.clone());
        state
    }

    /// Starts new work, forgetting any link's token: answers to older work are dropped.
    fn supersede(&self) -> u64 {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.token = None;
        inner.join_code = None;
        inner.generation
    }

    /// The current generation, for work that does not supersede (a form submitted on
    /// the screen it belongs to).
    fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Start-up: shows [`FlowState::Restoring`], then what the session kept on this
    /// device leads to (signed in, offline, locked, ended, or nobody). Work the person
    /// started meanwhile (a link opened, at launch or after) wins: the session is still
    /// picked up, and what is on screen stays.
    pub async fn start(&self) -> FlowState {
        let restoring = {
            let mut inner = self.lock();
            let idle = matches!(inner.state, FlowState::Welcome { .. });
            if idle {
                inner.state = FlowState::Restoring;
            }
            idle
        };
        if restoring {
            self.machine.changes.send_replace(FlowState::Restoring);
        }
        let result = self.auth().restore().await;
        let next = self.restored(result, None).await;
        {
            let mut inner = self.lock();
            if !matches!(inner.state, FlowState::Restoring) {
                return inner.state.clone();
            }
            inner.state = next.clone();
        }
        self.machine.changes.send_replace(next.clone());
        next
    }

    /// Opens a link (from the OS, or pasted): an invite leads to choosing a password, a
    /// reset link to a new password, a join link to the registration form. Changes
    /// nothing on the server.
    pub async fn open_link(&self, input: &str) -> FlowState {
        let generation = self.supersede();
        let link = match self.ctx.config.parse_link(input) {
            Ok(link) => link,
            Err(error) => {
                tracing::info!(reason = %error, "refused a link");
                return self.show_if_current(
                    generation,
                    FlowState::Welcome {
                        notice: Some(FlowNotice::InvalidLink(error)),
                    },
                );
            }
        };
        match link.kind {
            LinkKind::Invite => {
                self.lock().token = Some(link.token.clone());
                self.show_if_current(generation, FlowState::Checking);
                self.look_up_invite(generation, &link.token).await
            }
            LinkKind::Reset => {
                self.lock().token = Some(link.token.clone());
                self.show_if_current(generation, FlowState::Checking);
                let result = self.auth().inspect_reset(&link.token).await;
                let next = match result {
                    Ok(ResetState::Valid { email_hint }) => FlowState::ResetPassword {
                        email_hint,
                        notice: None,
                    },
                    Ok(ResetState::Expired) => FlowState::ForgotPassword {
                        notice: Some(FlowNotice::ResetExpired),
                    },
                    Ok(ResetState::Used) => FlowState::SignIn {
                        notice: Some(FlowNotice::ResetUsed),
                        email: None,
                        claim_for: None,
                    },
                    Ok(ResetState::NotFound) => FlowState::ForgotPassword {
                        notice: Some(FlowNotice::ResetNotFound),
                    },
                    Err(error) => welcome_failed(error),
                };
                self.show_if_current(generation, next)
            }
            LinkKind::Join => {
                self.lock().join_code = Some(link.token.clone());
                self.show_if_current(generation, FlowState::Checking);
                let next = match self.auth().inspect_join(&link.token).await {
                    Ok(JoinState::Valid(info)) => FlowState::Join { info, notice: None },
                    Ok(JoinState::Expired) => FlowState::Welcome {
                        notice: Some(FlowNotice::JoinLinkExpired),
                    },
                    Ok(JoinState::NotFound) => FlowState::Welcome {
                        notice: Some(FlowNotice::JoinLinkNotFound),
                    },
                    Err(error) => welcome_failed(error),
                };
                self.show_if_current(generation, next)
            }
        }
    }

    /// Looks up the invite behind `token` and shows where it leads.
    async fn look_up_invite(&self, generation: u64, token: &str) -> FlowState {
        let next = match self.auth().inspect_invite(token).await {
            Ok(InviteState::Valid(invite)) => FlowState::ChoosePassword {
                hint_on_device: self.hint_on_device(&invite.email_hint).await,
                invite,
                notice: None,
            },
            Ok(InviteState::Unusable(problem)) => FlowState::InviteUnusable { problem },
            Err(error) => welcome_failed(error),
        };
        self.show_if_current(generation, next)
    }

    /// The password typed on the screen that asks for one: an invite's (set it and sign
    /// in) or a reset link's (change it; every device is signed out).
    pub async fn submit_password(&self, password: &str) -> FlowState {
        let (token, state, generation) = {
            let inner = self.lock();
            (inner.token.clone(), inner.state.clone(), inner.generation)
        };
        match (token, state) {
            (
                Some(token),
                FlowState::ChoosePassword {
                    invite,
                    hint_on_device,
                    ..
                },
            ) => {
                self.accept_invite(generation, &token, invite, hint_on_device, password)
                    .await
            }
            (Some(token), FlowState::ResetPassword { email_hint, .. }) => {
                self.complete_reset(generation, &token, email_hint, password)
                    .await
            }
            _ => {
                self.supersede();
                self.show(FlowState::Welcome {
                    notice: Some(FlowNotice::NoLinkOpen),
                })
            }
        }
    }

    async fn accept_invite(
        &self,
        generation: u64,
        token: &str,
        invite: InviteInfo,
        hint_on_device: HintOnDevice,
        password: &str,
    ) -> FlowState {
        let result = self
            .auth()
            .accept_invite(token, password, self.ctx.config.device_name())
            .await;
        let next = match result {
            Ok(signed_in) => {
                if self.generation() == generation {
                    self.lock().token = None;
                }
                self.signed_in(signed_in, false, None).await
            }
            Err(error) => {
                let problem = match &error {
                    CoreError::Server { code, .. } => InviteProblem::from_code(*code),
                    _ => None,
                };
                match problem {
                    // Used, replaced or expired meanwhile: the screen for that.
                    Some(problem) => FlowState::InviteUnusable { problem },
                    None => {
                        tracing::info!(code = error.code(), "setting the password failed");
                        FlowState::ChoosePassword {
                            invite,
                            hint_on_device,
                            notice: Some(FlowNotice::Failed(error)),
                        }
                    }
                }
            }
        };
        self.show_if_current(generation, next)
    }

    async fn complete_reset(
        &self,
        generation: u64,
        token: &str,
        email_hint: String,
        password: &str,
    ) -> FlowState {
        let next = match self.auth().complete_password_reset(token, password).await {
            Ok(()) => {
                if self.generation() == generation {
                    self.lock().token = None;
                }
                FlowState::SignIn {
                    notice: Some(FlowNotice::PasswordChanged),
                    email: None,
                    claim_for: None,
                }
            }
            Err(error) => FlowState::ResetPassword {
                email_hint,
                notice: Some(FlowNotice::Failed(error)),
            },
        };
        self.show_if_current(generation, next)
    }

    /// Asks for a new invitation in place of the expired invite on screen. An invite
    /// that turns out to be still valid leads to choosing a password.
    pub async fn renew_invite(&self) -> FlowState {
        let (token, generation) = {
            let inner = self.lock();
            (inner.token.clone(), inner.generation)
        };
        let Some(token) = token else {
            return self.start_over();
        };
        let next = match self.auth().renew_invite(&token).await {
            Ok(RenewOutcome::Sent) => FlowState::InviteRenewed {
                provider_notified: false,
            },
            Ok(RenewOutcome::ProviderNotified) => FlowState::InviteRenewed {
                provider_notified: true,
            },
            Ok(RenewOutcome::StillValid) => {
                self.show_if_current(generation, FlowState::Checking);
                return self.look_up_invite(generation, &token).await;
            }
            Ok(RenewOutcome::Unusable(problem)) => FlowState::InviteUnusable { problem },
            Err(error) => {
                tracing::info!(code = error.code(), "renewing the invite failed");
                welcome_failed(error)
            }
        };
        if self.generation() == generation {
            self.lock().token = None;
        }
        self.show_if_current(generation, next)
    }

    /// Registers through the join link on screen; the practice answers by email.
    pub async fn submit_join(&self, details: &JoinRequest) -> FlowState {
        let (code, state, generation) = {
            let inner = self.lock();
            (
                inner.join_code.clone(),
                inner.state.clone(),
                inner.generation,
            )
        };
        let (Some(code), FlowState::Join { info, .. }) = (code, state) else {
            self.supersede();
            return self.show(FlowState::Welcome {
                notice: Some(FlowNotice::NoLinkOpen),
            });
        };
        let next = match self.auth().join(&code, details).await {
            Ok(()) => {
                if self.generation() == generation {
                    self.lock().join_code = None;
                }
                FlowState::Welcome {
                    notice: Some(FlowNotice::JoinRequested),
                }
            }
            Err(CoreError::Server {
                code: ErrorCode::JoinLinkExpired,
                ..
            }) => FlowState::Welcome {
                notice: Some(FlowNotice::JoinLinkExpired),
            },
            Err(error) => FlowState::Join {
                info,
                notice: Some(FlowNotice::Failed(error)),
            },
        };
        self.show_if_current(generation, next)
    }

    /// Back to the welcome screen, forgetting any link.
    pub fn start_over(&self) -> FlowState {
        self.supersede();
        self.show(FlowState::Welcome { notice: None })
    }

    /// The "forgot password" screen.
    pub fn show_forgot_password(&self) -> FlowState {
        self.supersede();
        self.show(FlowState::ForgotPassword { notice: None })
    }

    /// Asks for a reset link (or a fresh invitation); the answer is the same whether or
    /// not the address is known.
    pub async fn request_reset(&self, email: &str) -> FlowState {
        let generation = self.generation();
        let next = match self.auth().request_password_reset(email).await {
            Ok(()) => FlowState::Welcome {
                notice: Some(FlowNotice::ResetRequested),
            },
            Err(error) => FlowState::ForgotPassword {
                notice: Some(FlowNotice::Failed(error)),
            },
        };
        self.show_if_current(generation, next)
    }

    /// The sign-in screen. From a valid invite whose email already has an account, the
    /// invite is kept and added to the account after signing in.
    pub fn show_sign_in(&self) -> FlowState {
        let claim_for = {
            let mut inner = self.lock();
            let claim = match &inner.state {
                FlowState::ChoosePassword { invite, .. } if invite.account_exists => {
                    Some(invite.patient_first_name.clone())
                }
                _ => None,
            };
            if claim.is_none() {
                inner.token = None;
            }
            inner.join_code = None;
            inner.generation += 1;
            claim
        };
        self.show(FlowState::SignIn {
            notice: None,
            email: None,
            claim_for,
        })
    }

    /// The sign-in screen for adding another account to this device.
    pub fn add_account(&self) -> FlowState {
        self.supersede();
        self.show(FlowState::SignIn {
            notice: None,
            email: None,
            claim_for: None,
        })
    }

    /// Signs in, then adds the pending invite (from [`Flow::show_sign_in`]) if any.
    pub async fn sign_in(&self, email: &str, password: &str) -> FlowState {
        let (claim_token, claim_for, generation) = {
            let inner = self.lock();
            let claim_for = match &inner.state {
                FlowState::SignIn { claim_for, .. } => claim_for.clone(),
                _ => None,
            };
            (
                inner.token.clone().filter(|_| claim_for.is_some()),
                claim_for,
                inner.generation,
            )
        };
        let result = self
            .auth()
            .login(email, password, self.ctx.config.device_name())
            .await;
        let signed_in = match result {
            Ok(signed_in) => signed_in,
            Err(error) => {
                return self.show_if_current(
                    generation,
                    FlowState::SignIn {
                        notice: Some(FlowNotice::Failed(error)),
                        email: Some(email.trim().to_owned()),
                        claim_for,
                    },
                );
            }
        };
        let (signed_in, notice) = match claim_token {
            None => (signed_in, None),
            Some(token) => match self.auth().claim_invite(&token).await {
                Ok(updated) => (updated, None),
                Err(error) => (signed_in, Some(FlowNotice::Failed(error))),
            },
        };
        if self.generation() == generation {
            self.lock().token = None;
        }
        let next = self.signed_in(signed_in, false, notice).await;
        self.show_if_current(generation, next)
    }

    /// Signs out of the account in use (on the server too, when it can be reached).
    /// Another account signed in on this device, if any, takes its place (locked, when
    /// this happened at the lock screen).
    pub async fn sign_out(&self) -> FlowState {
        let generation = self.supersede();
        let notice = match self.auth().logout().await {
            Ok(()) => FlowNotice::SignedOut,
            Err(error) => FlowNotice::Failed(error),
        };
        let result = self.auth().restore().await;
        let next = match result {
            Ok(Restored::Nobody) => FlowState::Welcome {
                notice: Some(notice),
            },
            other => self.restored(other, Some(notice)).await,
        };
        self.show_if_current(generation, next)
    }

    /// Unlocks with the password typed on the lock screen. The last wrong password of
    /// too many signs the account out of this device.
    pub async fn unlock(&self, password: &str) -> FlowState {
        let generation = self.supersede();
        let next = match self.idle_lock().unlock(password).await {
            Ok(signed_in) => self.signed_in(signed_in, false, None).await,
            Err(error @ CoreError::TooManyUnlockAttempts) => match self.auth().restore().await {
                Ok(Restored::Nobody) | Err(_) => FlowState::SignIn {
                    notice: Some(FlowNotice::Failed(error)),
                    email: None,
                    claim_for: None,
                },
                other => self.restored(other, None).await,
            },
            Err(error) => match self.idle_lock().state() {
                LockState::Locked { email, .. } => FlowState::Locked {
                    email,
                    notice: Some(FlowNotice::Failed(error)),
                },
                _ => welcome_failed(error),
            },
        };
        self.show_if_current(generation, next)
    }

    /// Locks now, from the signed-in screen.
    pub fn lock_now(&self) -> FlowState {
        self.idle_lock().lock_now();
        self.check_lock()
    }

    /// Follows the idle lock: shows the lock screen once it locked (hosts call this
    /// every few seconds, so the lock shows on time even when nobody touches the app).
    pub fn check_lock(&self) -> FlowState {
        let state = self.idle_lock().state();
        self.follow_lock(state)
    }

    /// Records that the person is using the app, and shows the lock screen if it locked
    /// before this use.
    pub async fn touch(&self) -> FlowState {
        match self.idle_lock().touch().await {
            Ok(state) => self.follow_lock(state),
            Err(error) => {
                tracing::info!(code = error.code(), "could not record activity");
                self.state()
            }
        }
    }

    fn follow_lock(&self, state: LockState) -> FlowState {
        let LockState::Locked { email, .. } = state else {
            return self.state();
        };
        if !matches!(self.state(), FlowState::SignedIn { .. }) {
            return self.state();
        }
        self.supersede();
        self.show(FlowState::Locked {
            email,
            notice: Some(FlowNotice::IdleLocked),
        })
    }

    /// Makes one of the account's profiles (a guardian's child, say) the one in use.
    pub async fn select_profile(&self, patient_id: &str) -> FlowState {
        let generation = self.generation();
        let offline = matches!(self.state(), FlowState::SignedIn { offline: true, .. });
        let next = match self.auth().select_profile(patient_id).await {
            Ok(signed_in) => self.signed_in(signed_in, offline, None).await,
            Err(CoreError::Locked) => return self.check_lock(),
            Err(error) => match self.auth().signed_in() {
                Some(signed_in) => {
                    self.signed_in(signed_in, offline, Some(FlowNotice::Failed(error)))
                        .await
                }
                None => welcome_failed(error),
            },
        };
        self.show_if_current(generation, next)
    }

    /// Switches to another account signed in on this device.
    pub async fn switch_account(&self, account_id: &str) -> FlowState {
        let generation = self.supersede();
        let next = match self.auth().switch_account(account_id).await {
            Err(CoreError::Locked) => return self.check_lock(),
            Err(error @ CoreError::UnknownAccount) => match self.auth().signed_in() {
                Some(signed_in) => {
                    self.signed_in(signed_in, false, Some(FlowNotice::Failed(error)))
                        .await
                }
                None => welcome_failed(error),
            },
            other => self.restored(other, None).await,
        };
        self.show_if_current(generation, next)
    }

    /// The state for what a restore or a switch of account found; `notice` goes on a
    /// signed-in or locked screen.
    async fn restored(
        &self,
        result: Result<Restored, CoreError>,
        notice: Option<FlowNotice>,
    ) -> FlowState {
        match result {
            Ok(Restored::Nobody) => FlowState::Welcome { notice },
            Ok(Restored::Cached(signed_in)) => {
                self.follow_session_check();
                self.signed_in(signed_in, false, notice).await
            }
            Ok(Restored::Locked { email }) => FlowState::Locked { email, notice },
            Err(error) => welcome_failed(error),
        }
    }

    /// Follows the server's word on the session: the check of a restored session (the
    /// server's profiles once it confirms, the offline mark while it cannot be reached)
    /// and, at any time, the end of the session by the server (the password changed on
    /// another device, say), which shows the sign-in screen with
    /// [`FlowNotice::SessionEnded`]. One follower runs at a time; each word is applied
    /// once it is on screen or no longer matters, and the follower waits for the next.
    /// It holds the flow's machine weakly, so that dropping the client ends it.
    fn follow_session_check(&self) {
        let ctx = self.ctx.clone();
        let machine = Arc::downgrade(&self.machine);
        let mut checks = ctx.watch_session_check();
        let mut states = self.subscribe();
        let task = tokio::spawn(async move {
            loop {
                let check = checks.borrow_and_update().clone();
                states.borrow_and_update();
                let applied = {
                    let Some(machine) = machine.upgrade() else {
                        return;
                    };
                    Flow::new(ctx.clone(), machine).apply_check(check)
                };
                if applied {
                    if checks.changed().await.is_err() {
                        return;
                    }
                    continue;
                }
                tokio::select! {
                    changed = checks.changed() => if changed.is_err() { return },
                    changed = states.changed() => if changed.is_err() { return },
                }
            }
        });
        let mut follower = self
            .machine
            .follower
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = follower.replace(task) {
            old.abort();
        }
    }

    /// Whether `hint` matches an account signed in on this device (locked ones count).
    async fn hint_on_device(&self, hint: &str) -> HintOnDevice {
        match self.ctx.vault.index().await {
            Ok(index) => HintOnDevice::of(
                hint,
                index
                    .accounts
                    .iter()
                    .map(|entry| entry.signed_in.account.email.as_str()),
            ),
            Err(error) => {
                // The keychain failed: no account to compare with; the person still
                // confirms the address.
                tracing::info!(code = error.code(), "could not read the accounts");
                HintOnDevice::NoAccounts
            }
        }
    }

    /// Starts following the session if no follower runs.
    fn keep_following(&self) {
        let running = self
            .machine
            .follower
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|task| !task.is_finished());
        if !running {
            self.follow_session_check();
        }
    }

    /// Shows what `check` means for the screen; true when it is applied (on screen, or
    /// moot) and the follower can wait for the next word.
    fn apply_check(&self, check: SessionCheck) -> bool {
        let settling = matches!(self.state(), FlowState::Restoring | FlowState::Checking);
        match check {
            SessionCheck::NotNeeded => true,
            SessionCheck::Checking { .. } => false,
            SessionCheck::Unreachable { account_id, .. } => {
                self.update_signed_in(&account_id, |_, offline| *offline = true);
                false
            }
            SessionCheck::Confirmed(fresh) => {
                let account_id = fresh.account.id.clone();
                let shown = self.update_signed_in(&account_id, |signed_in, offline| {
                    *signed_in = fresh;
                    *offline = false;
                });
                shown || !settling
            }
            SessionCheck::Ended {
                account_id, email, ..
            } => {
                let showing = match self.state() {
                    FlowState::SignedIn { signed_in, .. } => signed_in.account.id == account_id,
                    FlowState::Locked { email: locked, .. } => locked == email,
                    _ => false,
                };
                if showing {
                    self.supersede();
                    self.show(FlowState::SignIn {
                        notice: Some(FlowNotice::SessionEnded),
                        email: Some(email),
                        claim_for: None,
                    });
                }
                showing || !settling
            }
        }
    }

    /// Changes the signed-in state of `account_id`, if it is on screen, with `change`;
    /// true when it is (subscribers hear of it only if something changed).
    fn update_signed_in(
        &self,
        account_id: &str,
        change: impl FnOnce(&mut SignedIn, &mut bool),
    ) -> bool {
        let changed = {
            let mut inner = self.lock();
            let FlowState::SignedIn {
                signed_in, offline, ..
            } = &mut inner.state
            else {
                return false;
            };
            if signed_in.account.id != account_id {
                return false;
            }
            let before = (signed_in.clone(), *offline);
            change(signed_in, offline);
            (before.0 != *signed_in || before.1 != *offline).then(|| inner.state.clone())
        };
        if let Some(state) = changed {
            self.machine.changes.send_replace(state);
        }
        true
    }

    /// The signed-in state, with the other accounts of this device for a switcher.
    async fn signed_in(
        &self,
        signed_in: SignedIn,
        offline: bool,
        notice: Option<FlowNotice>,
    ) -> FlowState {
        self.keep_following();
        let other_accounts = match self.auth().accounts().await {
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
        FlowState::SignedIn {
            signed_in,
            other_accounts,
            offline,
            notice,
        }
    }
}

fn welcome_failed(error: CoreError) -> FlowState {
    FlowState::Welcome {
        notice: Some(FlowNotice::Failed(error)),
    }
}
