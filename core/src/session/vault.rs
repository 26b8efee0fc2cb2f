//! What this device keeps about its accounts, all in the secret store: each session's
//! tokens, and the index of signed-in accounts with their cached profiles (emails and
//! names are personal data, so they do not go to a plain file).

use crate::account::SignedIn;
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

/// The accounts signed in on this device, and which one is in use.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AccountIndex {
    pub current: Option<String>,
    pub accounts: Vec<AccountEntry>,
}

impl AccountIndex {
    /// The entry of `account_id`, if it is signed in here.
    pub fn entry(&self, account_id: &str) -> Option<&AccountEntry> {
        self.accounts
            .iter()
            .find(|entry| entry.signed_in.account.id == account_id)
    }

    fn entry_mut(&mut self, account_id: &str) -> Option<&mut AccountEntry> {
        self.accounts
            .iter_mut()
            .find(|entry| entry.signed_in.account.id == account_id)
    }

    /// The entry of the account in use.
    pub fn current_entry(&self) -> Option<&AccountEntry> {
        self.entry(self.current.as_deref()?)
    }
}

/// One account signed in on this device. Older versions stored a bare [`SignedIn`];
/// the flattened layout reads those too.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccountEntry {
    #[serde(flatten)]
    pub signed_in: SignedIn,
    /// When the person last used the app with this account: a restart after the idle
    /// timeout starts locked.
    #[serde(default)]
    pub last_active: Option<DateTime<Utc>>,
}

/// What unlocks a locked session offline: an argon2id hash of the password, keyed
/// with this device's secret (argon2's secret input), so that the verifier alone (a
/// backup, a copied keychain item) cannot be used to test guesses of the server
/// password. Verifiers from before the key are checked as they are and replaced by a
/// keyed one at the next unlock.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct StoredVerifier {
    pub phc: String,
    #[serde(default)]
    pub keyed: bool,
}

/// Typed access to the secret store for one server.
#[derive(Clone)]
pub(crate) struct Vault {
    secrets: Arc<dyn SecretStore>,
    /// `{host}:{port}`: entries of different servers never mix.
    scope: String,
    /// Held across each read-modify-write of the index, so that concurrent calls (a
    /// sign-out racing a `touch`) never write back an account that was just removed.
    index_turn: Arc<tokio::sync::Mutex<()>>,
}

/// Sign-outs kept at most until the server confirms them.
const MAX_PENDING_SIGNOUTS: usize = 20;

