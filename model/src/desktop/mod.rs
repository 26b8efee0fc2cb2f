//! What the desktop shell tells its UI: one screen state at a time. The core's
//! onboarding flow decides it (`portal_core::flow`), the shell maps it and puts its
//! reasons into words; the UI only draws it and sends what the person typed or clicked.
//! Once signed in, the pages read live [`View`]s of the offline copy (`pages`); the
//! commands between the two are declared once (`commands`).

mod commands;
mod pages;

pub use commands::COMMANDS;
pub use pages::{
    AppointmentView, ConflictField, ContactConflict, DOWNLOAD_EVENT, Delivery, DocumentProgress,
    FormRefusal, FormView, HomeView, InvoiceItem, MessageRow, MessageTo, PAGE_SIZE, PickedFile,
    ProfileView, Refused, SYNC_EVENT, Sent, SyncBar, ThreadView, VIEW_EVENT, View, ViewData,
    ViewUpdate,
};

use crate::invite::{InviteInfo, InviteProblem};
use crate::join::JoinInfo;
use crate::session::{AccountSummary, ProfileSummary};
use serde::{Deserialize, Serialize};

/// What the app is, for the settings' About.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    /// The app's version, such as `0.1.0`.
    pub version: String,
    /// The practice's portal the app talks to.
    pub server: Option<String>,
    /// Whether the address is set for this computer (`PORTAL_SERVER_URL`: the demo, a
    /// managed install), so that the settings cannot change it.
    pub practice_fixed: bool,
}

/// A third-party component the app is built from, with its licence, for the About.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// The crate's name.
    pub name: String,
    pub version: String,
    /// Its licence, as an SPDX expression (`MIT OR Apache-2.0`).
    pub licence: String,
    /// Where its source (and the licence's full text) is; may be empty.
    pub repository: String,
}

/// The event the shell emits when a notification was clicked: open this conversation
/// (its thread id).
pub const OPEN_THREAD_EVENT: &str = "portal://open-thread";

/// The event name the shell emits whenever the screen changes.
pub const SCREEN_EVENT: &str = "portal://screen";

/// A problem shown to the person, with a stable code for tests and support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub code: String,
    pub title: String,
    pub detail: String,
}

/// The screen the UI should show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    /// Nothing opened yet: ask for the invitation link.
    Welcome { notice: Option<Notice> },
    /// First run, with no practice configured: ask for its portal's address. An https
    /// link opened meanwhile offers its own (`suggested`), and opens once it is chosen.
    ChooseServer {
        suggested: Option<String>,
        notice: Option<Notice>,
    },
    /// Looking up the invite a link points to.
    CheckingInvite,
    /// A valid invite: choose a password, once the person confirmed the invite's
    /// address is theirs. `notice` carries a failed attempt's reason.
    ChoosePassword {
        invite: InviteInfo,
        hint_on_device: crate::HintOnDevice,
        notice: Option<Notice>,
    },
    /// The invite cannot be used; the UI explains the next step.
    InviteUnusable { problem: InviteProblem },
    /// A new invitation was asked for: check email, or wait for the care team.
    InviteRenewed { provider_notified: bool },
    /// A password reset link: choose a new password for `email_hint`.
    ResetPassword {
        email_hint: String,
        notice: Option<Notice>,
    },
    /// Asking for a reset link: the person gives their email address.
    ForgotPassword { notice: Option<Notice> },
    /// A group join link: register with name, date of birth and email; the practice
    /// answers by email.
    Join {
        info: JoinInfo,
        notice: Option<Notice>,
    },
    /// Looking for a session kept on this device (start-up).
    Restoring,
    /// Sign in with email and password. `claim_for` names the patient whose invite is
    /// added to the account after signing in (an invite to an email that has one).
    SignIn {
        notice: Option<Notice>,
        email: Option<String>,
        claim_for: Option<String>,
    },
    /// Signed in. `offline`: the server could not confirm it yet. `current_profile_id`
    /// is the profile in use (a guardian picks among their children's);
    /// `other_accounts` are the other accounts signed in on this computer.
    SignedIn {
        account: AccountSummary,
        profiles: Vec<ProfileSummary>,
        current_profile_id: Option<String>,
        other_accounts: Vec<AccountSummary>,
        offline: bool,
        notice: Option<Notice>,
    },
    /// Locked after the idle timeout: the password of `email` unlocks.
    Locked {
        email: String,
        notice: Option<Notice>,
    },
}
