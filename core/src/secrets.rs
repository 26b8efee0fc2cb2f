//! Secrets (session tokens) live only in a [`SecretStore`]: the OS keychain on desktop,
//! the host app's keychain on mobile. There is no plaintext fallback.

/// Why a secret could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No keychain on this system, or it is locked.
    #[error(
        "No system keychain is available to keep your sign-in safe ({0}). \
         Start or unlock your desktop's keyring (for example GNOME Keyring) and try again."
    )]
    Unavailable(String),
    /// The keychain refused or failed.
    #[error("The system keychain failed: {0}")]
    Failed(String),
}

/// Where secrets are kept. Implementations must persist across restarts and must not
/// write secrets anywhere in clear.
pub trait SecretStore: Send + Sync {
    /// The secret stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<String>, SecretError>;
    /// Stores `value` under `key`, replacing what was there.
    fn set(&self, key: &str, value: &str) -> Result<(), SecretError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
}

/// The OS keychain through the `keyring` crate (Secret Service on Linux desktops).
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// A store whose entries are filed under `service` (such as the app's identifier).
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, key).map_err(map_keyring)
    }
}

/// How long to wait before each new try when the keychain service answers that it
/// cannot serve now. GNOME Keyring briefly has no default collection while it reloads
/// a keyring file (seen after a client was killed in the middle of a write): a second
/// try a moment later succeeds, where giving up would sign the person out or lose a
/// write. A keychain that stays unavailable still fails, after about a second.
const RETRY_AFTER: [std::time::Duration; 3] = [
    std::time::Duration::from_millis(50),
    std::time::Duration::from_millis(200),
    std::time::Duration::from_millis(600),
];

/// Runs `call`, trying again after each of [`RETRY_AFTER`] while the keychain service
/// says it cannot serve (not for a missing entry or a refusal).
fn with_retries<T>(
    mut call: impl FnMut() -> Result<T, keyring::Error>,
) -> Result<T, keyring::Error> {
    let mut waits = RETRY_AFTER.iter();
    loop {
        let result = call();
        let cannot_serve = matches!(
            result,
            Err(keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_))
        );
        match waits.next() {
            Some(wait) if cannot_serve => std::thread::sleep(*wait),
            _ => return result,
        }
    }
}

fn map_keyring(error: keyring::Error) -> SecretError {
    match error {
        keyring::Error::NoStorageAccess(inner) => SecretError::Unavailable(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable(inner.to_string()),
        other => SecretError::Failed(other.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        let entry = self.entry(key)?;
        match with_retries(|| entry.get_password()) {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(other) => Err(map_keyring(other)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), SecretError> {
        let entry = self.entry(key)?;
        with_retries(|| entry.set_password(value)).map_err(map_keyring)
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let entry = self.entry(key)?;
        match with_retries(|| entry.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(other) => Err(map_keyring(other)),
        }
    }
}
