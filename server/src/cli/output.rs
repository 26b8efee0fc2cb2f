//! What the commands print: short sentences for people, or the server's JSON for
//! scripts (`--json`). Results go to stdout; errors go to stderr through `main`.

use chrono::{DateTime, Local, Utc};
use serde_json::Value;
use std::io::Write;

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    /// Human sentences, or JSON with `json`.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints `answer` as JSON, or else the lines `human` writes.
    pub fn show(&self, answer: &Value, human: impl FnOnce() -> Vec<String>) {
        if self.json {
            print_line(
                &serde_json::to_string_pretty(answer).unwrap_or_else(|_| answer.to_string()),
            );
        } else {
            for line in human() {
                print_line(&line);
            }
        }
    }
}

/// One line on stdout. A closed pipe (`| head`) is not an error worth a panic.
fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// The text of a string field, or "" when absent.
pub fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value.get(field).and_then(Value::as_str).unwrap_or("")
}

/// A time from an answer in this computer's time zone, such as `2026-07-01 09:30 -04:00`.
pub fn when(value: &Value) -> String {
    match value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    {
        Some(at) => local(at.with_timezone(&Utc)),
        None => value.as_str().unwrap_or("-").to_owned(),
    }
}

/// `at` in this computer's time zone.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

/// Minor units as an amount with two decimals, such as `150.00 USD`.
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", minor / 100, minor % 100)
}
