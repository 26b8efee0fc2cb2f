//! Plain types shared by every part of Patient Portal: the protocol's request and
//! response bodies, stable error codes, the password policy, and the desktop UI's view
//! state. No I/O; builds for wasm32. With the `uniffi` feature (the bindings'), the
//! error codes and the record types cross the FFI as enums and records.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod admin;
#[cfg(feature = "common-passwords")]
pub mod common_passwords;
// The password tests need the list: fail loudly rather than skip them.
#[cfg(all(test, not(feature = "common-passwords")))]
compile_error!(
    "portal-model's tests need the list: cargo test -p portal-model --features common-passwords"
);
pub mod desktop;
pub mod error;
pub mod invite;
pub mod join;
pub mod password;
pub mod records;
pub mod session;
pub mod sync;
pub mod views;
pub mod writes;

pub use error::{ApiErrorBody, ErrorCode, ErrorDetail};
pub use invite::{
    AcceptInviteRequest, HintOnDevice, InviteInfo, InviteProblem, InviteRole, PracticeRef,
};
pub use join::{FormRef, GroupRef, JoinInfo, JoinRequest};
pub use password::{PasswordCheck, PasswordPolicy, PolicyRule, RuleOutcome};
pub use session::{
    AccountSummary, CareTeam, ChangePasswordRequest, LoginRequest, Me, NewPasswordRequest,
    PasswordResetRequest, ProfileSummary, ProfilesAnswer, ProviderRef, RefreshRequest, ResetInfo,
    Session, StatusAnswer,
};
