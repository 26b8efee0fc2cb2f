//! Calling the server as the signed-in account: the session's tokens from the keychain,
//! refreshed once (and only once, even when calls race) when the access token is stale,
//! and dropped when the server says the session is over.

use super::{Context, SignedIn, idle::make_verifier};
use crate::error::CoreError;
use crate::http::{Failure, network};
use portal_model::{ApiErrorBody, ErrorCode, RefreshRequest, Session};
use reqwest::{Method, StatusCode};

/// Ends the session on this device when an answer says the server ended it.
/// The codes by which the server says a session is over for good.
pub(crate) fn is_session_end(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::SessionExpired | ErrorCode::SessionRevoked | ErrorCode::Unauthorized
    )
}

impl Context {
    /// Keeps a new session (from a password the person just typed): tokens, the
    /// offline verifier for the lock screen, and the account as the one in use.
    pub async fn start_session(
        &self,
        session: &Session,
        password: &str,
    ) -> Result<SignedIn, CoreError> {
        let now = self.now();
        *self.lock_store() = None;
        // The password was just checked: a restored session's check is moot.
        self.end_session_check();
        let signed_in = self.vault.remember(session, Some(now)).await?;
        self.set_unlock_password(&signed_in.account.id, password)
            .await?;
        self.mark_unlocked(now, Some(now));
        self.set_current(Some(signed_in.clone()));
        Ok(signed_in)
    }

    /// Makes `password`, which the server just accepted, the one that opens the lock
    /// screen of `account_id` offline, and ends any count of wrong ones.
    pub async fn set_unlock_password(
        &self,
        account_id: &str,
        password: &str,
    ) -> Result<(), CoreError> {
        let password = password.to_owned();
        let secret = self.vault.device_secret().await?;
        let verifier = tokio::task::spawn_blocking(move || make_verifier(&password, &secret))
            .await
            .map_err(|e| CoreError::Config(format!("verifier task: {e}")))??;
        self.vault.set_verifier(account_id, &verifier).await?;
        self.vault.set_unlock_failures(account_id, 0).await
    }

    /// Exchanges the account's refresh token for a new pair, once even when many calls
    /// race: a caller that waited finds the tokens already renewed and uses them.
    /// `seen_access` is the access token the caller found stale, if any.
    pub async fn refresh(
        &self,
        account_id: &str,
        seen_access: Option<&str>,
    ) -> Result<SignedIn, CoreError> {
        let _turn = self.refreshing.lock().await;
        let tokens = self
            .vault
            .tokens(account_id)
            .await?
            .ok_or(CoreError::NotSignedIn)?;
        if let Some(seen) = seen_access
            && seen != tokens.access_token
        {
            // Someone else refreshed while this call waited.
            return self.signed_in().ok_or(CoreError::NotSignedIn);
        }
        let seen_tokens_access = tokens.access_token;
        let request = RefreshRequest {
            refresh_token: tokens.refresh_token,
        };
        let answer = self
            .api
            .send::<_, Session>(Method::POST, "/v1/auth/refresh", Some(&request))
            .await?;
        match answer {
            Ok(session) => match self.vault.renew(&session).await? {
                Some(signed_in) => Ok(signed_in),
                None => {
                    // Signed out of this device while the answer was on its way: end the
                    // fresh session too, rather than leave it open on the server.
                    let request = RefreshRequest {
                        refresh_token: session.refresh_token,
                    };
                    if let Err(error) = self
                        .api
                        .send::<_, ()>(Method::POST, "/v1/auth/logout", Some(&request))
                        .await
                    {
                        tracing::info!(code = error.code(), "could not end a leftover session");
                    }
                    Err(CoreError::NotSignedIn)
                }
            },
            Err(failure) => {
                let error = failure.into_error();
                if let CoreError::Server { code, .. } = &error
                    && is_session_end(*code)
                {
                    // The server ended it: the tokens are worthless.
                    self.server_ended(account_id, *code, &seen_tokens_access)
                        .await;
                }
                Err(error)
            }
        }
    }

    /// Calls the API as the signed-in account, refreshing once if the access token is
    /// stale.
    pub async fn send_signed_in<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CoreError> {
        let account_id = self.require_unlocked()?.account.id;
        self.send_for(&account_id, method, path, body).await
    }

    /// Calls the API as `account_id`, whether or not it is the account in use (the
    /// check of a restored session), refreshing once if the access token is stale.
    pub async fn send_for<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        account_id: &str,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CoreError> {
        let tokens = self
            .vault
            .tokens(account_id)
            .await?
            .ok_or(CoreError::NotSignedIn)?;
        let first = self
            .api
            .send_as::<B, T>(method.clone(), path, body, Some(&tokens.access_token))
            .await?;
        let mut used = tokens.access_token.clone();
        let answer = match first {
            Ok(value) => return Ok(value),
            Err(failure)
                if failure.body.as_ref().map(|b| b.error.code)
                    == Some(ErrorCode::SessionExpired) =>
            {
                self.refresh(account_id, Some(&tokens.access_token)).await?;
                let fresh = self
                    .vault
                    .tokens(account_id)
                    .await?
                    .ok_or(CoreError::NotSignedIn)?;
                used = fresh.access_token.clone();
                self.api
                    .send_as::<B, T>(method, path, body, Some(&fresh.access_token))
                    .await?
            }
            Err(failure) => Err(failure),
        };
        self.end_if_ended(
            answer.map_err(|failure| failure.into_error()),
            account_id,
            &used,
        )
        .await
    }

