//! The records of the sync feed, typed: one struct per kind of PROTOCOL.md's table.
//!
//! The server builds each record's `data` from these structs and the clients read it
//! back into them, so the two sides cannot drift (a test decodes every record the
//! server's suites and its demo emit). Rules that keep an older app working with a
//! newer server:
//! - values that may grow (statuses, categories, kinds) are open enums with an
//!   `Unknown(String)` arm;
//! - fields added later are `Option` or `#[serde(default)]`, and unknown fields are
//!   ignored;
//! - a kind this version does not know is kept as [`Record::Unknown`], never dropped.
//!
//! Every record carries `id`, `rev` and `updated_at`, and `profile_id` unless it is
//! practice-wide (providers); the feed sets them (and a profile's `role`) on read, so
//! what the server puts there when it writes a record is not stored.

pub(crate) mod open_enum;
pub mod time;

mod appointment;
mod document;
#[cfg(feature = "uniffi")]
mod ffi;
mod form;
mod invoice;
mod message;
mod profile;
mod provider;
mod thread;

pub use appointment::{Appointment, AppointmentKind, AppointmentStatus};
pub use document::{Document, DocumentCategory};
pub use form::{FieldType, Form, FormAnswer, FormField, FormResponse, ResponseStatus};
pub use invoice::{Invoice, InvoiceLine, InvoiceStatus};
pub use message::{Message, Sender, SenderKind};
pub use profile::{Profile, ProfileRole};
pub use provider::Provider;
pub use thread::Thread;

use open_enum::open_enum;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

open_enum! {
    /// The kinds of record in the feed.
    pub enum RecordKind {
        Profile = "profile",
        Provider = "provider",
        Appointment = "appointment",
        Thread = "thread",
        Message = "message",
        Invoice = "invoice",
        Document = "document",
        Form = "form",
        FormResponse = "form_response",
    }
}

/// A record type of the feed.
pub trait FeedRecord: Serialize + DeserializeOwned {
    /// The feed's `kind` of this type.
    const KIND: &'static str;

    fn id(&self) -> &str;

    /// The patient the record belongs to; none for practice-wide records.
    fn profile_id(&self) -> Option<&str>;

    fn rev(&self) -> i64;
}

macro_rules! feed_record {
    ($ty:ty, $kind:literal, profile) => {
        impl FeedRecord for $ty {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn profile_id(&self) -> Option<&str> {
                Some(&self.profile_id)
            }
            fn rev(&self) -> i64 {
                self.rev
            }
        }
    };
    ($ty:ty, $kind:literal, practice) => {
        impl FeedRecord for $ty {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn profile_id(&self) -> Option<&str> {
                None
            }
            fn rev(&self) -> i64 {
                self.rev
            }
        }
    };
}

feed_record!(Profile, "profile", profile);
feed_record!(Provider, "provider", practice);
feed_record!(Appointment, "appointment", profile);
feed_record!(Thread, "thread", profile);
feed_record!(Message, "message", profile);
feed_record!(Invoice, "invoice", profile);
feed_record!(Document, "document", profile);
feed_record!(Form, "form", profile);
feed_record!(FormResponse, "form_response", profile);

/// Any record of the feed, by its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Profile(Profile),
    Provider(Provider),
    Appointment(Appointment),
    Thread(Thread),
    Message(Message),
    Invoice(Invoice),
    Document(Document),
    Form(Form),
    FormResponse(FormResponse),
    /// A kind this version does not know, kept as it came.
    Unknown {
        kind: String,
        id: String,
        /// The record's JSON text.
        json: String,
    },
}

/// Why a record could not be read as its kind's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub kind: String,
    pub id: String,
    /// What serde (or the strict check) said.
    pub reason: String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.kind, self.id, self.reason)
    }
}

impl std::error::Error for DecodeError {}

