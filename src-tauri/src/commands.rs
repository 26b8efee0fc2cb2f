//! The commands the UI invokes: one-line calls into the shell, which passes them to the
//! core's onboarding flow.

use crate::shell::Shell;
use portal_model::desktop::{Notice, Screen};
use portal_model::{JoinRequest, PasswordPolicy};
use tauri::State;

/// The screen to show now.
#[tauri::command]
pub fn app_status(shell: State<'_, Shell>) -> Screen {
    shell.screen()
}

/// Opens a link the person pasted.
#[tauri::command]
pub async fn open_link(shell: State<'_, Shell>, link: String) -> Result<Screen, Notice> {
    Ok(shell.open_link(&link).await)
}

/// The server's password policy, for the live checklist.
#[tauri::command]
pub async fn password_policy(shell: State<'_, Shell>) -> Result<PasswordPolicy, Notice> {
    let client = shell.client()?;
    client
        .auth()
        .password_policy()
        .await
        .map_err(|e| crate::notices::from_error(&e))
}

/// Sets the password for the invite on screen.
#[tauri::command]
pub async fn accept_invite(shell: State<'_, Shell>, password: String) -> Result<Screen, Notice> {
    Ok(shell.accept_invite(&password).await)
}

/// Back to the welcome screen.
#[tauri::command]
pub fn start_over(shell: State<'_, Shell>) -> Screen {
    shell.start_over()
}

/// Asks for a new invitation in place of an expired one.
#[tauri::command]
pub async fn renew_invite(shell: State<'_, Shell>) -> Result<Screen, Notice> {
    Ok(shell.renew_invite().await)
}

/// The sign-in screen.
#[tauri::command]
pub fn show_sign_in(shell: State<'_, Shell>) -> Screen {
    shell.show_sign_in()
}

/// Signs in (and claims a pending invite).
#[tauri::command]
pub async fn sign_in(
    shell: State<'_, Shell>,
    email: String,
    password: String,
) -> Result<Screen, Notice> {
    Ok(shell.sign_in(&email, &password).await)
}

/// Signs out of the account in use.
#[tauri::command]
pub async fn sign_out(shell: State<'_, Shell>) -> Result<Screen, Notice> {
    Ok(shell.sign_out().await)
}

/// Sets a new password from the reset link on screen.
#[tauri::command]
pub async fn complete_reset(shell: State<'_, Shell>, password: String) -> Result<Screen, Notice> {
    Ok(shell.complete_reset(&password).await)
}

/// The "forgot password" screen.
#[tauri::command]
pub fn show_forgot_password(shell: State<'_, Shell>) -> Screen {
    shell.show_forgot_password()
}

/// Asks for a reset link.
#[tauri::command]
pub async fn request_reset(shell: State<'_, Shell>, email: String) -> Result<Screen, Notice> {
    Ok(shell.request_reset(&email).await)
}

/// Registers through the join link on screen.
#[tauri::command]
pub async fn submit_join(shell: State<'_, Shell>, details: JoinRequest) -> Result<Screen, Notice> {
    Ok(shell.submit_join(&details).await)
}

/// Unlocks with the password typed on the lock screen.
#[tauri::command]
pub async fn unlock(shell: State<'_, Shell>, password: String) -> Result<Screen, Notice> {
    Ok(shell.unlock(&password).await)
}

/// Records that the person is using the app (the UI calls this on input, throttled).
#[tauri::command]
pub async fn touch(shell: State<'_, Shell>) -> Result<(), Notice> {
    shell.touch().await;
    Ok(())
}

/// Locks now.
#[tauri::command]
pub fn lock_now(shell: State<'_, Shell>) -> Screen {
    shell.lock_now()
}

/// Makes one of the account's profiles the one in use.
#[tauri::command]
pub async fn select_profile(shell: State<'_, Shell>, patient_id: String) -> Result<Screen, Notice> {
    Ok(shell.select_profile(&patient_id).await)
}

/// Switches to another account signed in on this computer.
#[tauri::command]
pub async fn switch_account(shell: State<'_, Shell>, account_id: String) -> Result<Screen, Notice> {
    Ok(shell.switch_account(&account_id).await)
}

/// The sign-in screen, to add another account to this computer.
#[tauri::command]
pub fn add_account(shell: State<'_, Shell>) -> Screen {
    shell.add_account()
}
