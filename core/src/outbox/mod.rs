//! Writing, as apps use it: `client.outbox()`. Every change the patient makes (a
//! message, a read mark, a cancellation, a form draft, a contact change, a file) is
//! stored with its optimistic effect, then sent in order (`send`), retried with backoff
//! on network errors and 5xx, and undone with its reason kept when the server refuses
//! it. Files go first, each under its own upload id (`uploads`).

mod send;
mod uploads;

pub use send::FlushReport;
pub use uploads::{Attachment, MAX_DOCUMENT_BYTES};

use crate::error::CoreError;
use crate::notices::ChangeNotice;
use crate::session::Context;
use crate::store::outbox::PendingWrite;
use crate::store::{OutboxItem, WriteState};
use crate::watch::{self, Watch};
use portal_model::writes::{ContactChange, FormAnswers, MAX_CONTACT_FIELD_CHARS, answers_json};
use rand::RngCore;
use serde_json::{Value, json};
use std::sync::Arc;

/// A new thread's first message, or a message in an existing thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageTo {
    Thread(String),
    NewThread {
        provider_id: String,
        subject: String,
    },
}

pub use crate::store::outbox::{local_message_id, local_thread_id, write_of_local_message};

/// A random (version 4) UUID, the mutation's id.
pub(crate) fn new_mutation_id() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A message's `args`: its thread (or new thread) and its text.
pub(crate) fn message_args(to: MessageTo, body: &str) -> Result<Value, CoreError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(CoreError::InvalidInput(
            "a message needs some text".to_owned(),
        ));
    }
    Ok(match to {
        MessageTo::Thread(thread_id) => json!({"thread_id": thread_id, "body": body}),
        MessageTo::NewThread {
            provider_id,
            subject,
        } => json!({"provider_id": provider_id, "subject": subject, "body": body}),
    })
}

/// The writes of one client, and the outbox that holds them until the server has them.
#[derive(Clone)]
pub struct Outbox {
    ctx: Arc<Context>,
}

impl Outbox {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Stores a write for `profile_id` with its local effect; returns it as the outbox
    /// holds it (queued).
    pub(crate) async fn write(
        &self,
        kind: &str,
        profile_id: &str,
        args: Value,
    ) -> Result<OutboxItem, CoreError> {
        if !self.ctx.require_unlocked()?.acts_for(profile_id) {
            return Err(CoreError::UnknownProfile);
        }
        let (store, _) = self.ctx.store().await?;
        let id = new_mutation_id();
        let item = OutboxItem {
            id: id.clone(),
            kind: kind.to_owned(),
            profile_id: profile_id.to_owned(),
            args: args.clone(),
            state: WriteState::Queued,
            attempts: 0,
            error: None,
        };
        let touched = store
            .enqueue(
                PendingWrite {
                    id: id.clone(),
                    kind: kind.to_owned(),
                    profile_id: profile_id.to_owned(),
                    args,
                },
                self.ctx.now().timestamp_millis(),
            )
            .await?;
        tracing::info!(kind, "a write was queued");
        self.ctx.notify(ChangeNotice::Write {
            id: id.clone(),
            state: Some(WriteState::Queued),
        });
        self.ctx.notify_records(&touched);
        self.ctx.wake.notify_one();
        Ok(item)
    }

    /// Sends a message (shown at once, marked pending until the server has it).
    pub async fn send_message(
        &self,
        profile_id: &str,
        to: MessageTo,
        body: &str,
    ) -> Result<OutboxItem, CoreError> {
        let args = message_args(to, body)?;
        self.write("send_message", profile_id, args).await
    }

    /// Marks a thread read up to a message.
    pub async fn mark_read(
        &self,
        profile_id: &str,
        thread_id: &str,
        up_to_message_id: &str,
    ) -> Result<OutboxItem, CoreError> {
        let args = json!({"thread_id": thread_id, "up_to_message_id": up_to_message_id});
        self.write("mark_read", profile_id, args).await
    }

    /// Cancels an appointment (the server refuses with `too_late` past its limit).
    pub async fn cancel_appointment(
        &self,
        profile_id: &str,
        appointment_id: &str,
        reason: Option<&str>,
    ) -> Result<OutboxItem, CoreError> {
        let args = json!({"appointment_id": appointment_id, "reason": reason});
        self.write("cancel_appointment", profile_id, args).await
    }

