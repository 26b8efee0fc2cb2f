//! Sending the outbox: in order, one write at a time, its files first; network errors
//! and 5xx wait with backoff (2 s doubling to 5 min, ±20 %); a refusal undoes the
//! write's effect and keeps the server's reason with it.

use super::Outbox;
use crate::error::CoreError;
use crate::store::outbox::NextSend;
use crate::store::{WriteError, WriteState};
use portal_model::sync::{Mutation, MutationBatch, MutationResults, MutationStatus};
use rand::RngCore;
use reqwest::Method;

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

impl Outbox {
    /// Makes the writes that wait out a backoff due now: the server answers again, so
    /// what waited for it goes at once rather than at its next try. How many.
    pub(crate) async fn due_now(&self) -> Result<usize, CoreError> {
        let (store, _) = self.ctx.store().await?;
        store.due_now(self.ctx.now().timestamp_millis()).await
    }

    /// Sends the outbox in order until it is empty, the network fails (the write
    /// waits with backoff), or the first write is not due yet.
    pub async fn flush(&self) -> Result<FlushReport, CoreError> {
        let (store, _) = self.ctx.store().await?;
        let mut report = FlushReport::default();
        loop {
            let now = self.ctx.now().timestamp_millis();
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
                    self.ctx
                        .send_signed_in::<_, MutationResults>(
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
                                .mark_sent(&write.id, self.ctx.now().timestamp_millis())
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
                            self.ctx.notify_records(&touched);
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
                    self.ctx.notify_records(&touched);
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
