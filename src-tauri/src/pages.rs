//! The signed-in pages' live views. A page opens a [`View`]; the shell answers with its
//! data at once from the offline copy, keeps a core watch on it, and sends each change
//! to the UI as a [`VIEW_EVENT`] until the page closes it (or the account's database
//! closes: lock, sign-out). What each view reads is here; no rule is.

use crate::notices;
use portal_core::outbox::write_of_local_message;
use portal_core::{ChangeNotice, CoreError, OutboxItem, PortalClient, WriteState};
use portal_model::desktop::{
    AppointmentView, ConflictField, ContactConflict, Delivery, FormRefusal, FormView, HomeView,
    InvoiceItem, MessageRow, Notice, ProfileView, Refused, ThreadView, VIEW_EVENT, View, ViewData,
    ViewUpdate,
};
use portal_model::records::{Appointment, Document, Profile, Provider, SenderKind, Thread};
use portal_model::views::{DocumentItem, TypedPage};
use portal_model::writes::{ContactChange, FieldChange, FormAnswers};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter};

/// The most messages of a conversation shown at once.
const THREAD_MESSAGES: u32 = 200;

/// The views the UI has open, each with the task that forwards its changes.
#[derive(Default)]
pub struct OpenViews {
    next: AtomicU64,
    open: Mutex<HashMap<u64, tauri::async_runtime::JoinHandle<()>>>,
}

impl OpenViews {
    /// Opens `view` for the profile in use: its data now, and its changes as events.
    pub async fn open(
        &self,
        app: AppHandle,
        client: Arc<PortalClient>,
        view: View,
    ) -> Result<ViewUpdate, Notice> {
        let profile = current_profile(&client)?;
        let mut watch = watch_view(client, profile, view)
            .await
            .map_err(|e| notices::from_error(&e))?;
        let watch_id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let first = ViewUpdate {
            watch: watch_id,
            data: watch.latest(),
        };
        let task = tauri::async_runtime::spawn(async move {
            while let Some(data) = watch.next().await {
                let update = ViewUpdate {
                    watch: watch_id,
                    data,
                };
                if let Err(error) = app.emit(VIEW_EVENT, &update) {
                    tracing::warn!(%error, "could not send a page its new data");
                }
            }
        });
        self.lock().insert(watch_id, task);
        Ok(first)
    }

