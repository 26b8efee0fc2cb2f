//! The commands the UI invokes (declared once in `portal_model::desktop_commands!`):
//! one-line calls into the shell's onboarding flow, its live views, and the core's
//! outbox.

use crate::shell::Shell;
use crate::{files, notices, pages, status};
use portal_core::PortalClient;
use portal_model::desktop::{
    DOWNLOAD_EVENT, DocumentProgress, MessageTo, Notice, PickedFile, Screen, Sent, SyncBar, View,
    ViewUpdate,
};
use portal_model::records::{Appointment, Document};
use portal_model::views::{DocumentStatus, SearchHit};
use portal_model::writes::{ContactChange, FormAnswers};
use portal_model::{JoinRequest, PasswordCheck, PasswordPolicy};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_opener::OpenerExt;

/// The core client and the profile in use, or why there are none.
fn signed_in(shell: &Shell) -> Result<(Arc<PortalClient>, String), Notice> {
    let client = shell.client()?;
    let profile = pages::current_profile(&client)?;
    Ok((client, profile))
}

/// A core answer, its failure put into words for the UI.
trait Worded<T> {
    fn worded(self) -> Result<T, Notice>;
}

impl<T> Worded<T> for Result<T, portal_core::CoreError> {
    fn worded(self) -> Result<T, Notice> {
        self.map_err(|e| notices::from_error(&e))
    }
}

/// The screen to show now.
#[tauri::command]
pub fn app_status(shell: State<'_, Shell>) -> Screen {
    shell.screen()
}

/// The first run's answer: the practice's portal address.
#[tauri::command]
pub async fn choose_server(
    app: tauri::AppHandle,
    shell: State<'_, Shell>,
    address: String,
) -> Result<Screen, Notice> {
    Ok(shell.choose_server(&app, &address).await)
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
    client.auth().password_policy().await.worded()
}

