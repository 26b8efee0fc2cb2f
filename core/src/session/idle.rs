//! The idle lock's state: the record of use, the locked account, and the argon2id
//! verifier that checks the password offline. After a stretch without use (15 minutes
//! unless configured) the session locks: the core drops the account and its profiles
//! from memory and refuses signed-in calls until the person gives their password again
//! (`crate::idle_lock`, the part apps call).

use super::vault::StoredVerifier;
use crate::error::CoreError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;

pub use crate::config::DEFAULT_IDLE_TIMEOUT;

/// Wrong passwords in a row at the lock screen before this device signs the account
/// out (its tokens and verifier are removed; signing in again needs the server).
pub const MAX_UNLOCK_ATTEMPTS: u32 = 5;

/// How often, at most, the time of last use is written to the secret store.
pub(crate) const ACTIVITY_WRITE_INTERVAL: Duration = Duration::minutes(1);

/// Whether the app is usable now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    /// Nobody is signed in.
    NotSignedIn,
    /// Signed in and usable; locks at `locks_at` unless the person is active before.
    Unlocked { locks_at: DateTime<Utc> },
    /// Locked: ask for the password of `email` (the only thing kept in memory).
    Locked { account_id: String, email: String },
}

/// The locked account, as little of it as the lock screen needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockedAccount {
    pub account_id: String,
    pub email: String,
}

/// The in-memory record of use.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    /// The last time the person used the app.
    pub last: DateTime<Utc>,
    /// The last time that was written to the secret store.
    pub persisted: Option<DateTime<Utc>>,
    /// Set while locked.
    pub locked: Option<LockedAccount>,
    /// Wrong passwords given at the lock screen since it locked.
    pub failed_unlocks: u32,
}

impl Activity {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            last: now,
            persisted: None,
            locked: None,
            failed_unlocks: 0,
        }
    }

    /// True when `timeout` has passed since the last use.
    pub fn is_idle(&self, now: DateTime<Utc>, timeout: Duration) -> bool {
        now - self.last >= timeout
    }
}

fn argon2() -> Result<Argon2<'static>, CoreError> {
    // The server's parameters (OWASP: argon2id, m = 19 MiB, t = 2, p = 1).
    let params = Params::new(19_456, 2, 1, None)
        .map_err(|e| CoreError::Config(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A new verifier for `password`. CPU-heavy: call from a blocking thread.
pub(crate) fn make_verifier(password: &str) -> Result<StoredVerifier, CoreError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| CoreError::Config(format!("argon2 salt: {e}")))?;
    let phc = argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| CoreError::Config(format!("argon2 hashing: {e}")))?
        .to_string();
    Ok(StoredVerifier { phc })
}

/// Whether `password` matches `verifier`; `None` for a damaged verifier (the caller
/// then asks the server instead). CPU-heavy: call from a blocking thread.
pub(crate) fn check_verifier(
    verifier: &StoredVerifier,
    password: &str,
) -> Result<Option<bool>, CoreError> {
    let Ok(parsed) = PasswordHash::new(&verifier.phc) else {
        return Ok(None);
    };
    Ok(Some(
        argon2()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_accepts_its_password_only_and_is_argon2id() {
        let verifier = make_verifier("river otter paints blue").unwrap();
        assert!(verifier.phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!verifier.phc.contains("river"));
        assert_eq!(
            check_verifier(&verifier, "river otter paints blue").unwrap(),
            Some(true)
        );
        assert_eq!(
            check_verifier(&verifier, "river otter paints red").unwrap(),
            Some(false)
        );
        let damaged = StoredVerifier {
            phc: "not a hash".to_owned(),
        };
        assert_eq!(
            check_verifier(&damaged, "river otter paints blue").unwrap(),
            None
        );
    }

    #[test]
    fn idleness_is_measured_from_the_last_use() {
        let start = Utc::now();
        let mut activity = Activity::new(start);
        assert!(!activity.is_idle(start + Duration::minutes(14), DEFAULT_IDLE_TIMEOUT));
        assert!(activity.is_idle(start + Duration::minutes(15), DEFAULT_IDLE_TIMEOUT));
        activity.last = start + Duration::minutes(10);
        assert!(!activity.is_idle(start + Duration::minutes(20), DEFAULT_IDLE_TIMEOUT));
    }
}
