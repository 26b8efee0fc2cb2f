//! Outgoing email. The built-in outbox keeps sent emails in memory (never in the
//! database, since they carry tokens) so that local users and tests can read them.

use crate::clock::Clock;
use portal_model::admin::OutboxEmail;
use std::sync::{Arc, Mutex, PoisonError};

/// An email ready to send. Bodies and links can carry tokens: `Debug` shows neither.
#[derive(Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub links: Vec<String>,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("subject", &self.subject)
            .field("links", &self.links.len())
            .finish_non_exhaustive()
    }
}

/// The built-in outbox.
#[derive(Clone, Default)]
pub struct Outbox {
    sent: Arc<Mutex<Vec<OutboxEmail>>>,
}

impl Outbox {
    /// Records `email` as sent now.
    pub fn send(&self, email: Email, clock: &dyn Clock) {
        let record = OutboxEmail {
            to: email.to,
            subject: email.subject,
            text: email.text,
            html: email.html,
            links: email.links,
            sent_at: clock.now(),
        };
        tracing::info!(subject = %record.subject, "email placed in the outbox");
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    /// Every email sent since start, oldest first.
    pub fn emails(&self) -> Vec<OutboxEmail> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
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