    /// Confirms an appointment.
    pub async fn confirm_appointment(
        &self,
        profile_id: &str,
        appointment_id: &str,
    ) -> Result<OutboxItem, CoreError> {
        let args = json!({"appointment_id": appointment_id});
        self.write("confirm_appointment", profile_id, args).await
    }

    /// Saves a form's answers as a draft (`submit: false`) or submits them. The
    /// answers are by field id; the server checks required fields at submission.
    pub async fn answer_form(
        &self,
        profile_id: &str,
        form_id: &str,
        answers: &FormAnswers,
        submit: bool,
    ) -> Result<OutboxItem, CoreError> {
        let kind = if submit {
            "submit_form"
        } else {
            "save_form_draft"
        };
        let args = json!({"form_id": form_id, "answers": answers_json(answers)});
        self.write(kind, profile_id, args).await
    }

    /// Changes contact details, based on the profile as this device has it: the server
    /// refuses with `conflict` if it changed meanwhile.
    pub async fn update_contact(
        &self,
        profile_id: &str,
        change: &ContactChange,
    ) -> Result<OutboxItem, CoreError> {
        if change.is_empty() {
            return Err(CoreError::InvalidInput(
                "the change of contact details changes nothing".to_owned(),
            ));
        }
        if let Some(field) = change.too_long().first() {
            return Err(CoreError::InvalidInput(format!(
                "the {} is longer than {MAX_CONTACT_FIELD_CHARS} characters",
                field.replace('_', " ")
            )));
        }
        let (store, _) = self.ctx.store().await?;
        let base_rev = store
            .get("profile", profile_id)
            .await?
            .map(|r| r.rev)
            .ok_or(CoreError::UnknownProfile)?;
        let args = json!({"fields": change.fields(), "base_rev": base_rev});
        self.write("update_contact", profile_id, args).await
    }

    /// The write `id` as the outbox holds it now; `None` once it is settled (sent and
    /// the server's version pulled, or discarded).
    pub async fn item(&self, id: &str) -> Result<Option<OutboxItem>, CoreError> {
        Ok(self.items().await?.into_iter().find(|item| item.id == id))
    }

    /// Follows the write `id`: its item at each change of state (queued, sending, sent,
    /// failed with the server's code), then `None` once it is settled.
    pub async fn watch_item(&self, id: &str) -> Result<Watch<Option<OutboxItem>>, CoreError> {
        let outbox = self.clone();
        let followed = id.to_owned();
        let wanted = id.to_owned();
        watch::start(
            &self.ctx,
            // Its own moves, and pulls: a pull that brings the server's version of a
            // sent write settles it.
            move |notice| match notice {
                ChangeNotice::Write { id, .. } => *id == wanted,
                ChangeNotice::Records { .. } => true,
                _ => false,
            },
            move || {
                let outbox = outbox.clone();
                let id = followed.clone();
                async move { outbox.item(&id).await }
            },
        )
        .await
    }

    /// Every write not yet settled, oldest first, with its state and any refusal.
    pub async fn items(&self) -> Result<Vec<OutboxItem>, CoreError> {
        let (store, _) = self.ctx.store().await?;
        store.outbox_items().await
    }

    /// Puts a refused write back in line (its effect laid again); false if it is not
    /// a refused write.
    pub async fn retry(&self, id: &str) -> Result<bool, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let Some(touched) = store.retry(id, self.ctx.now().timestamp_millis()).await? else {
            return Ok(false);
        };
        self.notify_write(id, Some(WriteState::Queued));
        self.ctx.notify_records(&touched);
        self.ctx.wake.notify_one();
        Ok(true)
    }

    /// Drops a queued or refused write and undoes its effect; false if it is being
    /// sent or already sent.
    pub async fn discard(&self, id: &str) -> Result<bool, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let item = store.outbox_items().await?.into_iter().find(|i| i.id == id);
        let Some(touched) = store.discard(id).await? else {
            return Ok(false);
        };
        if let Some(item) = item {
            // The files it would have carried are no longer needed.
            let write = PendingWrite {
                id: item.id,
                kind: item.kind,
                profile_id: item.profile_id,
                args: item.args,
            };
            self.release_uploads(&store, &write).await;
        }
        self.notify_write(id, None);
        self.ctx.notify_records(&touched);
        Ok(true)
    }

    pub(crate) fn notify_write(&self, id: &str, state: Option<WriteState>) {
        self.ctx.notify(ChangeNotice::Write {
            id: id.to_owned(),
            state,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutation_ids_are_version_4_uuids_and_differ() {
        let a = new_mutation_id();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(a, new_mutation_id());
    }
}
