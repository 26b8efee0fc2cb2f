//! What this device keeps about its accounts, all in the secret store: each session's
//! tokens, and the index of signed-in accounts with their cached profiles (emails and
//! names are personal data, so they do not go to a plain file).

use crate::client::SignedIn;
use crate::error::CoreError;
use crate::secrets::SecretStore;
use chrono::{DateTime, Utc};
use portal_model::Session;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The tokens of a session.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct StoredTokens {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredTokens(<redacted>)")
    }
}

/// The accounts signed in on this device, the current one first in mind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AccountIndex {
    pub current: Option<String>,
    pub accounts: Vec<SignedIn>,
}

/// Typed access to the secret store for one server.
#[derive(Clone)]
pub(crate) struct Vault {
    secrets: Arc<dyn SecretStore>,
    /// `{host}:{port}`: entries of different servers never mix.
    scope: String,
}

impl Vault {
    pub fn new(secrets: Arc<dyn SecretStore>, scope: String) -> Self {
        Self { secrets, scope }
    }

    /// The key under which an account's tokens are kept.
    pub fn session_key(&self, account_id: &str) -> String {
        format!("session:{}:{account_id}", self.scope)
    }

    fn index_key(&self) -> String {
        format!("accounts:{}", self.scope)
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, CoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn SecretStore) -> Result<T, CoreError> + Send + 'static,
    {
        let secrets = Arc::clone(&self.secrets);
        tokio::task::spawn_blocking(move || work(secrets.as_ref()))
            .await
            .map_err(|e| CoreError::Config(format!("keychain task: {e}")))?
    }

    async fn read_json<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        key: String,
    ) -> Result<Option<T>, CoreError> {
        self.blocking(move |store| {
            // An unreadable entry (from a newer version, or damaged) counts as absent.
            Ok(store
                .get(&key)?
                .and_then(|json| serde_json::from_str::<T>(&json).ok()))
        })
        .await
    }

    async fn write_json<T: Serialize>(&self, key: String, value: &T) -> Result<(), CoreError> {
        let json = serde_json::to_string(value)
            .map_err(|e| CoreError::Config(format!("encoding for the keychain: {e}")))?;
        self.blocking(move |store| Ok(store.set(&key, &json)?))
            .await
    }

    /// Proves the store can keep a secret now: a locked keychain may still answer reads.
    pub async fn probe(&self) -> Result<(), CoreError> {
        let key = format!("probe:{}", self.scope);
        self.blocking(move |store| {
            store.set(&key, "probe")?;
            Ok(store.delete(&key)?)
        })
        .await
    }

    pub async fn index(&self) -> Result<AccountIndex, CoreError> {
        Ok(self.read_json(self.index_key()).await?.unwrap_or_default())
    }

    pub async fn tokens(&self, account_id: &str) -> Result<Option<StoredTokens>, CoreError> {
        self.read_json(self.session_key(account_id)).await
    }

    /// Keeps a fresh session: its tokens, and the account as current in the index.
    pub async fn remember(&self, session: &Session) -> Result<SignedIn, CoreError> {
        let tokens = StoredTokens {
            access_token: session.access_token.clone(),
            access_expires_at: session.access_expires_at,
            refresh_token: session.refresh_token.clone(),
        };
        self.write_json(self.session_key(&session.account.id), &tokens)
            .await?;
        let signed_in = SignedIn {
            account: session.account.clone(),
            profiles: session.profiles.clone(),
        };
        let mut index = self.index().await?;
        index
            .accounts
            .retain(|a| a.account.id != signed_in.account.id);
        index.accounts.push(signed_in.clone());
        index.current = Some(signed_in.account.id.clone());
        self.write_json(self.index_key(), &index).await?;
        Ok(signed_in)
    }

    /// Updates the cached profiles of an account.
    pub async fn update_profiles(&self, signed_in: &SignedIn) -> Result<(), CoreError> {
        let mut index = self.index().await?;
        for entry in &mut index.accounts {
            if entry.account.id == signed_in.account.id {
                entry.clone_from(signed_in);
            }
        }
        self.write_json(self.index_key(), &index).await
    }

    /// Removes an account's tokens and its index entry.
    pub async fn forget(&self, account_id: &str) -> Result<(), CoreError> {
        let key = self.session_key(account_id);
        self.blocking(move |store| Ok(store.delete(&key)?)).await?;
        let mut index = self.index().await?;
        index.accounts.retain(|a| a.account.id != account_id);
        if index.current.as_deref() == Some(account_id) {
            index.current = index.accounts.last().map(|a| a.account.id.clone());
        }
        if index.accounts.is_empty() {
            let key = self.index_key();
            self.blocking(move |store| Ok(store.delete(&key)?)).await
        } else {
            self.write_json(self.index_key(), &index).await
        }
    }
}
