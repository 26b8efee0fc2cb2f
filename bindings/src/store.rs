//! The host's keychain, as a foreign trait core can use.

use crate::error::SecretStoreError;
use std::sync::Arc;

/// Implemented by the host app over its keychain (iOS Keychain, Android Keystore).
/// Must persist across restarts and never write secrets in clear.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    /// The secret under `key`, or none.
    fn get(&self, key: String) -> Result<Option<String>, SecretStoreError>;
    /// Stores `value` under `key`.
    fn set(&self, key: String, value: String) -> Result<(), SecretStoreError>;
    /// Removes `key`; a missing key is not an error.
    fn delete(&self, key: String) -> Result<(), SecretStoreError>;
}

/// Adapts the host's store to core's trait.
pub(crate) struct ForeignStore(pub Arc<dyn SecretStore>);

impl portal_core::SecretStore for ForeignStore {
    fn get(&self, key: &str) -> Result<Option<String>, portal_core::SecretError> {
        self.0.get(key.to_owned()).map_err(Into::into)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), portal_core::SecretError> {
        self.0
            .set(key.to_owned(), value.to_owned())
            .map_err(Into::into)
    }

    fn delete(&self, key: &str) -> Result<(), portal_core::SecretError> {
        self.0.delete(key.to_owned()).map_err(Into::into)
    }
}
