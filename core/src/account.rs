//! Who is signed in: the account, the profiles it can act for, and the profile in use
//! (below both the session and the change notices, which carry it).

use portal_model::{AccountSummary, ProfileSummary};
use serde::{Deserialize, Serialize};

/// Who is signed in: the account, the profiles it can act for (a guardian's children
/// beside their own), and the profile the app shows now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
    /// The `patient_id` of the profile in use; one of `profiles` whenever there is one.
    #[serde(default)]
    pub current_profile_id: Option<String>,
}

impl SignedIn {
    /// The account with its profiles, keeping `preferred` as the current profile when
    /// it is still one of them, and otherwise the person's own profile, else the first.
    pub fn new(
        account: AccountSummary,
        profiles: Vec<ProfileSummary>,
        preferred: Option<&str>,
    ) -> Self {
        let current_profile_id = preferred
            .filter(|id| profiles.iter().any(|p| p.patient_id == *id))
            .map(str::to_owned)
            .or_else(|| {
                profiles
                    .iter()
                    .find(|p| p.role == portal_model::InviteRole::Patient)
                    .or(profiles.first())
                    .map(|p| p.patient_id.clone())
            });
        Self {
            account,
            profiles,
            current_profile_id,
        }
    }

    /// The profile in use, if the account has any.
    pub fn current_profile(&self) -> Option<&ProfileSummary> {
        let id = self.current_profile_id.as_deref()?;
        self.profiles.iter().find(|p| p.patient_id == id)
    }

    /// True when the account acts for `profile_id`.
    pub fn acts_for(&self, profile_id: &str) -> bool {
        self.profiles.iter().any(|p| p.patient_id == profile_id)
    }
}