/// Checks a password against the policy, for the live checklist: the shell has the
/// common-password list, which the UI does not carry.
#[tauri::command]
pub async fn check_password(
    shell: State<'_, Shell>,
    password: String,
) -> Result<PasswordCheck, Notice> {
    let client = shell.client()?;
    client.auth().check_password(&password, None).await.worded()
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

/// The language the UI speaks: the shell's (the setting, else the system's), so that
/// its screens and the shell's notices agree.
#[tauri::command]
pub fn ui_language() -> String {
    crate::words::language().tag.to_owned()
}

/// Speaks `tag` from now on (the UI redraws itself in it), and keeps the choice in the
/// settings for the next start.
#[tauri::command]
pub fn set_language(shell: State<'_, Shell>, tag: String) -> Result<(), Notice> {
    let language = portal_i18n::by_tag(&tag)
        .ok_or_else(|| notices::from_error(&portal_core::CoreError::InvalidInput(tag.clone())))?;
    crate::words::set(language);
    if let Some(dir) = shell.data_dir.as_deref() {
        crate::settings::update(dir, |s| s.language = Some(language.tag.to_owned())).map_err(
            |error| {
                tracing::warn!(%error, "the language setting was not saved");
                notices::settings_not_saved()
            },
        )?;
    }
    Ok(())
}

/// Changes the password of the account in use: the current one is needed, the new one
/// must meet the policy, and the practice ends the account's other sessions.
#[tauri::command]
pub async fn change_password(
    shell: State<'_, Shell>,
    current: String,
    new: String,
) -> Result<(), Notice> {
    let client = shell.client()?;
    client.auth().change_password(&current, &new).await.worded()
}

/// Whether notifications name the sender of a new message.
#[tauri::command]
pub fn notification_detail(shell: State<'_, Shell>) -> bool {
    crate::settings::load(shell.data_dir.as_deref()).notify_sender
}

/// Names the sender in notifications, or not (the default), from now on.
#[tauri::command]
pub fn set_notification_detail(shell: State<'_, Shell>, show_sender: bool) -> Result<(), Notice> {
    let Some(dir) = shell.data_dir.as_deref() else {
        return Err(notices::settings_not_saved());
    };
    crate::settings::update(dir, |s| s.notify_sender = show_sender).map_err(|error| {
        tracing::warn!(%error, "the notification setting was not saved");
        notices::settings_not_saved()
    })
}

/// How long without use before the app locks, in seconds.
#[tauri::command]
pub fn idle_lock_seconds(shell: State<'_, Shell>) -> Result<u64, Notice> {
    let client = shell.client()?;
    Ok(u64::try_from(client.config().idle_timeout().num_seconds()).unwrap_or_default())
}

/// Locks after `seconds` without use (30 s to 24 h) from now on, and at the next start.
#[tauri::command]
pub fn set_idle_lock_seconds(shell: State<'_, Shell>, seconds: u64) -> Result<(), Notice> {
    let client = shell.client()?;
    client
        .config()
        .set_idle_timeout(std::time::Duration::from_secs(seconds))
        .worded()?;
    if let Some(dir) = shell.data_dir.as_deref() {
        crate::settings::update(dir, |s| s.idle_lock_seconds = Some(seconds)).map_err(|error| {
            tracing::warn!(%error, "the idle-lock setting was not saved");
            notices::settings_not_saved()
        })?;
    }
    Ok(())
}

/// Signs out of every account on this computer, one after the other.
#[tauri::command]
pub async fn sign_out_all(shell: State<'_, Shell>) -> Result<Screen, Notice> {
    Ok(shell.sign_out_all().await)
}

/// Signs out of every account here, forgets the practice's address and asks for another.
#[tauri::command]
pub async fn change_practice(app: AppHandle, shell: State<'_, Shell>) -> Result<Screen, Notice> {
    let screen = shell.change_practice().await?;
    // The last word on the screen: the old client's screens (the sign-outs') may still
    // be on their way to the UI.
    if let Err(error) = app.emit(portal_model::desktop::SCREEN_EVENT, &screen) {
        tracing::warn!(%error, "could not tell the UI about a new screen");
    }
    Ok(screen)
}

/// The third-party components the app is built from (scripts/licences.py writes the
/// list from Cargo.lock; CI checks it is current).
#[tauri::command]
pub fn licences() -> Result<Vec<portal_model::desktop::Component>, Notice> {
    crate::licences::components().map_err(|error| {
        tracing::warn!(%error, "the components' list is unreadable");
        notices::internal()
    })
}

/// The app's version and the practice's portal, for the settings' About.
#[tauri::command]
pub fn about(shell: State<'_, Shell>) -> portal_model::desktop::About {
    portal_model::desktop::About {
        practice_fixed: shell.practice_fixed(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        server: shell.client().ok().map(|client| {
            client
                .config()
                .server_url()
                .as_str()
                .trim_end_matches('/')
                .to_owned()
        }),
    }
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

/// Opens a live view of the offline copy for the profile in use: its data now, then
/// its changes as `portal://view` events until `close_view`.
#[tauri::command]
pub async fn open_view(
    app: AppHandle,
    shell: State<'_, Shell>,
    view: View,
) -> Result<ViewUpdate, Notice> {
    shell.views.open(app, shell.client()?, view).await
}

/// Stops a view's events (its page closed).
#[tauri::command]
pub fn close_view(shell: State<'_, Shell>, watch: u64) {
    shell.views.close(watch);
}

/// The sync line now.
#[tauri::command]
pub fn sync_status(shell: State<'_, Shell>) -> Result<SyncBar, Notice> {
    let client = shell.client()?;
    Ok(status::sync_bar(&client))
}

/// Tries the server at once (the "try now" of the offline banner).
#[tauri::command]
pub fn sync_now(shell: State<'_, Shell>) -> Result<SyncBar, Notice> {
    let client = shell.client()?;
    client.sync().network_changed();
    Ok(status::sync_bar(&client))
}

/// Keeps a message (with the files picked for it) to send at once, or when the server
/// can be reached.
#[tauri::command]
pub async fn send_message(
    shell: State<'_, Shell>,
    to: MessageTo,
    body: String,
    files: Vec<PickedFile>,
) -> Result<Sent, Notice> {
    let (client, profile) = signed_in(&shell)?;
    let (to, thread) = match to {
        MessageTo::Thread { thread_id } => (
            portal_core::MessageTo::Thread(thread_id.clone()),
            Some(thread_id),
        ),
        MessageTo::NewThread {
            provider_id,
            subject,
        } => (
            portal_core::MessageTo::NewThread {
                provider_id,
                subject,
            },
            None,
        ),
    };
    let mut attachments = Vec::with_capacity(files.len());
    for file in &files {
        attachments.push(portal_core::Attachment {
            name: file.name.clone(),
            content_type: file.content_type.clone(),
            bytes: files::picked_bytes(file)?,
        });
    }
    let outbox = client.outbox();
    let item = if attachments.is_empty() {
        outbox.send_message(&profile, to, &body).await
    } else {
        outbox
            .send_message_with_attachments(&profile, to, &body, attachments)
            .await
    }
    .worded()?;
    Ok(Sent {
        thread_id: thread.unwrap_or_else(|| portal_core::outbox::local_thread_id(&item.id)),
    })
}

/// Puts a refused write back in line.
#[tauri::command]
pub async fn retry_write(shell: State<'_, Shell>, id: String) -> Result<(), Notice> {
    let client = shell.client()?;
    client.outbox().retry(&id).await.map(drop).worded()
}

/// Drops a refused write.
#[tauri::command]
pub async fn discard_write(shell: State<'_, Shell>, id: String) -> Result<(), Notice> {
    let client = shell.client()?;
    client.outbox().discard(&id).await.map(drop).worded()
}

/// Marks a conversation read up to a message.
#[tauri::command]
pub async fn mark_read(
    shell: State<'_, Shell>,
    thread_id: String,
    up_to: String,
) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    client
        .outbox()
        .mark_read(&profile, &thread_id, &up_to)
        .await
        .map(drop)
        .worded()
}

/// Cancels an appointment, with the patient's reason.
#[tauri::command]
pub async fn cancel_appointment(
    shell: State<'_, Shell>,
    id: String,
    reason: Option<String>,
) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    client
        .outbox()
        .cancel_appointment(&profile, &id, reason)
        .await
        .map(drop)
        .worded()
}

/// Confirms an appointment.
#[tauri::command]
pub async fn confirm_appointment(shell: State<'_, Shell>, id: String) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    client
        .outbox()
        .confirm_appointment(&profile, &id)
        .await
        .map(drop)
        .worded()
}

/// Opens an appointment's telehealth link in the system browser. Only the link of the
/// appointment record is opened, and only over https.
#[tauri::command]
pub async fn join_telehealth(
    app: AppHandle,
    shell: State<'_, Shell>,
    appointment_id: String,
) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    let appointment = client
        .records()
        .get::<Appointment>(&profile, &appointment_id)
        .await
        .worded()?;
    let Some(url) = appointment
        .and_then(|a| a.telehealth_url)
        .filter(|u| u.starts_with("https://"))
    else {
        return Err(notices::no_telehealth_link());
    };
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|_| notices::browser_failed())
}

