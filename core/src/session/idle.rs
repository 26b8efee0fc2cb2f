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

/// Argon2id with the server's parameters (OWASP: m = 19 MiB, t = 2, p = 1), keyed with
/// `secret` when given.
fn argon2(secret: Option<&[u8]>) -> Result<Argon2<'_>, CoreError> {
    let params = Params::new(19_456, 2, 1, None)
        .map_err(|e| CoreError::Config(format!("argon2 parameters: {e}")))?;
    match secret {
        Some(secret) => {
            Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, params)
                .map_err(|e| CoreError::Config(format!("argon2 secret: {e}")))
        }
        None => Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
    }
}

/// A new verifier for `password`, keyed with the device's `secret`. CPU-heavy: call
/// from a blocking thread.
pub(crate) fn make_verifier(password: &str, secret: &[u8]) -> Result<StoredVerifier, CoreError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| CoreError::Config(format!("argon2 salt: {e}")))?;
    let phc = argon2(Some(secret))?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| CoreError::Config(format!("argon2 hashing: {e}")))?
        .to_string();
    Ok(StoredVerifier { phc, keyed: true })
}

/// Whether `password` matches `verifier` (keyed with the device's `secret`, or an
/// older unkeyed one); `None` for a damaged verifier (the caller then asks the server
/// instead). CPU-heavy: call from a blocking thread.
pub(crate) fn check_verifier(
    verifier: &StoredVerifier,
    password: &str,
    secret: &[u8],
) -> Result<Option<bool>, CoreError> {
    let Ok(parsed) = PasswordHash::new(&verifier.phc) else {
        return Ok(None);
    };
    let key = verifier.keyed.then_some(secret);
    Ok(Some(
        argon2(key)?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_accepts_its_password_only_and_is_argon2id() {
        let secret = [7u8; 32];
        let verifier = make_verifier("river otter paints blue", &secret).unwrap();
        assert!(verifier.phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!verifier.phc.contains("river"));
        assert_eq!(
            check_verifier(&verifier, "river otter paints blue", &secret).unwrap(),
            Some(true)
        );
        assert_eq!(
            check_verifier(&verifier, "river otter paints red", &secret).unwrap(),
            Some(false)
        );
        let damaged = StoredVerifier {
            phc: "not a hash".to_owned(),
            keyed: true,
        };
        assert_eq!(
            check_verifier(&damaged, "river otter paints blue", &secret).unwrap(),
            None
        );
    }

    #[test]
    fn a_verifier_is_useless_without_the_devices_secret() {
        let verifier = make_verifier("river otter paints blue", &[7u8; 32]).unwrap();
        // Another device's secret, or none (an attacker holding only the verifier).
        assert_eq!(
            check_verifier(&verifier, "river otter paints blue", &[8u8; 32]).unwrap(),
            Some(false)
        );
        let parsed = PasswordHash::new(&verifier.phc).unwrap();
        assert!(
            argon2(None)
                .unwrap()
                .verify_password(b"river otter paints blue", &parsed)
                .is_err()
        );
        // A verifier from before the key still works (and is replaced at unlock).
        let plain = argon2(None)
            .unwrap()
            .hash_password(
                b"river otter paints blue",
                &SaltString::encode_b64(&[1u8; 16]).unwrap(),
            )
            .unwrap()
            .to_string();
        let old = StoredVerifier {
            phc: plain,
            keyed: false,
        };
        assert_eq!(
            check_verifier(&old, "river otter paints blue", &[7u8; 32]).unwrap(),
            Some(true)
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