impl Record {
    /// Reads a record's JSON text as its kind's type; an unknown kind is kept as it is.
    pub fn from_json(kind: &str, json: &str) -> Result<Self, DecodeError> {
        fn read<T: FeedRecord>(kind: &str, json: &str) -> Result<T, DecodeError> {
            serde_json::from_str(json).map_err(|e| DecodeError {
                kind: kind.to_owned(),
                id: id_of(json),
                reason: e.to_string(),
            })
        }
        Ok(match RecordKind::parse(kind) {
            RecordKind::Profile => Self::Profile(read(kind, json)?),
            RecordKind::Provider => Self::Provider(read(kind, json)?),
            RecordKind::Appointment => Self::Appointment(read(kind, json)?),
            RecordKind::Thread => Self::Thread(read(kind, json)?),
            RecordKind::Message => Self::Message(read(kind, json)?),
            RecordKind::Invoice => Self::Invoice(read(kind, json)?),
            RecordKind::Document => Self::Document(read(kind, json)?),
            RecordKind::Form => Self::Form(read(kind, json)?),
            RecordKind::FormResponse => Self::FormResponse(read(kind, json)?),
            RecordKind::Unknown(kind) => Self::Unknown {
                id: id_of(json),
                kind,
                json: json.to_owned(),
            },
        })
    }

    /// Reads a record as [`Record::from_json`] does, and fails where an app built from
    /// this version would lose anything: a kind, a field or an enum value it does not
    /// know, or a field the type does not write back the same. For tests that keep the
    /// server and the model in step; apps use `from_json`, which tolerates all of these.
    pub fn decode_strict(kind: &str, data: &Value) -> Result<Self, DecodeError> {
        let fail = |reason: String| DecodeError {
            kind: kind.to_owned(),
            id: data["id"].as_str().unwrap_or_default().to_owned(),
            reason,
        };
        let record = Self::from_json(kind, &data.to_string())?;
        if let Self::Unknown { kind, .. } = &record {
            return Err(fail(format!("the kind '{kind}' has no type")));
        }
        let unknown = record.unknown_values();
        if !unknown.is_empty() {
            return Err(fail(format!("values without a variant: {unknown:?}")));
        }
        let written = record.to_value().map_err(|e| fail(e.to_string()))?;
        if let Some(difference) = first_difference("", data, &written) {
            return Err(fail(difference));
        }
        Ok(record)
    }

    /// The feed's kind.
    pub fn kind(&self) -> &str {
        match self {
            Self::Profile(_) => Profile::KIND,
            Self::Provider(_) => Provider::KIND,
            Self::Appointment(_) => Appointment::KIND,
            Self::Thread(_) => Thread::KIND,
            Self::Message(_) => Message::KIND,
            Self::Invoice(_) => Invoice::KIND,
            Self::Document(_) => Document::KIND,
            Self::Form(_) => Form::KIND,
            Self::FormResponse(_) => FormResponse::KIND,
            Self::Unknown { kind, .. } => kind,
        }
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Profile(r) => r.id(),
            Self::Provider(r) => r.id(),
            Self::Appointment(r) => r.id(),
            Self::Thread(r) => r.id(),
            Self::Message(r) => r.id(),
            Self::Invoice(r) => r.id(),
            Self::Document(r) => r.id(),
            Self::Form(r) => r.id(),
            Self::FormResponse(r) => r.id(),
            Self::Unknown { id, .. } => id,
        }
    }

    /// The record as JSON (an unknown kind as it came).
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        match self {
            Self::Profile(r) => serde_json::to_value(r),
            Self::Provider(r) => serde_json::to_value(r),
            Self::Appointment(r) => serde_json::to_value(r),
            Self::Thread(r) => serde_json::to_value(r),
            Self::Message(r) => serde_json::to_value(r),
            Self::Invoice(r) => serde_json::to_value(r),
            Self::Document(r) => serde_json::to_value(r),
            Self::Form(r) => serde_json::to_value(r),
            Self::FormResponse(r) => serde_json::to_value(r),
            Self::Unknown { json, .. } => serde_json::from_str(json),
        }
    }

    /// Every open-enum value in the record that this version does not know.
    pub fn unknown_values(&self) -> Vec<String> {
        let mut unknown = Vec::new();
        let mut note = |known: bool, text: &str| {
            if !known {
                unknown.push(text.to_owned());
            }
        };
        match self {
            Self::Profile(r) => note(r.role.is_known(), r.role.as_str()),
            Self::Appointment(r) => {
                note(r.kind.is_known(), r.kind.as_str());
                note(r.status.is_known(), r.status.as_str());
            }
            Self::Message(r) => note(r.sender.kind.is_known(), r.sender.kind.as_str()),
            Self::Invoice(r) => note(r.status.is_known(), r.status.as_str()),
            Self::Document(r) => note(r.category.is_known(), r.category.as_str()),
            Self::Form(r) => {
                for field in &r.fields {
                    note(field.kind.is_known(), field.kind.as_str());
                }
            }
            Self::FormResponse(r) => note(r.status.is_known(), r.status.as_str()),
            Self::Provider(_) | Self::Thread(_) | Self::Unknown { .. } => {}
        }
        unknown
    }
}

