//! What the core's typed queries answer: the feed's records ([`crate::records`]) as a
//! screen needs them, with what the device adds (a document's offline state, a form's
//! answers, a thread's last message). The core builds them; the desktop UI and the
//! bindings draw them.

use crate::records::{Appointment, Document, Form, FormResponse, Message, RecordKind, Thread};
use serde::{Deserialize, Serialize};

/// Where a document's bytes are on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DocumentStatus {
    /// No bytes here.
    NotDownloaded,
    /// Part of it arrived; the next download continues from `received`.
    Partial { received: u64, total: u64 },
    /// All of it, checked against its SHA-256.
    Available,
    /// Available, and kept for offline use until unpinned.
    Pinned,
}

/// How far a download is, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadProgress {
    pub received: u64,
    pub total: u64,
}

/// A page of a typed list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypedPage<T> {
    pub items: Vec<T>,
    /// Pass back for the next page; `None` at the end.
    pub next: Option<String>,
    /// Stored records this version could not read as their type (kept, never lost:
    /// a newer app may read them); counted so a screen can say so.
    pub skipped: u32,
}

/// Which appointments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// From now on, earliest first.
    Upcoming,
    /// Before now, latest first.
    Past,
}

/// A conversation in a list: its summary and its newest message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadItem {
    pub thread: Thread,
    pub last_message: Option<Message>,
}

/// A document with where its bytes are on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentItem {
    pub document: Document,
    pub offline: DocumentStatus,
}

/// A form with the patient's answers so far (a draft, or submitted), if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormItem {
    pub form: Form,
    pub response: Option<FormResponse>,
}

/// An amount of money: integer minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub currency: String,
    pub amount: i64,
}

/// What a home screen shows for one profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Home {
    pub next_appointment: Option<Appointment>,
    pub unread_messages: i64,
    /// Open balances, per currency, largest first.
    pub balance_due: Vec<Money>,
    /// Forms not submitted yet.
    pub forms_waiting: i64,
    /// Documents not yet opened (downloaded) on this device.
    pub documents_unopened: i64,
}

/// A search result: what it is, a title, and the words around the match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SearchHit {
    pub kind: RecordKind,
    pub id: String,
    /// The thread a message belongs to (to open it there).
    pub thread_id: Option<String>,
    /// A thread's subject, a document's title, or the start of a message.
    pub title: String,
    /// The text around the first match, with `…` where it was cut.
    pub snippet: String,
}
