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