/// Sends a download's progress to the UI as `portal://download` events.
fn progress_to(app: AppHandle, id: String) -> impl FnMut(portal_core::DownloadProgress) + Send {
    move |progress| {
        let event = DocumentProgress {
            document_id: id.clone(),
            progress,
        };
        if let Err(error) = app.emit(DOWNLOAD_EVENT, &event) {
            tracing::debug!(%error, "could not send a download's progress");
        }
    }
}

/// Downloads a document into the encrypted copy, with progress events.
#[tauri::command]
pub async fn download_document(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: String,
) -> Result<DocumentStatus, Notice> {
    let client = shell.client()?;
    client
        .documents()
        .download(&id, progress_to(app, id.clone()))
        .await
        .worded()
}

/// Downloads a document and keeps it for offline use, with progress events.
#[tauri::command]
pub async fn pin_document(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: String,
) -> Result<DocumentStatus, Notice> {
    let client = shell.client()?;
    client
        .documents()
        .pin(&id, progress_to(app, id.clone()))
        .await
        .worded()
}

/// Frees a document's bytes on this computer.
#[tauri::command]
pub async fn unpin_document(shell: State<'_, Shell>, id: String) -> Result<(), Notice> {
    let client = shell.client()?;
    client.documents().unpin(&id).await.worded()
}

