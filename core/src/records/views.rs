//! What the typed queries answer: the feed's records (`portal_model::records`) as a
//! screen needs them, with what the device adds (a document's offline state, a form's
//! answers, a thread's last message).

use crate::store::blobs::DocumentStatus;
use portal_model::records::{
    Appointment, Document, Form, FormResponse, Message, RecordKind, Thread,
};

/// A page of a typed list, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedPage<T> {
    pub items: Vec<T>,
    /// Pass back for the next page; `None` at the end.
    pub next: Option<String>,
    /// Stored records this version could not read as their type (kept, never lost:
    /// a newer app may read them); counted so a screen can say so.
    pub skipped: u32,
}

/// Which appointments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// From now on, earliest first.
    Upcoming,
    /// Before now, latest first.
    Past,
}

/// A conversation in a list: its summary and its newest message.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadItem {
    pub thread: Thread,
    pub last_message: Option<Message>,
}

/// A document with where its bytes are on this device.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentItem {
    pub document: Document,
    pub offline: DocumentStatus,
}

/// A form with the patient's answers so far (a draft, or submitted), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct FormItem {
    pub form: Form,
    pub response: Option<FormResponse>,
}

/// An amount of money: integer minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub currency: String,
    pub amount: i64,
}

/// What a home screen shows for one profile.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