    /// Passes `result` on, first ending the session on this device when it says the
    /// server ended it. `used` is the access token the request carried: an answer about
    /// a session replaced meanwhile (signed in again) ends nothing.
    async fn end_if_ended<T>(
        &self,
        result: Result<T, CoreError>,
        account_id: &str,
        used: &str,
    ) -> Result<T, CoreError> {
        if let Err(CoreError::Server { code, .. }) = &result
            && is_session_end(*code)
        {
            self.server_ended(account_id, *code, used).await;
        }
        result
    }

    /// Sends a request for bytes as the signed-in account, refreshing once if the
    /// access token is stale. Answers that are not 2xx (nor 416, which callers read)
    /// become errors.
    pub async fn send_bytes_request(
        &self,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
        method: Method,
        path: &str,
        timeout: std::time::Duration,
    ) -> Result<reqwest::Response, CoreError> {
        let account_id = self.require_unlocked()?.account.id;
        let mut refreshed = false;
        loop {
            let tokens = self
                .vault
                .tokens(&account_id)
                .await?
                .ok_or(CoreError::NotSignedIn)?;
            let request = build(
                self.api
                    .raw(method.clone(), path, &tokens.access_token, timeout),
            );
            let response = request.send().await.map_err(network)?;
            let status = response.status();
            if status.is_success() || status == StatusCode::RANGE_NOT_SATISFIABLE {
                return Ok(response);
            }
            let bytes = response.bytes().await.map_err(network)?;
            let body = serde_json::from_slice::<ApiErrorBody>(&bytes).ok();
            if !refreshed && body.as_ref().map(|b| b.error.code) == Some(ErrorCode::SessionExpired)
            {
                refreshed = true;
                self.refresh(&account_id, Some(&tokens.access_token))
                    .await?;
                continue;
            }
            return self
                .end_if_ended(
                    Err(Failure { status, body }.into_error()),
                    &account_id,
                    &tokens.access_token,
                )
                .await;
        }
    }

    /// The access token of the account in use, as kept in the secret store.
    pub async fn current_access_token(&self) -> Option<String> {
        let signed_in = self.require_unlocked().ok()?;
        let tokens = self.vault.tokens(&signed_in.account.id).await.ok()??;
        Some(tokens.access_token)
    }

    /// Asks the server to end the account's session by its refresh token (which works
    /// after the access token expired: at the lock screen, say), and carries on whatever
    /// the answer. When the server does not confirm it (unreachable, or failing), the
    /// refresh token is kept, able to do nothing but end that session, and sent again
    /// (`end_pending_signouts`) until the server confirms.
    pub async fn revoke_quietly(&self, account_id: &str) {
        let Ok(Some(tokens)) = self.vault.tokens(account_id).await else {
            return;
        };
        if self.end_session_by(&tokens.refresh_token).await {
            return;
        }
        if let Err(error) = self.vault.add_pending_signout(&tokens.refresh_token).await {
            tracing::warn!(
                code = error.code(),
                "the sign-out could not be kept to send later"
            );
        }
    }

    /// Sends `POST /v1/auth/logout` for `refresh_token`; true once the server confirmed
    /// (it answers 204 for a session already ended too).
    async fn end_session_by(&self, refresh_token: &str) -> bool {
        let request = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        match self
            .api
            .send::<_, ()>(Method::POST, "/v1/auth/logout", Some(&request))
            .await
        {
            Ok(Ok(())) => true,
            Ok(Err(failure)) => {
                tracing::info!(
                    code = failure.into_error().code(),
                    "the server did not confirm the sign-out"
                );
                false
            }
            Err(error) => {
                tracing::info!(
                    code = error.code(),
                    "the server could not be reached to sign out"
                );
                false
            }
        }
    }

    /// Ends, on the server, the sessions signed out here while it could not be reached;
    /// each stays pending until the server confirms. Stops at the first that fails
    /// (the server is still out of reach), to try again later.
    pub async fn end_pending_signouts(&self) {
        let Ok(pending) = self.vault.pending_signouts().await else {
            return;
        };
        for refresh_token in pending {
            if !self.end_session_by(&refresh_token).await {
                return;
            }
            if let Err(error) = self.vault.remove_pending_signout(&refresh_token).await {
                tracing::warn!(
                    code = error.code(),
                    "a sent sign-out could not be forgotten"
                );
            }
            tracing::info!("a sign-out made offline reached the server");
        }
    }

    /// [`Context::end_pending_signouts`] in the background, when any wait: on the
    /// caller's runtime, else on the one the host's async calls last ran on. Before any
    /// async call there is nothing to run on, and nothing lost: signing in or restoring
    /// (both async) tries again.
    pub fn end_pending_signouts_in_background(self: &std::sync::Arc<Self>) {
        let Some(handle) = self.background_runtime() else {
            return;
        };
        let ctx = std::sync::Arc::clone(self);
        handle.spawn(async move { ctx.end_pending_signouts().await });
    }

    /// The caller's runtime, else the one the host's async calls last ran on (none
    /// before any async call).
    fn background_runtime(&self) -> Option<tokio::runtime::Handle> {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                // Kept from the first async call: an app runs one runtime.
                let _ = self.runtime.set(handle.clone());
                Some(handle)
            }
            Err(_) => self.runtime.get().cloned(),
        }
    }

    /// Writes down that `account_id` was locked by hand: its last use goes back to the
    /// epoch, so that the next start finds it idle, and locked. Unlocking writes the
    /// real time again.
    pub fn remember_lock_in_background(self: &std::sync::Arc<Self>, account_id: String) {
        let Some(handle) = self.background_runtime() else {
            tracing::info!("no runtime yet: the lock is kept in memory only");
            return;
        };
        let ctx = std::sync::Arc::clone(self);
        handle.spawn(async move {
            if let Err(error) = ctx
                .vault
                .mark_active(&account_id, chrono::DateTime::UNIX_EPOCH)
                .await
            {
                tracing::warn!(code = error.code(), "could not keep the lock on the device");
            }
        });
    }
}