impl Vault {
    pub fn new(secrets: Arc<dyn SecretStore>, scope: String) -> Self {
        Self {
            secrets,
            scope,
            index_turn: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The key under which an account's tokens are kept.
    pub fn session_key(&self, account_id: &str) -> String {
        format!("session:{}:{account_id}", self.scope)
    }

    fn index_key(&self) -> String {
        format!("accounts:{}", self.scope)
    }

    fn verifier_key(&self, account_id: &str) -> String {
        format!("verifier:{}:{account_id}", self.scope)
    }

    fn store_key_key(&self, account_id: &str) -> String {
        format!("store-key:{}:{account_id}", self.scope)
    }

    fn unlock_failures_key(&self, account_id: &str) -> String {
        format!("unlock-failures:{}:{account_id}", self.scope)
    }

    fn device_secret_key(&self) -> String {
        format!("device-secret:{}", self.scope)
    }

    fn pending_signouts_key(&self) -> String {
        format!("pending-signouts:{}", self.scope)
    }

    /// `{host}:{port}` of the server these entries belong to.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The key of an account's offline database, if one was made.
    pub async fn store_key(&self, account_id: &str) -> Result<Option<String>, CoreError> {
        let key = self.store_key_key(account_id);
        self.blocking(move |store| Ok(store.get(&key)?)).await
    }

    /// Keeps the key of an account's offline database.
    pub async fn set_store_key(&self, account_id: &str, value: &str) -> Result<(), CoreError> {
        let key = self.store_key_key(account_id);
        let value = value.to_owned();
        self.blocking(move |store| Ok(store.set(&key, &value)?))
            .await
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

    /// The offline password verifier of an account, if one was kept.
    pub async fn verifier(&self, account_id: &str) -> Result<Option<StoredVerifier>, CoreError> {
        self.read_json(self.verifier_key(account_id)).await
    }

    /// Wrong passwords given at the lock screen for an account since its last unlock,
    /// kept across restarts.
    pub async fn unlock_failures(&self, account_id: &str) -> Result<u32, CoreError> {
        Ok(self
            .read_json(self.unlock_failures_key(account_id))
            .await?
            .unwrap_or(0))
    }

    /// Sets that count (0 removes it).
    pub async fn set_unlock_failures(&self, account_id: &str, count: u32) -> Result<(), CoreError> {
        let key = self.unlock_failures_key(account_id);
        if count == 0 {
            return self.blocking(move |store| Ok(store.delete(&key)?)).await;
        }
        self.write_json(key, &count).await
    }

    /// This device's secret for keying verifiers (32 random bytes, hex), made on first
    /// use and kept for the device's life.
    pub async fn device_secret(&self) -> Result<Vec<u8>, CoreError> {
        let key = self.device_secret_key();
        self.blocking(move |store| {
            if let Some(text) = store.get(&key)?
                && let Some(bytes) = from_hex(&text)
                && bytes.len() == 32
            {
                return Ok(bytes);
            }
            let mut bytes = vec![0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            store.set(&key, &text)?;
            Ok(bytes)
        })
        .await
    }

    /// Keeps the offline password verifier of an account.
    pub async fn set_verifier(
        &self,
        account_id: &str,
        verifier: &StoredVerifier,
    ) -> Result<(), CoreError> {
        self.write_json(self.verifier_key(account_id), verifier)
            .await
    }

    /// Keeps a fresh session: its tokens, and the account as current in the index. The
    /// account's profile selection survives when that profile is still there. `active_at`
    /// is the time of use when the person signed in; a background refresh passes `None`
    /// and keeps the recorded time.
    pub async fn remember(
        &self,
        session: &Session,
        active_at: Option<DateTime<Utc>>,
    ) -> Result<SignedIn, CoreError> {
        let tokens = StoredTokens {
            access_token: session.access_token.clone(),
            access_expires_at: session.access_expires_at,
            refresh_token: session.refresh_token.clone(),
        };
        self.write_json(self.session_key(&session.account.id), &tokens)
            .await?;
        let _turn = self.index_turn.lock().await;
        let mut index = self.index().await?;
        let previous = index.entry(&session.account.id);
        let last_active = active_at.or(previous.and_then(|entry| entry.last_active));
        let previous = previous.and_then(|entry| entry.signed_in.current_profile_id.clone());
        let signed_in = SignedIn::new(
            session.account.clone(),
            session.profiles.clone(),
            previous.as_deref(),
        );
        index
            .accounts
            .retain(|entry| entry.signed_in.account.id != signed_in.account.id);
        index.accounts.push(AccountEntry {
            signed_in: signed_in.clone(),
            last_active,
        });
        index.current = Some(signed_in.account.id.clone());
        self.write_json(self.index_key(), &index).await?;
        Ok(signed_in)
    }

    /// Keeps a refreshed session of an account signed in here: its new tokens and the
    /// server's profile list (the profile in use stays when it still is one). Changes
    /// neither the account in use nor the order. `None`, writing nothing, when the
    /// account was signed out of this device meanwhile.
    pub async fn renew(&self, session: &Session) -> Result<Option<SignedIn>, CoreError> {
        let _turn = self.index_turn.lock().await;
        let mut index = self.index().await?;
        let Some(entry) = index.entry_mut(&session.account.id) else {
            return Ok(None);
        };
        let tokens = StoredTokens {
            access_token: session.access_token.clone(),
            access_expires_at: session.access_expires_at,
            refresh_token: session.refresh_token.clone(),
        };
        self.write_json(self.session_key(&session.account.id), &tokens)
            .await?;
        let signed_in = SignedIn::new(
            session.account.clone(),
            session.profiles.clone(),
            entry.signed_in.current_profile_id.as_deref(),
        );
        entry.signed_in = signed_in.clone();
        self.write_json(self.index_key(), &index).await?;
        Ok(Some(signed_in))
    }

    /// Updates the cached account (its profiles and profile selection).
    pub async fn update(&self, signed_in: &SignedIn) -> Result<(), CoreError> {
        let _turn = self.index_turn.lock().await;
        let mut index = self.index().await?;
        if let Some(entry) = index.entry_mut(&signed_in.account.id) {
            entry.signed_in.clone_from(signed_in);
        }
        self.write_json(self.index_key(), &index).await
    }

    /// Makes `account_id` the account in use; false when it is not signed in here.
    pub async fn make_current(&self, account_id: &str) -> Result<bool, CoreError> {
        let _turn = self.index_turn.lock().await;
        let mut index = self.index().await?;
        if index.entry(account_id).is_none() {
            return Ok(false);
        }
        index.current = Some(account_id.to_owned());
        self.write_json(self.index_key(), &index).await?;
        Ok(true)
    }

    /// Records that the person used the app with `account_id` at `at`.
    pub async fn mark_active(&self, account_id: &str, at: DateTime<Utc>) -> Result<(), CoreError> {
        let _turn = self.index_turn.lock().await;
        let mut index = self.index().await?;
        let Some(entry) = index.entry_mut(account_id) else {
            return Ok(());
        };
        entry.last_active = Some(at);
        self.write_json(self.index_key(), &index).await
    }

    /// Refresh tokens of sessions signed out on this device while the server could not
    /// be reached: each still has to be ended on the server
    /// (`Context::end_pending_signouts`). They can do nothing but that.
    pub async fn pending_signouts(&self) -> Result<Vec<String>, CoreError> {
        Ok(self
            .read_json(self.pending_signouts_key())
            .await?
            .unwrap_or_default())
    }

    /// Keeps `refresh_token` until the server confirms its session ended.
    pub async fn add_pending_signout(&self, refresh_token: &str) -> Result<(), CoreError> {
        let _turn = self.index_turn.lock().await;
        let mut pending = self.pending_signouts().await?;
        if !pending.iter().any(|token| token == refresh_token) {
            pending.push(refresh_token.to_owned());
        }
        // A device signs out a handful of times between connections; past this, the
        // oldest go (their sessions still end by the server's idle limit).
        let keep = pending.len().saturating_sub(MAX_PENDING_SIGNOUTS);
        pending.drain(..keep);
        self.write_json(self.pending_signouts_key(), &pending).await
    }

    /// Forgets `refresh_token` once the server has ended its session.
    pub async fn remove_pending_signout(&self, refresh_token: &str) -> Result<(), CoreError> {
        let _turn = self.index_turn.lock().await;
        let mut pending = self.pending_signouts().await?;
        pending.retain(|token| token != refresh_token);
        if pending.is_empty() {
            let key = self.pending_signouts_key();
            self.blocking(move |store| Ok(store.delete(&key)?)).await
        } else {
            self.write_json(self.pending_signouts_key(), &pending).await
        }
    }

    /// Removes an account's tokens, its verifier and its index entry, and unless
    /// `keep_store_key`, the key of its offline copy.
    pub async fn forget(&self, account_id: &str, keep_store_key: bool) -> Result<(), CoreError> {
        let _turn = self.index_turn.lock().await;
        self.forget_in_turn(account_id, keep_store_key).await
    }

    /// [`Vault::forget`] (keeping the store's key), only if the session kept for
    /// `account_id` is still the one whose access token is `access`: an answer about a
    /// session replaced meanwhile (a sign-in since) must not end the new one. True when
    /// it forgot.
    pub async fn forget_session_of(
        &self,
        account_id: &str,
        access: &str,
    ) -> Result<bool, CoreError> {
        let _turn = self.index_turn.lock().await;
        match self.tokens(account_id).await? {
            Some(tokens) if tokens.access_token == access => {}
            _ => return Ok(false),
        }
        self.forget_in_turn(account_id, true).await?;
        Ok(true)
    }

    /// The work of [`Vault::forget`], with the index's turn held by the caller.
    async fn forget_in_turn(
        &self,
        account_id: &str,
        keep_store_key: bool,
    ) -> Result<(), CoreError> {
        let mut keys = vec![
            self.session_key(account_id),
            self.verifier_key(account_id),
            self.unlock_failures_key(account_id),
        ];
        if !keep_store_key {
            keys.push(self.store_key_key(account_id));
        }
        // Under the index's turn (the caller's), so that a refresh finishing meanwhile
        // ([`Vault::renew`]) either writes before this removes, or finds the account gone.
        self.blocking(move |store| {
            for key in &keys {
                store.delete(key)?;
            }
            Ok(())
        })
        .await?;
        let mut index = self.index().await?;
        index
            .accounts
            .retain(|entry| entry.signed_in.account.id != account_id);
        if index.current.as_deref() == Some(account_id) {
            index.current = index
                .accounts
                .last()
                .map(|entry| entry.signed_in.account.id.clone());
        }
        if index.accounts.is_empty() {
            // The last account gone: the device secret goes too (it keys only their
            // verifiers), so that signing out leaves nothing behind.
            let keys = [self.index_key(), self.device_secret_key()];
            self.blocking(move |store| {
                for key in &keys {
                    store.delete(key)?;
                }
                Ok(())
            })
            .await
        } else {
            self.write_json(self.index_key(), &index).await
        }
    }
}

/// Bytes from lowercase or uppercase hex; `None` for anything else.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
