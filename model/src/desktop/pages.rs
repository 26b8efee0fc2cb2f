//! The signed-in pages' data: each page opens a live [`View`] of the offline copy and
//! the shell sends a [`ViewUpdate`] whenever what it shows changes. The shell fills
//! these from the core's typed queries and outbox; the UI only draws them.

use crate::desktop::Notice;
use crate::records::{
    Appointment, Form, FormResponse, Invoice, Message, Profile, Provider, Thread,
};
use crate::views::{
    DocumentItem, DocumentStatus, DownloadProgress, FormItem, Home, ThreadItem, TypedPage, When,
};
use crate::writes::FormAnswers;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The event that carries a [`ViewUpdate`] for an open view.
pub const VIEW_EVENT: &str = "portal://view";
/// The event that carries a document download's [`DownloadProgress`].
pub const DOWNLOAD_EVENT: &str = "portal://download";
/// The event that carries the [`SyncBar`] whenever it changes.
pub const SYNC_EVENT: &str = "portal://sync";

/// The most items a page shows before "show more" (lists are paged, never drawn whole).
pub const PAGE_SIZE: u32 = 50;

/// What a page shows, for the profile in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum View {
    Home,
    /// Upcoming or past appointments, `limit` of them (grows with "show more").
    Appointments {
        when: When,
        limit: u32,
    },
    Appointment {
        id: String,
    },
    Threads {
        limit: u32,
    },
    Thread {
        id: String,
    },
    /// The providers a new conversation can go to.
    CareTeam,
    Invoices {
        limit: u32,
    },
    Documents {
        limit: u32,
    },
    Forms {
        limit: u32,
    },
    Form {
        id: String,
    },
    Profile,
}

/// A view's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "data", content = "value", rename_all = "snake_case")]
pub enum ViewData {
    Home(HomeView),
    Appointments(TypedPage<Appointment>),
    Appointment(AppointmentView),
    Threads(TypedPage<ThreadItem>),
    Thread(ThreadView),
    CareTeam(Vec<Provider>),
    Invoices(TypedPage<InvoiceItem>),
    Documents(TypedPage<DocumentItem>),
    Forms(TypedPage<FormItem>),
    Form(FormView),
    Profile(ProfileView),
}

/// An open view's latest data; `watch` names the view until it is closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewUpdate {
    pub watch: u64,
    pub data: ViewData,
}

/// Home: the numbers, and the name of the next appointment's provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeView {
    pub home: Home,
    pub next_provider: Option<Provider>,
}

/// Where one of the patient's writes is on its way to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Kept on this computer until the server can be reached.
    Queued,
    Sending,
    /// The server has it.
    Sent,
}

/// A write the server refused: what it was, why, and its id to retry or discard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub write_id: String,
    /// The message's text, or what the write would have done, in words.
    pub what: String,
    pub reason: Notice,
}

/// One appointment: its provider, a change on its way, and a refused change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentView {
    /// `None` when it is no longer in the offline copy.
    pub appointment: Option<Appointment>,
    pub provider: Option<Provider>,
    /// A cancellation or confirmation not yet acknowledged by the server.
    pub pending: Option<Delivery>,
    pub refused: Vec<Refused>,
}

/// A message as the conversation shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRow {
    pub message: Message,
    /// The provider's name, or `None` for the patient's own messages.
    pub from: Option<String>,
    /// For the patient's own messages not yet in the server's copy.
    pub delivery: Option<Delivery>,
    /// The documents attached, with where their bytes are (files still on their way up
    /// with the patient's message are not documents yet).
    pub attachments: Vec<DocumentItem>,
}

/// A conversation: its messages (oldest first, the latest page), the care team's
/// names, and the messages the server refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadView {
    pub thread: Option<Thread>,
    pub messages: Vec<MessageRow>,
    /// Older messages exist beyond this page.
    pub more: bool,
    pub refused: Vec<Refused>,
}

/// Whom a new message goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum MessageTo {
    Thread {
        thread_id: String,
    },
    NewThread {
        provider_id: String,
        subject: String,
    },
}

/// A message was kept to send: the conversation to show it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub thread_id: String,
}

/// The line around every page: connection, freshness, the first sync's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncBar {
    /// The server could not be reached at the last try.
    pub offline: bool,
    /// Pulling now.
    pub syncing: bool,
    /// When the offline copy was last brought up to date.
    pub updated_at: Option<DateTime<Utc>>,
    /// While the offline copy is filled from the start: changes received so far.
    pub first_sync: Option<u64>,
}

/// An invoice, with where its superbill's bytes are on this computer (if it has one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceItem {
    pub invoice: Invoice,
    pub superbill: Option<DocumentStatus>,
}

/// A [`DownloadProgress`] of one document, as the download event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentProgress {
    pub document_id: String,
    pub progress: DownloadProgress,
}

/// A file the patient picked to send, its bytes in base64 (the IPC carries text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickedFile {
    pub name: String,
    pub content_type: String,
    pub base64: String,
}

/// One form: its fields, the patient's answers so far, a save or submission on its
/// way, and a submission the practice refused (with the answers it carried, so that
/// nothing typed is lost, and the fields it named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormView {
    pub form: Option<Form>,
    pub response: Option<FormResponse>,
    pub pending: Option<Delivery>,
    pub refused: Option<FormRefusal>,
}

/// A refused submission of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRefusal {
    pub write_id: String,
    pub reason: Notice,
    /// The ids of the fields the practice's portal named.
    pub fields: Vec<String>,
    pub answers: FormAnswers,
}

/// The patient's own record, a change of contact details on its way, and changes the
/// practice's portal refused because the practice changed the same details meanwhile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    pub profile: Option<Profile>,
    pub pending: Option<Delivery>,
    pub conflicts: Vec<ContactConflict>,
    pub refused: Vec<Refused>,
}

/// A contact change that met the practice's own change: both versions of each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactConflict {
    pub write_id: String,
    pub fields: Vec<ConflictField>,
}

/// One contact field in a conflict: `phone`, `address` or `preferred_name`; `None` is
/// an empty field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictField {
    pub name: String,
    pub mine: Option<String>,
    pub theirs: Option<String>,
}