/// The OpenAPI schema of a change's `data`: any of the record types, by the change's
/// `kind`.
#[cfg(feature = "openapi")]
pub struct AnyRecord;

#[cfg(feature = "openapi")]
macro_rules! record_schemas {
    ($($ty:ty),+) => {
        impl utoipa::PartialSchema for AnyRecord {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::ToSchema;
                let mut any = utoipa::openapi::schema::AnyOfBuilder::new().description(Some(
                    "The record, as the type its `kind` names. A kind this client does not \
                     know is kept as it came.",
                ));
                $( any = any.item(utoipa::openapi::Ref::from_schema_name(<$ty>::name())); )+
                any.into()
            }
        }

        impl utoipa::ToSchema for AnyRecord {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed("AnyRecord")
            }

            fn schemas(
                schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                use utoipa::PartialSchema;
                $(
                    schemas.push((<$ty>::name().into_owned(), <$ty>::schema()));
                    <$ty>::schemas(schemas);
                )+
            }
        }
    };
}

#[cfg(feature = "openapi")]
record_schemas!(
    Profile,
    Provider,
    Appointment,
    Thread,
    Message,
    Invoice,
    Document,
    Form,
    FormResponse
);

/// The `id` field of a record's JSON text, for error messages (empty if unreadable).
fn id_of(json: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Id {
        #[serde(default)]
        id: String,
    }
    serde_json::from_str::<Id>(json)
        .map(|r| r.id)
        .unwrap_or_default()
}

/// Where `written` (a record read and written back) differs from what came (`sent`):
/// a field the type dropped, changed or added.
fn first_difference(path: &str, sent: &Value, written: &Value) -> Option<String> {
    match (sent, written) {
        (Value::Object(sent), Value::Object(written)) => {
            for (key, value) in sent {
                let here = format!("{path}.{key}");
                match written.get(key) {
                    None => return Some(format!("{here} is not a field of the type")),
                    Some(back) => {
                        if let Some(d) = first_difference(&here, value, back) {
                            return Some(d);
                        }
                    }
                }
            }
            written
                .keys()
                .find(|key| !sent.contains_key(*key))
                .map(|key| format!("{path}.{key} is missing from the record"))
        }
        (Value::Array(sent), Value::Array(written)) if sent.len() == written.len() => sent
            .iter()
            .zip(written)
            .enumerate()
            .find_map(|(n, (a, b))| first_difference(&format!("{path}[{n}]"), a, b)),
        _ if sent == written => None,
        _ => Some(format!("{path}: sent {sent}, read back as {written}")),
    }
}

#[cfg(test)]
mod tests;
