//! The commands the UI invokes: one-line calls into the shell and core.

use crate::shell::Shell;
use portal_model::PasswordPolicy;
use portal_model::desktop::{Notice, Screen};
use tauri::{AppHandle, State};

/// The screen to show now.
#[tauri::command]
pub fn app_status(shell: State<'_, Shell>) -> Screen {
    shell.screen()
}

/// Opens a link the person pasted.
#[tauri::command]
pub async fn open_link(
    app: AppHandle,
    shell: State<'_, Shell>,
    link: String,
) -> Result<Screen, Notice> {
    Ok(shell.open_link(&app, &link).await)
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
pub async fn accept_invite(
    app: AppHandle,
    shell: State<'_, Shell>,
    password: String,
) -> Result<Screen, Notice> {
    Ok(shell.accept_invite(&app, &password).await)
}

/// Back to the welcome screen.
#[tauri::command]
pub fn start_over(app: AppHandle, shell: State<'_, Shell>) -> Screen {
    shell.start_over(&app)
}

/// Asks for a new invitation in place of an expired one.
#[tauri::command]
pub async fn renew_invite(app: AppHandle, shell: State<'_, Shell>) -> Result<Screen, Notice> {
    Ok(shell.renew_invite(&app).await)
}

/// The sign-in screen.
#[tauri::command]
pub fn show_sign_in(app: AppHandle, shell: State<'_, Shell>) -> Screen {
    shell.show_sign_in(&app)
}

/// Signs in with email and password.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    shell: State<'_, Shell>,
    email: String,
    password: String,
) -> Result<Screen, Notice> {
    Ok(shell.sign_in(&app, &email, &password).await)
}

/// Signs out of this device.
#[tauri::command]
pub async fn sign_out(app: AppHandle, shell: State<'_, Shell>) -> Result<Screen, Notice> {
    Ok(shell.sign_out(&app).await)
}

/// Sets the new password from the reset link on screen.
#[tauri::command]
pub async fn complete_reset(
    app: AppHandle,
    shell: State<'_, Shell>,
    password: String,
) -> Result<Screen, Notice> {
    Ok(shell.complete_reset(&app, &password).await)
}

/// The "forgot password" screen.
#[tauri::command]
pub fn show_forgot_password(app: AppHandle, shell: State<'_, Shell>) -> Screen {
    shell.show_forgot_password(&app)
}

/// Asks for a reset link.
#[tauri::command]
pub async fn request_reset(
    app: AppHandle,
    shell: State<'_, Shell>,
    email: String,
) -> Result<Screen, Notice> {
    Ok(shell.request_reset(&app, &email).await)
}

/// Unlocks with the password typed on the lock screen.
#[tauri::command]
pub async fn unlock(
    app: AppHandle,
    shell: State<'_, Shell>,
    password: String,
) -> Result<Screen, Notice> {
    Ok(shell.unlock(&app, &password).await)
}

/// Records that the person is using the app (the UI calls this on input, throttled).
#[tauri::command]
pub async fn touch(app: AppHandle, shell: State<'_, Shell>) -> Result<(), Notice> {
    shell.touch(&app).await;
    Ok(())
}

/// Locks now.
#[tauri::command]
pub fn lock_now(app: AppHandle, shell: State<'_, Shell>) -> Screen {
    shell.lock_now(&app)
}

/// Makes one of the account's profiles the one in use.
#[tauri::command]
pub async fn select_profile(
    app: AppHandle,
    shell: State<'_, Shell>,
    patient_id: String,
) -> Result<Screen, Notice> {
    Ok(shell.select_profile(&app, &patient_id).await)
}

/// Switches to another account signed in on this computer.
#[tauri::command]
pub async fn switch_account(
    app: AppHandle,
    shell: State<'_, Shell>,
    account_id: String,
) -> Result<Screen, Notice> {
    Ok(shell.switch_account(&app, &account_id).await)
}

/// The sign-in screen, to add another account to this computer.
#[tauri::command]
pub fn add_account(app: AppHandle, shell: State<'_, Shell>) -> Screen {
    shell.add_account(&app)
}
