//! Outgoing email, with HTML and text bodies. The built-in outbox keeps sent emails in
//! memory (never in the database, since they carry tokens) so that local users and tests
//! can read them; with SMTP configured, a queue in memory delivers and retries them.

use crate::clock::Clock;
use crate::error::ServerError;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portal_model::admin::OutboxEmail;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;

/// An email ready to send. Bodies and links can carry tokens: `Debug` shows neither.
#[derive(Clone)]
pub struct Email {
    /// What the email is (`invite`, `reset`, ...): what logs name, since subjects may
    /// carry a patient's name.
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub links: Vec<String>,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("kind", &self.kind)
            .field("links", &self.links.len())
            .finish_non_exhaustive()
    }
}

/// Where email goes.
#[derive(Debug, Clone, Default)]
pub enum MailConfig {
    /// The built-in outbox (memory only), for local use and tests.
    #[default]
    Outbox,
    /// An SMTP server: `smtp://host:port` (plain, local relays), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465`, with `user:password@` when it needs a login.
    Smtp { url: String, from: String },
}

/// Sends email: to the built-in outbox, or to SMTP through a queue in memory that
/// retries with backoff (the queue, like the outbox, never touches the database, since
/// emails carry tokens).
#[derive(Clone)]
pub struct Mailer {
    kind: Arc<MailerKind>,
}

enum MailerKind {
    Outbox(Mutex<Vec<OutboxEmail>>),
    Smtp(mpsc::UnboundedSender<Email>),
}

/// How often one email is tried before it is given up (about an hour in all).
const MAX_ATTEMPTS: u32 = 16;
const MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(300);

impl Mailer {
    /// The built-in outbox.
    pub fn outbox() -> Self {
        Self {
            kind: Arc::new(MailerKind::Outbox(Mutex::new(Vec::new()))),
        }
    }

    /// An SMTP sender; its delivery task runs on the current tokio runtime.
    pub fn smtp(url: &str, from: &str) -> Result<Self, ServerError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| ServerError::Startup(format!("the SMTP URL is not usable: {e}")))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from: Mailbox = from.parse().map_err(|e| {
            ServerError::Startup(format!("the sender address '{from}' is not valid: {e}"))
        })?;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(deliver(transport, from, rx));
        Ok(Self {
            kind: Arc::new(MailerKind::Smtp(tx)),
        })
    }

    /// Starts the mailer `config` asks for.
    pub fn from_config(config: &MailConfig) -> Result<Self, ServerError> {
        match config {
            MailConfig::Outbox => Ok(Self::outbox()),
            MailConfig::Smtp { url, from } => Self::smtp(url, from),
        }
    }

    /// Sends `email` (queued for SMTP; recorded as sent now for the outbox).
    pub fn send(&self, email: Email, clock: &dyn Clock) {
        match self.kind.as_ref() {
            MailerKind::Outbox(sent) => {
                let kind = email.kind;
                let record = OutboxEmail {
                    to: email.to,
                    subject: email.subject,
                    text: email.text,
                    html: email.html,
                    links: email.links,
                    sent_at: clock.now(),
                };
                tracing::info!(kind, "email placed in the outbox");
                sent.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(record);
            }
            MailerKind::Smtp(queue) => {
                let kind = email.kind;
                if queue.send(email).is_err() {
                    tracing::error!(kind, "the SMTP sender has stopped; email dropped");
                }
            }
        }
    }

    /// The outbox's emails, oldest first (none when mail goes to SMTP).
    pub fn outbox_emails(&self) -> Vec<OutboxEmail> {
        match self.kind.as_ref() {
            MailerKind::Outbox(sent) => sent.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            MailerKind::Smtp(_) => Vec::new(),
        }
    }
}

fn build_message(from: &Mailbox, email: &Email) -> Result<Message, String> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| format!("building the message: {e}"))
}

/// Delivers queued emails one after another, retrying transient failures with backoff.
/// Logs name the kind of email and the SMTP status only: addresses, subjects (which may
/// name a patient) and bodies stay out.
async fn deliver(
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    mut queue: mpsc::UnboundedReceiver<Email>,
) {
    while let Some(email) = queue.recv().await {
        let message = match build_message(&from, &email) {
            Ok(message) => message,
            Err(reason) => {
                tracing::error!(kind = email.kind, reason, "email not sent");
                continue;
            }
        };
        let mut delay = std::time::Duration::from_secs(1);
        for attempt in 1..=MAX_ATTEMPTS {
            match transport.send(message.clone()).await {
                Ok(_) => {
                    tracing::info!(kind = email.kind, attempt, "email sent");
                    break;
                }
                Err(error) if error.is_permanent() => {
                    tracing::error!(kind = email.kind, status = ?error.status(), "the SMTP server refused the email");
                    break;
                }
                Err(error) if attempt == MAX_ATTEMPTS => {
                    tracing::error!(kind = email.kind, status = ?error.status(), "email given up after {MAX_ATTEMPTS} attempts");
                }
                Err(error) => {
                    tracing::warn!(kind = email.kind, attempt, status = ?error.status(), "sending email failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_DELAY);
                }
            }
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escape_neutralises_markup() {
        assert_eq!(
            html_escape(r#"<a href="x">O'Neil & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }
}
