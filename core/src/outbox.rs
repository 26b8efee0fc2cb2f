//! Writing: every change the patient makes (a message, a read mark, a cancellation, a
//! form draft, a contact change) is stored with its optimistic effect, then sent in
//! order, retried with backoff on network errors and 5xx, and undone with its reason
//! kept when the server refuses it.

use crate::changes::{ChangeNotice, by_kind};
use crate::client::PortalClient;
use crate::error::CoreError;
use crate::store::outbox::{NextSend, PendingWrite};
use crate::store::{OutboxItem, WriteError, WriteState};
use portal_model::sync::{Mutation, MutationBatch, MutationResults, MutationStatus};
use rand::RngCore;
use reqwest::Method;
use serde_json::{Value, json};

/// The first retry waits this long; each further one doubles it, up to the cap.
const BACKOFF_BASE_MS: i64 = 2_000;
const BACKOFF_CAP_MS: i64 = 5 * 60 * 1_000;

/// What a flush of the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Writes the server accepted (or already had).
    pub sent: u32,
    /// Writes the server refused (now `Failed`, their effects undone).
    pub refused: u32,
    /// When the first write still waiting will be tried again (Unix ms), if any.
    pub retry_at_ms: Option<i64>,
}

/// A new thread's first message, or a message in an existing thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageTo {
    Thread(String),
    NewThread {
        provider_id: String,
        subject: String,
    },
}

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

/// How long to wait before attempt `attempts + 1`, with ±20 % jitter.
fn backoff_ms(attempts: u32) -> i64 {
    let exponent = attempts.saturating_sub(1).min(16);
    let base = (BACKOFF_BASE_MS << exponent).min(BACKOFF_CAP_MS);
    let jitter = (rand::rng().next_u32() % 41) as i64 - 20;
    base + base * jitter / 100
}

