//! The patient's writes and the outbox that carries them: `client.outbox()` of the
//! core, as it is. Each write is stored on the device with its effect shown at once
//! (a message appears, an appointment shows as cancelled), and comes back as its
//! [`OutboxItem`]; the core sends it when it can, in order, and undoes it with the
//! server's reason when the server refuses. A UI shows each item's [`WriteStatus`]
//! and, for a refused one, offers retry or discard.

use crate::PortalClient;
use crate::background::{Subscription, WriteStatus};
use crate::error::PortalError;
use crate::records::forward;
use portal_core::WriteState;
use portal_model::ErrorCode;
use portal_model::records::FormAnswer;
use portal_model::writes::{ContactChange, FormAnswers};
use std::collections::HashMap;
use std::sync::Arc;

/// Where a message goes: an existing conversation, or a new one with a provider of
/// the care team.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MessageTo {
    Thread {
        thread_id: String,
    },
    NewThread {
        provider_id: String,
        subject: String,
    },
}

/// What a write does.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum WriteKind {
    SendMessage,
    MarkRead,
    CancelAppointment,
    ConfirmAppointment,
    SaveFormDraft,
    SubmitForm,
    UpdateContact,
    UploadDocument,
    /// A kind this version does not know, as stored.
    Other {
        kind: String,
    },
}

impl WriteKind {
    fn parse(kind: &str) -> Self {
        match kind {
            "send_message" => Self::SendMessage,
            "mark_read" => Self::MarkRead,
            "cancel_appointment" => Self::CancelAppointment,
            "confirm_appointment" => Self::ConfirmAppointment,
            "save_form_draft" => Self::SaveFormDraft,
            "submit_form" => Self::SubmitForm,
            "update_contact" => Self::UpdateContact,
            "upload_document" => Self::UploadDocument,
            other => Self::Other {
                kind: other.to_owned(),
            },
        }
    }
}

/// Why the server refused a write: its stable code (switch on it), its words, and for
/// a form (`InvalidAnswers`) the fields it names.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<String>,
}

/// A write as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxItem {
    /// The write's id (the mutation id the server deduplicates on).
    pub id: String,
    pub kind: WriteKind,
    pub profile_id: String,
    /// `Queued` (kept on the device), `Sending`, `Sent` (until the server's own
    /// version arrives), or `Failed` (refused: see `refusal`).
    pub status: WriteStatus,
    /// Attempts that did not reach the server (it is retried with backoff).
    pub attempts: u32,
    pub refusal: Option<Refusal>,
    /// For a message: the id it has in the conversation until the server's arrives.
    pub local_message_id: Option<String>,
    /// For a message that starts a conversation: that conversation's id until then.
    pub local_thread_id: Option<String>,
}

impl From<portal_core::OutboxItem> for OutboxItem {
    fn from(item: portal_core::OutboxItem) -> Self {
        let is_message = item.kind == "send_message";
        let starts_thread = is_message && item.args.get("thread_id").is_none();
        Self {
            local_message_id: is_message.then(|| portal_core::outbox::local_message_id(&item.id)),
            local_thread_id: starts_thread.then(|| portal_core::outbox::local_thread_id(&item.id)),
            kind: WriteKind::parse(&item.kind),
            status: match item.state {
                WriteState::Queued => WriteStatus::Queued,
                WriteState::Sending => WriteStatus::Sending,
                WriteState::Sent => WriteStatus::Sent,
                WriteState::Failed => WriteStatus::Failed,
            },
            attempts: item.attempts,
            refusal: item.error.map(|error| Refusal {
                code: ErrorCode::parse(&error.code),
                message: error.message,
                fields: error.fields,
            }),
            id: item.id,
            profile_id: item.profile_id,
        }
    }
}

/// Hears the whole outbox (every write not yet settled, oldest first).
#[uniffi::export(with_foreign)]
pub trait OutboxListener: Send + Sync {
    fn on_outbox(&self, items: Vec<OutboxItem>);
}

/// Hears one write: its item at each move, then `None` once it is settled (the
/// server's version arrived, or it was discarded).
#[uniffi::export(with_foreign)]
pub trait WriteListener: Send + Sync {
    fn on_write(&self, item: Option<OutboxItem>);
}

#[uniffi::export(async_runtime = "tokio")]
impl PortalClient {
    /// Sends a message: it shows in the conversation at once and goes when it can.
    /// Throws `InvalidInput` for an empty message.
    pub async fn send_message(
        &self,
        profile_id: String,
        to: MessageTo,
        body: String,
    ) -> Result<OutboxItem, PortalError> {
        let to = match to {
            MessageTo::Thread { thread_id } => portal_core::MessageTo::Thread(thread_id),
            MessageTo::NewThread {
                provider_id,
                subject,
            } => portal_core::MessageTo::NewThread {
                provider_id,
                subject,
            },
        };
        Ok(self
            .inner
            .outbox()
            .send_message(&profile_id, to, &body)
            .await?
            .into())
    }

