//! The account's files on this device: its encrypted database (opened on first use,
//! closed on lock, switch and sign-out) and what signing out removes.

use super::Context;
use crate::error::CoreError;
use crate::store::{self, OpenOutcome, StoreKey};
use std::path::PathBuf;

/// How much of an account [`Context::forget_account`] removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wipe {
    /// The session, the unlock verifier and the account's place in the index.
    SessionOnly,
    /// All of it, the offline copy and its key included.
    Everything,
}

impl Context {
    /// Where the account's files live, if the host gave a data directory.
    pub fn account_dir(&self, account_id: &str) -> Option<PathBuf> {
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        self.config
            .data_dir()
            .map(|dir| dir.join(safe(self.vault.scope())).join(safe(account_id)))
    }

    /// The open database of the account in use, opening it on first use. A file the key
    /// cannot open is set aside (never overwritten) and a fresh one is made.
    pub async fn store(&self) -> Result<(store::Store, Option<OpenOutcome>), CoreError> {
        let signed_in = self.require_unlocked()?;
        if let Some(open) = self.lock_store().clone() {
            return Ok((open, None));
        }
        let _turn = self.opening.lock().await;
        // Opened by the one whose turn came first.
        if let Some(open) = self.lock_store().clone() {
            let still = self.require_unlocked()?;
            if still.account.id == signed_in.account.id {
                return Ok((open, None));
            }
        }
        let dir = self
            .account_dir(&signed_in.account.id)
            .ok_or_else(|| CoreError::Config("no data directory was configured".to_owned()))?;
        let stored = self.vault.store_key(&signed_in.account.id).await?;
        let (key, key_is_new) = match stored.as_deref().and_then(StoreKey::from_stored) {
            Some(key) => (key, false),
            None => {
                let key = StoreKey::generate();
                self.vault
                    .set_store_key(&signed_in.account.id, key.as_stored())
                    .await?;
                (key, true)
            }
        };
        let (opened, outcome) =
            tokio::task::spawn_blocking(move || store::Store::open(&dir, &key, key_is_new))
                .await
                .map_err(|e| CoreError::Storage(format!("database task: {e}")))??;
        // The account may have changed or locked while the file opened.
        let still = self.require_unlocked()?;
        if still.account.id != signed_in.account.id {
            return Err(CoreError::NotSignedIn);
        }
        *self.lock_store() = Some(opened.clone());
        Ok((opened, Some(outcome)))
    }

    /// Removes what this device keeps of an account: with [`Wipe::Everything`] (signing
    /// out) the keychain entries and the files; with [`Wipe::SessionOnly`] (the server
    /// ended the session) only the session, so that writes still waiting in the outbox
    /// are sent after the person signs in again.
    pub async fn forget_account(&self, account_id: &str, wipe: Wipe) -> Result<(), CoreError> {
        *self.lock_store() = None;
        self.vault
            .forget(account_id, wipe == Wipe::SessionOnly)
            .await?;
        if wipe == Wipe::SessionOnly {
            return Ok(());
        }
        if let Some(dir) = self.account_dir(account_id) {
            tokio::task::spawn_blocking(move || store::delete_account_dir(&dir))
                .await
                .map_err(|e| CoreError::Storage(format!("file task: {e}")))??;
        }
        Ok(())
    }
}