    /// Stops sending a view's changes (its page closed).
    pub fn close(&self, watch_id: u64) {
        if let Some(task) = self.lock().remove(&watch_id) {
            task.abort();
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<u64, tauri::async_runtime::JoinHandle<()>>> {
        // A panic while holding this lock leaves a map that is still whole.
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The profile in use, or why there is none.
pub fn current_profile(client: &PortalClient) -> Result<String, Notice> {
    client
        .auth()
        .signed_in()
        .and_then(|s| s.current_profile_id)
        .ok_or_else(|| notices::from_error(&CoreError::NotSignedIn))
}

/// True for a notice about records of one of `kinds`, or (with `writes`) any write.
fn touches(notice: &ChangeNotice, kinds: &[&str], writes: bool) -> bool {
    match notice {
        ChangeNotice::Records { kind, .. } => kinds.contains(&kind.as_str()),
        ChangeNotice::Write { .. } => writes,
        _ => false,
    }
}

/// A core watch of what `view` shows for `profile`.
async fn watch_view(
    client: Arc<PortalClient>,
    profile: String,
    view: View,
) -> Result<portal_core::Watch<ViewData>, CoreError> {
    let (kinds, writes): (&'static [&'static str], bool) = match &view {
        View::Home => (
            &[
                "appointment",
                "provider",
                "thread",
                "message",
                "invoice",
                "document",
                "form",
                "form_response",
            ],
            false,
        ),
        View::Appointments { .. } => (&["appointment"], false),
        View::Appointment { .. } => (&["appointment", "provider"], true),
        View::Threads { .. } => (&["thread", "message"], false),
        View::Thread { .. } => (&["thread", "message", "provider", "document"], true),
        View::CareTeam => (&["profile", "provider"], false),
        View::Invoices { .. } => (&["invoice", "document"], false),
        View::Documents { .. } => (&["document"], false),
        View::Forms { .. } => (&["form", "form_response"], false),
        View::Form { .. } => (&["form", "form_response"], true),
        View::Profile => (&["profile"], true),
    };
    let reader = client.clone();
    client
        .watch(
            move |notice| touches(notice, kinds, writes),
            move || {
                let (client, profile, view) = (reader.clone(), profile.clone(), view.clone());
                async move { read_view(&client, &profile, &view).await }
            },
        )
        .await
}

/// What `view` shows now.
async fn read_view(
    client: &PortalClient,
    profile: &str,
    view: &View,
) -> Result<ViewData, CoreError> {
    let records = client.records();
    Ok(match view {
        View::Home => {
            let home = records.home(profile).await?;
            let next_provider = match &home.next_appointment {
                Some(next) => records.get::<Provider>(profile, &next.provider_id).await?,
                None => None,
            };
            ViewData::Home(HomeView {
                home,
                next_provider,
            })
        }
        View::Appointments { when, limit } => {
            ViewData::Appointments(records.appointments(profile, *when, *limit, None).await?)
        }
        View::Appointment { id } => ViewData::Appointment(appointment(client, profile, id).await?),
        View::Threads { limit } => ViewData::Threads(records.threads(profile, *limit, None).await?),
        View::Thread { id } => ViewData::Thread(thread(client, profile, id).await?),
        View::CareTeam => ViewData::CareTeam(records.care_team(profile).await?),
        View::Invoices { limit } => ViewData::Invoices(invoices(client, profile, *limit).await?),
        View::Documents { limit } => {
            ViewData::Documents(records.documents(profile, *limit, None).await?)
        }
        View::Forms { limit } => ViewData::Forms(records.forms(profile, *limit, None).await?),
        View::Form { id } => ViewData::Form(form(client, profile, id).await?),
        View::Profile => ViewData::Profile(own_profile(client, profile).await?),
    })
}

/// The outbox's writes of `kinds` for `profile` whose `args[key]` is `id`.
async fn writes_about(
    client: &PortalClient,
    profile: &str,
    kinds: &[&str],
    key: &str,
    id: &str,
) -> Result<Vec<OutboxItem>, CoreError> {
    let mut items = client.outbox().items().await?;
    items.retain(|item| {
        item.profile_id == profile
            && kinds.contains(&item.kind.as_str())
            && item.args.get(key).and_then(|v| v.as_str()) == Some(id)
    });
    Ok(items)
}

fn delivery(state: WriteState) -> Option<Delivery> {
    match state {
        WriteState::Queued => Some(Delivery::Queued),
        WriteState::Sending => Some(Delivery::Sending),
        WriteState::Sent => Some(Delivery::Sent),
        WriteState::Failed => None,
    }
}

/// The refused ones among `items`, each described by `what`.
fn refused(items: &[OutboxItem], what: impl Fn(&OutboxItem) -> String) -> Vec<Refused> {
    items
        .iter()
        .filter(|item| item.state == WriteState::Failed)
        .map(|item| Refused {
            write_id: item.id.clone(),
            what: what(item),
            reason: notices::from_refusal(&item.kind, item.error.as_ref()),
        })
        .collect()
}

async fn appointment(
    client: &PortalClient,
    profile: &str,
    id: &str,
) -> Result<AppointmentView, CoreError> {
    let records = client.records();
    let appointment = records.get::<Appointment>(profile, id).await?;
    let provider = match &appointment {
        Some(a) => records.get::<Provider>(profile, &a.provider_id).await?,
        None => None,
    };
    let writes = writes_about(
        client,
        profile,
        &["cancel_appointment", "confirm_appointment"],
        "appointment_id",
        id,
    )
    .await?;
    Ok(AppointmentView {
        appointment,
        provider,
        pending: writes.iter().find_map(|w| delivery(w.state)),
        refused: refused(&writes, |w| {
            if w.kind == "cancel_appointment" {
                crate::words::text("write-cancel-appointment", &[])
            } else {
                crate::words::text("write-confirm-appointment", &[])
            }
        }),
    })
}

async fn thread(client: &PortalClient, profile: &str, id: &str) -> Result<ThreadView, CoreError> {
    let records = client.records();
    let thread = records.get::<Thread>(profile, id).await?;
    let page = records
        .thread_messages(profile, id, THREAD_MESSAGES, None)
        .await?;
    let outbox = client.outbox().items().await?;
    let states: HashMap<&str, WriteState> = outbox
        .iter()
        .map(|item| (item.id.as_str(), item.state))
        .collect();
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut messages = Vec::with_capacity(page.items.len());
    for message in page.items {
        let from = if message.sender.kind == SenderKind::Provider {
            let id = message.sender.id.clone();
            if !names.contains_key(&id) {
                let name = records.get::<Provider>(profile, &id).await?.map(|p| p.name);
                names.insert(id.clone(), name);
            }
            Some(
                names
                    .get(&id)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| crate::words::text("sender-care-team", &[])),
            )
        } else {
            None
        };
        // A message of this device: where its write is (gone from the outbox once the
        // server's copy replaced it).
        let delivery = write_of_local_message(&message.id).map(|write| {
            states
                .get(write)
                .copied()
                .and_then(delivery)
                .unwrap_or(Delivery::Sent)
        });
        let mut attachments = Vec::with_capacity(message.attachment_ids.len());
        for id in &message.attachment_ids {
            if let Some(document) = records.get::<Document>(profile, id).await? {
                let offline = client.documents().status(id).await?;
                attachments.push(DocumentItem { document, offline });
            }
        }
        messages.push(MessageRow {
            message,
            from,
            delivery,
            attachments,
        });
    }
    let mine: Vec<OutboxItem> = outbox
        .into_iter()
        .filter(|item| {
            item.profile_id == profile
                && item.kind == "send_message"
                && item.args.get("thread_id").and_then(|v| v.as_str()) == Some(id)
        })
        .collect();
    Ok(ThreadView {
        thread,
        messages,
        more: page.next.is_some(),
        refused: refused(&mine, |w| {
            w.args
                .get("body")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        }),
    })
}

async fn form(client: &PortalClient, profile: &str, id: &str) -> Result<FormView, CoreError> {
    let item = client.records().form(profile, id).await?;
    let (form, response) = match item {
        Some(item) => (Some(item.form), item.response),
        None => (None, None),
    };
    let writes = writes_about(
        client,
        profile,
        &["save_form_draft", "submit_form"],
        "form_id",
        id,
    )
    .await?;
    let refused = writes
        .iter()
        .rev()
        .find(|w| w.state == WriteState::Failed)
        .map(|w| FormRefusal {
            write_id: w.id.clone(),
            reason: notices::from_refusal(&w.kind, w.error.as_ref()),
            fields: w
                .error
                .as_ref()
                .map(|e| e.fields.clone())
                .unwrap_or_default(),
            answers: w
                .args
                .get("answers")
                .cloned()
                .and_then(|a| serde_json::from_value::<FormAnswers>(a).ok())
                .unwrap_or_default(),
        });
    Ok(FormView {
        form,
        response,
        pending: writes.iter().find_map(|w| delivery(w.state)),
        refused,
    })
}

/// The refused contact changes of `profile`'s outbox: those the practice's own change
/// met (`conflict`, both versions of each field), and the others.
async fn own_profile(client: &PortalClient, profile: &str) -> Result<ProfileView, CoreError> {
    let record = client.records().get::<Profile>(profile, profile).await?;
    let mut writes = client.outbox().items().await?;
    writes.retain(|w| w.profile_id == profile && w.kind == "update_contact");
    let mut conflicts = Vec::new();
    let mut others = Vec::new();
    for write in writes.iter().filter(|w| w.state == WriteState::Failed) {
        let conflict = write.error.as_ref().is_some_and(|e| e.code == "conflict");
        let fields = write
            .args
            .get("fields")
            .and_then(|f| f.as_object())
            .cloned()
            .unwrap_or_default();
        match (&record, conflict) {
            (Some(current), true) => conflicts.push(ContactConflict {
                write_id: write.id.clone(),
                fields: both_versions(&ContactChange::from_fields(&fields), current),
            }),
            _ => others.push(write.clone()),
        }
    }
    Ok(ProfileView {
        profile: record,
        pending: writes.iter().find_map(|w| delivery(w.state)),
        conflicts,
        refused: refused(&others, |_| crate::words::text("write-contact", &[])),
    })
}

/// Each field a change touches: the patient's value and the one the practice holds.
fn both_versions(change: &ContactChange, current: &Profile) -> Vec<ConflictField> {
    let fields = [
        ("phone", &change.phone, &current.phone),
        ("address", &change.address, &current.address),
        (
            "preferred_name",
            &change.preferred_name,
            &current.preferred_name,
        ),
    ];
    fields
        .into_iter()
        .filter_map(|(name, mine, theirs)| {
            let mine = match mine {
                FieldChange::Keep => return None,
                FieldChange::Clear => None,
                FieldChange::Set(text) => Some(text.clone()),
            };
            Some(ConflictField {
                name: name.to_owned(),
                mine,
                theirs: theirs.clone(),
            })
        })
        .collect()
}

/// Invoices, each with where its superbill's bytes are.
async fn invoices(
    client: &PortalClient,
    profile: &str,
    limit: u32,
) -> Result<TypedPage<InvoiceItem>, CoreError> {
    let page = client.records().invoices(profile, limit, None).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for invoice in page.items {
        let superbill = match &invoice.superbill_document_id {
            Some(id) => Some(client.documents().status(id).await?),
            None => None,
        };
        items.push(InvoiceItem { invoice, superbill });
    }
    Ok(TypedPage {
        items,
        next: page.next,
        skipped: page.skipped,
    })
}