    /// Marks a conversation read up to a message.
    pub async fn mark_read(
        &self,
        profile_id: String,
        thread_id: String,
        up_to_message_id: String,
    ) -> Result<OutboxItem, PortalError> {
        Ok(self
            .inner
            .outbox()
            .mark_read(&profile_id, &thread_id, &up_to_message_id)
            .await?
            .into())
    }

    /// Cancels an appointment. Past the practice's limit the server refuses it with
    /// `TooLate`, and the appointment is back as it was.
    pub async fn cancel_appointment(
        &self,
        profile_id: String,
        appointment_id: String,
        reason: Option<String>,
    ) -> Result<OutboxItem, PortalError> {
        Ok(self
            .inner
            .outbox()
            .cancel_appointment(&profile_id, &appointment_id, reason.as_deref())
            .await?
            .into())
    }

    /// Confirms an appointment.
    pub async fn confirm_appointment(
        &self,
        profile_id: String,
        appointment_id: String,
    ) -> Result<OutboxItem, PortalError> {
        Ok(self
            .inner
            .outbox()
            .confirm_appointment(&profile_id, &appointment_id)
            .await?
            .into())
    }

    /// Saves a form's answers (by field id) as a draft, or submits them (`submit`).
    /// A submission with missing or wrong answers is refused with `InvalidAnswers`,
    /// naming the fields; the answers stay as a draft.
    pub async fn answer_form(
        &self,
        profile_id: String,
        form_id: String,
        answers: HashMap<String, FormAnswer>,
        submit: bool,
    ) -> Result<OutboxItem, PortalError> {
        let answers: FormAnswers = answers.into_iter().collect();
        Ok(self
            .inner
            .outbox()
            .answer_form(&profile_id, &form_id, &answers, submit)
            .await?
            .into())
    }

    /// Changes contact details (each field kept, cleared or set). If the practice
    /// changed the profile meanwhile, the server refuses with `Conflict`: show both
    /// versions and let the patient choose.
    pub async fn update_contact(
        &self,
        profile_id: String,
        change: ContactChange,
    ) -> Result<OutboxItem, PortalError> {
        Ok(self
            .inner
            .outbox()
            .update_contact(&profile_id, &change)
            .await?
            .into())
    }

    /// Every write not yet settled, oldest first.
    pub async fn outbox_items(&self) -> Result<Vec<OutboxItem>, PortalError> {
        Ok(self
            .inner
            .outbox()
            .items()
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// One write as the outbox holds it; `None` once it is settled.
    pub async fn outbox_item(&self, id: String) -> Result<Option<OutboxItem>, PortalError> {
        Ok(self.inner.outbox().item(&id).await?.map(Into::into))
    }

    /// Watches the outbox: `listener` hears it now and at every move of a write.
    pub async fn watch_outbox(
        &self,
        listener: Arc<dyn OutboxListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let outbox = self.inner.outbox();
        let watch = self
            .inner
            .watch(
                |notice| {
                    matches!(
                        notice,
                        portal_core::ChangeNotice::Write { .. }
                            | portal_core::ChangeNotice::Records { .. }
                    )
                },
                move || {
                    let outbox = outbox.clone();
                    async move { outbox.items().await }
                },
            )
            .await?;
        Ok(forward(
            watch,
            move |items: Vec<portal_core::OutboxItem>| {
                listener.on_outbox(items.into_iter().map(Into::into).collect())
            },
        ))
    }

    /// Watches one write until it is settled (the listener hears `None` then).
    pub async fn watch_write(
        &self,
        id: String,
        listener: Arc<dyn WriteListener>,
    ) -> Result<Arc<Subscription>, PortalError> {
        let watch = self.inner.outbox().watch_item(&id).await?;
        Ok(forward(
            watch,
            move |item: Option<portal_core::OutboxItem>| listener.on_write(item.map(Into::into)),
        ))
    }

    /// Puts a refused write back in line; false if it was not a refused write.
    pub async fn retry_write(&self, id: String) -> Result<bool, PortalError> {
        Ok(self.inner.outbox().retry(&id).await?)
    }

    /// Drops a queued or refused write and undoes its effect; false if it is being
    /// sent or already sent.
    pub async fn discard_write(&self, id: String) -> Result<bool, PortalError> {
        Ok(self.inner.outbox().discard(&id).await?)
    }
}