/// Opens a document in the system's viewer: a plaintext copy (downloaded first if its
/// bytes are not here) in the data directory's `opened/` folder.
#[tauri::command]
pub async fn open_document(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: String,
) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    let document = client
        .records()
        .get::<Document>(&profile, &id)
        .await
        .worded()?
        .ok_or_else(|| notices::from_error(&portal_core::CoreError::UnknownDocument))?;
    let data_dir = shell
        .data_dir
        .as_deref()
        .ok_or_else(notices::cannot_open_document)?;
    let path = files::copy_path(data_dir, &document)?;
    client.documents().export(&id, &path).await.worded()?;
    files::open_path(&app, &path)
}

/// Sends a picked file to the practice as a document (kept in the outbox until sent).
#[tauri::command]
pub async fn upload_document(
    shell: State<'_, Shell>,
    title: String,
    file: PickedFile,
) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    let bytes = files::picked_bytes(&file)?;
    let title = Some(title.trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(file.name.as_str())
        .to_owned();
    client
        .documents()
        .upload(&profile, &title, None, &file.content_type, bytes)
        .await
        .map(drop)
        .worded()
}

/// Saves a form's answers as a draft, or submits them. A refused earlier submission of
/// the same form gives way to this one.
#[tauri::command]
pub async fn save_form(
    shell: State<'_, Shell>,
    form_id: String,
    answers: FormAnswers,
    submit: bool,
) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    let outbox = client.outbox();
    for item in outbox.items().await.worded()? {
        let same_form = item.args.get("form_id").and_then(|v| v.as_str()) == Some(&form_id);
        if same_form && item.state == portal_core::WriteState::Failed {
            outbox.discard(&item.id).await.worded()?;
        }
    }
    outbox
        .answer_form(&profile, &form_id, &answers, submit)
        .await
        .map(drop)
        .worded()
}

/// Changes the patient's contact details.
#[tauri::command]
pub async fn update_contact(shell: State<'_, Shell>, change: ContactChange) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    client
        .outbox()
        .update_contact(&profile, &change)
        .await
        .map(drop)
        .worded()
}

/// Settles a conflict in the patient's favour: their refused change is made again,
/// over the practice's version, and the refusal goes.
#[tauri::command]
pub async fn keep_my_contact(shell: State<'_, Shell>, write_id: String) -> Result<(), Notice> {
    let (client, profile) = signed_in(&shell)?;
    let outbox = client.outbox();
    let Some(refused) = outbox.item(&write_id).await.worded()? else {
        return Ok(());
    };
    let fields = refused
        .args
        .get("fields")
        .and_then(|f| f.as_object())
        .cloned()
        .unwrap_or_default();
    outbox
        .update_contact(&profile, &ContactChange::from_fields(&fields))
        .await
        .worded()?;
    outbox.discard(&write_id).await.map(drop).worded()
}

/// Messages, conversations and documents matching `query`, searched on this computer.
#[tauri::command]
pub async fn search(shell: State<'_, Shell>, query: String) -> Result<Vec<SearchHit>, Notice> {
    let (client, profile) = signed_in(&shell)?;
    client.records().find(&profile, &query, 50).await.worded()
}