/// True for failures worth retrying later: no connection, the server's own trouble,
/// or being asked to slow down.
fn is_transient(error: &CoreError) -> bool {
    match error {
        CoreError::Network(_) => true,
        CoreError::Server { status, code, .. } => {
            *status >= 500 || *code == portal_model::ErrorCode::RateLimited
        }
        CoreError::UnexpectedResponse { status } => *status >= 500,
        _ => false,
    }
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

impl PortalClient {
    /// Stores a write for `profile_id` with its local effect; returns its id.
    pub(crate) async fn write(
        &self,
        kind: &str,
        profile_id: &str,
        args: Value,
    ) -> Result<String, CoreError> {
        let signed_in = self.require_unlocked()?;
        if !signed_in
            .profiles
            .iter()
            .any(|p| p.patient_id == profile_id)
        {
            return Err(CoreError::UnknownProfile);
        }
        let (store, _) = self.store().await?;
        let id = new_mutation_id();
        let touched = store
            .enqueue(
                PendingWrite {
                    id: id.clone(),
                    kind: kind.to_owned(),
                    profile_id: profile_id.to_owned(),
                    args,
                },
                self.now().timestamp_millis(),
            )
            .await?;
        tracing::info!(kind, "a write was queued");
        self.notify(ChangeNotice::Write {
            id: id.clone(),
            state: Some(WriteState::Queued),
        });
        self.notify_records(&touched);
        self.wake.notify_one();
        Ok(id)
    }

    /// Sends a message (shown at once, marked pending until the server has it).
    pub async fn send_message(
        &self,
        profile_id: &str,
        to: MessageTo,
        body: &str,
    ) -> Result<String, CoreError> {
        let args = message_args(to, body)?;
        self.write("send_message", profile_id, args).await
    }

    /// Marks a thread read up to a message.
    pub async fn mark_read(
        &self,
        profile_id: &str,
        thread_id: &str,
        up_to_message_id: &str,
    ) -> Result<String, CoreError> {
        let args = json!({"thread_id": thread_id, "up_to_message_id": up_to_message_id});
        self.write("mark_read", profile_id, args).await
    }

    /// Cancels an appointment (the server refuses with `too_late` past its limit).
    pub async fn cancel_appointment(
        &self,
        profile_id: &str,
        appointment_id: &str,
        reason: Option<&str>,
    ) -> Result<String, CoreError> {
        let args = json!({"appointment_id": appointment_id, "reason": reason});
        self.write("cancel_appointment", profile_id, args).await
    }

    /// Confirms an appointment.
    pub async fn confirm_appointment(
        &self,
        profile_id: &str,
        appointment_id: &str,
    ) -> Result<String, CoreError> {
        let args = json!({"appointment_id": appointment_id});
        self.write("confirm_appointment", profile_id, args).await
    }

    /// Saves a form's answers as a draft (`submit: false`) or submits them.
    pub async fn answer_form(
        &self,
        profile_id: &str,
        form_id: &str,
        answers: Value,
        submit: bool,
    ) -> Result<String, CoreError> {
        if !answers.is_object() {
            return Err(CoreError::InvalidInput(
                "form answers are a map of field ids to values".to_owned(),
            ));
        }
        let kind = if submit {
            "submit_form"
        } else {
            "save_form_draft"
        };
        let args = json!({"form_id": form_id, "answers": answers});
        self.write(kind, profile_id, args).await
    }

    /// Changes contact details (`phone`, `address`, `preferred_name`), based on the
    /// profile as this device has it: the server refuses with `conflict` if it changed
    /// meanwhile.
    pub async fn update_contact(
        &self,
        profile_id: &str,
        fields: serde_json::Map<String, Value>,
    ) -> Result<String, CoreError> {
        let (store, _) = self.store().await?;
        let base_rev = store
            .get("profile", profile_id)
            .await?
            .map(|r| r.rev)
            .ok_or(CoreError::UnknownProfile)?;
        let args = json!({"fields": fields, "base_rev": base_rev});
        self.write("update_contact", profile_id, args).await
    }

    /// Every write not yet settled, oldest first, with its state and any refusal.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>, CoreError> {
        let (store, _) = self.store().await?;
        store.outbox_items().await
    }

    /// Puts a refused write back in line (its effect laid again); false if it is not
    /// a refused write.
    pub async fn retry_write(&self, id: &str) -> Result<bool, CoreError> {
        let (store, _) = self.store().await?;
        let Some(touched) = store.retry(id, self.now().timestamp_millis()).await? else {
            return Ok(false);
        };
        self.notify_write(id, Some(WriteState::Queued));
        self.notify_records(&touched);
        self.wake.notify_one();
        Ok(true)
    }

    /// Drops a queued or refused write and undoes its effect; false if it is being
    /// sent or already sent.
    pub async fn discard_write(&self, id: &str) -> Result<bool, CoreError> {
        let (store, _) = self.store().await?;
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
        self.notify_records(&touched);
        Ok(true)
    }

    fn notify_write(&self, id: &str, state: Option<WriteState>) {
        self.notify(ChangeNotice::Write {
            id: id.to_owned(),
            state,
        });
    }

    pub(crate) fn notify_records(&self, changed: &[(String, String)]) {
        for notice in by_kind(changed) {
            self.notify(notice);
        }
    }

    /// Sends the outbox in order until it is empty, the network fails (the write
    /// waits with backoff), or the first write is not due yet.
    pub async fn flush_outbox(&self) -> Result<FlushReport, CoreError> {
        let (store, _) = self.store().await?;
        let mut report = FlushReport::default();
        loop {
            let now = self.now().timestamp_millis();
            let (write, attempts) = match store.next_to_send(now).await? {
                NextSend::Nothing => return Ok(report),
                NextSend::WaitUntil(at) => {
                    report.retry_at_ms = Some(at);
                    return Ok(report);
                }
                NextSend::Send(write, attempts) => (write, attempts),
            };
            store.set_sending(&write.id).await?;
            self.notify_write(&write.id, Some(WriteState::Sending));
            let batch = MutationBatch {
                mutations: vec![Mutation {
                    id: write.id.clone(),
                    kind: write.kind.clone(),
                    profile_id: write.profile_id.clone(),
                    args: write.args.clone(),
                }],
            };
            // The files a write refers to go first (a pre-send step per kind); a failure
            // there is handled as the write's own.
            let answer = match self.send_uploads(&store, &write).await {
                Ok(()) => {
                    self.send_signed_in::<_, MutationResults>(
                        Method::POST,
                        "/v1/mutations",
                        Some(&batch),
                    )
                    .await
                }
                Err(error) => Err(error),
            };
            match answer {
                Ok(results) => {
                    let result = results.results.into_iter().find(|r| r.id == write.id);
                    match result {
                        Some(r) if r.status != MutationStatus::Rejected => {
                            store
                                .mark_sent(&write.id, self.now().timestamp_millis())
                                .await?;
                            self.notify_write(&write.id, Some(WriteState::Sent));
                            self.release_uploads(&store, &write).await;
                            report.sent += 1;
                        }
                        Some(r) => {
                            tracing::info!(kind = %write.kind, code = ?r.code, "a write was refused");
                            let touched = store
                                .reject(
                                    &write.id,
                                    WriteError {
                                        code: r.code.unwrap_or_else(|| "rejected".to_owned()),
                                        message: r.message.unwrap_or_default(),
                                        fields: r.fields,
                                    },
                                )
                                .await?;
                            self.notify_write(&write.id, Some(WriteState::Failed));
                            self.notify_records(&touched);
                            report.refused += 1;
                        }
                        None => {
                            let at = now + backoff_ms(attempts + 1);
                            store.requeue(&write.id, at).await?;
                            return Err(CoreError::UnexpectedResponse { status: 200 });
                        }
                    }
                }
                Err(error) if is_transient(&error) => {
                    let at = now + backoff_ms(attempts + 1);
                    store.requeue(&write.id, at).await?;
                    self.notify_write(&write.id, Some(WriteState::Queued));
                    tracing::info!(code = error.code(), "a write will be tried again");
                    return Err(error);
                }
                Err(error @ CoreError::Server { .. }) if !error.is_session_end() => {
                    // The request as a whole was refused: keep the reason with the write.
                    let (code, message) = match &error {
                        CoreError::Server { code, message, .. } => {
                            (code.as_str().to_owned(), message.clone())
                        }
                        _ => ("rejected".to_owned(), String::new()),
                    };
                    let touched = store
                        .reject(
                            &write.id,
                            WriteError {
                                code,
                                message,
                                fields: Vec::new(),
                            },
                        )
                        .await?;
                    self.notify_write(&write.id, Some(WriteState::Failed));
                    self.notify_records(&touched);
                    report.refused += 1;
                }
                Err(error) => {
                    // Signed out, locked, or the session ended: the write waits as it is.
                    store.requeue(&write.id, now).await?;
                    self.notify_write(&write.id, Some(WriteState::Queued));
                    return Err(error);
                }
            }
        }
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

    #[test]
    fn backoff_doubles_up_to_five_minutes_with_jitter() {
        for (attempts, base) in [(1, 2_000), (2, 4_000), (3, 8_000), (20, BACKOFF_CAP_MS)] {
            let wait = backoff_ms(attempts);
            assert!(
                wait >= base * 8 / 10 && wait <= base * 12 / 10,
                "{attempts}: {wait}"
            );
        }
    }
}
