//! Messages from a provider to a patient.

use super::client::AdminApi;
use super::output::{Output, text};
use portal_server::error::ServerError;
use serde_json::json;

/// `admin message …`
#[derive(clap::Subcommand)]
pub enum MessageCommand {
    /// Send a message from a provider on the patient's care team.
    Send {
        /// The patient id (pat_…).
        #[arg(long)]
        patient: String,
        /// The provider who writes (on the patient's care team).
        #[arg(long)]
        provider: String,
        /// The message.
        #[arg(long)]
        body: String,
        /// Subject of a new conversation.
        #[arg(long, conflicts_with = "thread")]
        subject: Option<String>,
        /// Reply in this conversation (thr_…) instead of starting a new one.
        #[arg(long)]
        thread: Option<String>,
    },
}

/// Runs `admin message …`.
pub async fn message(
    api: &AdminApi,
    out: Output,
    command: MessageCommand,
) -> Result<(), ServerError> {
    let MessageCommand::Send {
        patient,
        provider,
        body,
        subject,
        thread,
    } = command;
    let answer = api
        .post(
            &["messages"],
            &json!({"patient_id": patient, "provider_id": provider, "body": body,
                    "subject": subject, "thread_id": thread}),
        )
        .await?;
    out.show(&answer, || {
        vec![format!(
            "Sent message {} to {patient} in conversation {}.",
            text(&answer, "message_id"),
            text(&answer, "thread_id")
        )]
    });
    Ok(())
}
