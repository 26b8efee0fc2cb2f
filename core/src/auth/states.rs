//! What an invite link leads to, as typed outcomes a UI can act on.

use portal_model::{InviteInfo, InviteProblem};

/// The state of the invite behind a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteState {
    /// Valid: choose a password (or, with `account_exists`, sign in and claim).
    Valid(InviteInfo),
    /// Cannot be used; each problem has its own next step.
    Unusable(InviteProblem),
}

/// What asking for a new invite led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewOutcome {
    /// A fresh invite is on its way to the email on file.
    Sent,
    /// The practice renews invites itself: the provider was asked to send one.
    ProviderNotified,
    /// The invite still works: choose a password with it.
    StillValid,
    /// The invite cannot be renewed (used, replaced or unknown).
    Unusable(InviteProblem),
}

/// The state of a group join link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinState {
    /// Open: show the group and ask for the person's details.
    Valid(portal_model::JoinInfo),
    /// Past its 4 days: ask the practice for a new link.
    Expired,
    /// No such link.
    NotFound,
}

/// The state of a password reset link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetState {
    /// Usable: choose a new password for the account shown as `email_hint`.
    Valid { email_hint: String },
    /// Older than an hour: ask for a new link.
    Expired,
    /// Already used: sign in with the new password, or ask for a new link.
    Used,
    /// No such link.
    NotFound,
}
