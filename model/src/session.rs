//! Sessions, accounts and the profiles an account can act for.

use crate::invite::{InviteRole, PracticeRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The login identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: String,
    pub email: String,
}

/// A patient the account can act for: itself (`self`) or a dependant (`guardian`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub patient_id: String,
    pub role: InviteRole,
    pub first_name: String,
    pub last_name: String,
    pub practice: PracticeRef,
}

/// A signed-in session as the server hands it out (login, accept, refresh).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"<redacted>")
            .field("account", &self.account.id)
            .field("profiles", &self.profiles.len())
            .finish()
    }
}
