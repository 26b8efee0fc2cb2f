//! Invoices with line items, and superbills: a PDF document the patient can hand to
//! their insurer, linked from the invoice.

use crate::crypto::new_id;
use crate::db::Conn;
use crate::db::millis;
use crate::error::ServerError;
use crate::params;
use crate::service::{audit, feed, records, settings};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use portal_model::ErrorCode;
use portal_model::records::{Invoice, InvoiceLine, InvoiceStatus};
use serde::Deserialize;

/// `POST /v1/admin/invoices`.
#[derive(Debug, Deserialize)]
pub struct NewInvoice {
    pub patient_id: String,
    pub number: String,
    pub due_at: DateTime<Utc>,
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
    /// Also produce a superbill PDF for the patient's insurer.
    #[serde(default)]
    pub superbill: bool,
}

/// `PATCH /v1/admin/invoices/{id}`.
#[derive(Debug, Deserialize)]
pub struct InvoiceChange {
    pub status: String,
}

fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", minor / 100, minor % 100)
}

fn check(invoice: &NewInvoice) -> Result<i64, ServerError> {
    let number = invoice.number.trim();
    if number.is_empty() || number.chars().count() > 64 {
        return Err(ServerError::bad_request(
            "number must be 1 to 64 characters.",
        ));
    }
    let currency_ok =
        invoice.currency.len() == 3 && invoice.currency.bytes().all(|b| b.is_ascii_uppercase());
    if !currency_ok {
        return Err(ServerError::bad_request(
            "currency must be an ISO 4217 code such as USD.",
        ));
    }
    if invoice.lines.is_empty() || invoice.lines.len() > 200 {
        return Err(ServerError::bad_request("An invoice needs 1 to 200 lines."));
    }
    let mut total: i64 = 0;
    for line in &invoice.lines {
        if line.description.trim().is_empty() || line.description.chars().count() > 200 {
            return Err(ServerError::bad_request(
                "Each line needs a description of at most 200 characters.",
            ));
        }
        if !(1..=10_000).contains(&line.quantity) || !(0..=100_000_000).contains(&line.amount) {
            return Err(ServerError::bad_request(
                "Each line needs a quantity from 1 to 10000 and an amount from 0 to 100000000 minor units.",
            ));
        }
        total += line.quantity * line.amount;
    }
    Ok(total)
}

fn number_taken(tx: &Conn, number: &str) -> Result<bool, ServerError> {
    let sql = format!(
        "SELECT 1 FROM records WHERE kind = 'invoice' AND deleted = 0 AND {} = ?1",
        tx.dialect().json_text("data", "number")
    );
    tx.exists(&sql, params![number])
}

/// The superbill's text: practice, patient, provider, services and total.
fn superbill_lines(
    tx: &Conn,
    patient_id: &str,
    invoice: &NewInvoice,
    total: i64,
    now: DateTime<Utc>,
) -> Result<(String, Vec<String>), ServerError> {
    let patient = records::load(tx, patient_id)?;
    let practice = settings::load(tx)?.practice_name;
    let provider: String = tx.query_one(
        "SELECT name FROM providers WHERE id = ?1",
        params![&patient.primary_provider_id],
        |row| row.get(0),
    )?;
    let mut lines = vec![
        practice.clone(),
        String::new(),
        format!("Patient: {} {}", patient.first_name, patient.last_name),
        format!(
            "Date of birth: {}",
            patient
                .date_of_birth
                .map_or_else(|| "not on file".to_owned(), |d| d.to_string())
        ),
        format!("Provider: {provider}"),
        format!(
            "Invoice: {}   Issued: {}",
            invoice.number.trim(),
            now.format("%Y-%m-%d")
        ),
        String::new(),
        "Services".to_owned(),
    ];
    for line in &invoice.lines {
        lines.push(format!(
            "  {} x {}  @ {}  = {}",
            line.quantity,
            line.description.trim(),
            money(line.amount, &invoice.currency),
            money(line.quantity * line.amount, &invoice.currency)
        ));
    }
    lines.push(String::new());
    lines.push(format!("Total: {}", money(total, &invoice.currency)));
    Ok((format!("Superbill - {practice}"), lines))
}

/// Creates an invoice (and its superbill) and returns the invoice id.
pub async fn create(state: &AppState, invoice: NewInvoice) -> Result<String, ServerError> {
    let total = check(&invoice)?;
    let now = state.clock.now();
    let fonts = std::sync::Arc::clone(&state.pdf_fonts);
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            crate::service::patients::require_patient(&tx, &invoice.patient_id)?;
            if number_taken(&tx, invoice.number.trim())? {
                return Err(ServerError::api(
                    StatusCode::CONFLICT,
                    ErrorCode::Conflict,
                    "Another invoice already has this number.",
                ));
            }
            let superbill_document_id = if invoice.superbill {
                let (title, lines) =
                    superbill_lines(&tx, &invoice.patient_id, &invoice, total, now)?;
                let pdf = crate::pdf::text_document(&fonts, &title, &lines)?;
                Some(crate::service::documents::publish_bytes(
                    &tx,
                    &invoice.patient_id,
                    &format!("Superbill for invoice {}", invoice.number.trim()),
                    "superbill",
                    "application/pdf",
                    &pdf,
                    now,
                )?)
            } else {
                None
            };
            let id = new_id("inv");
            let record = Invoice {
                id: id.clone(),
                profile_id: invoice.patient_id.clone(),
                rev: 0,
                updated_at: now,
                number: invoice.number.trim().to_owned(),
                issued_at: now,
                due_at: invoice.due_at,
                status: InvoiceStatus::Open,
                currency: invoice.currency.clone(),
                total,
                balance: total,
                lines: invoice.lines.clone(),
                superbill_document_id,
            };
            feed::put(&tx, &record, now)?;
            audit::record(&tx, millis(now), "admin", "invoice.create", &id)?;
            tx.commit()?;
            Ok(id)
        })
        .await
}

fn not_found() -> ServerError {
    ServerError::api(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No such invoice.",
    )
}

/// Marks an invoice open, paid or void; paid and void leave nothing to pay.
pub async fn set_status(
    state: &AppState,
    id: String,
    change: InvoiceChange,
) -> Result<(), ServerError> {
    if !["open", "paid", "void"].contains(&change.status.as_str()) {
        return Err(ServerError::bad_request(
            "status must be open, paid or void.",
        ));
    }
    let now = state.clock.now();
    state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut invoice: Invoice = feed::get(&tx, &id)?.ok_or_else(not_found)?;
            invoice.status = InvoiceStatus::parse(&change.status);
            invoice.balance = if invoice.status == InvoiceStatus::Open {
                invoice.total
            } else {
                0
            };
            feed::put(&tx, &invoice, now)?;
            audit::record(&tx, millis(now), "admin", "invoice.status", &id)?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// Deletes an invoice (the feed sends a delete).
pub async fn delete(state: &AppState, id: String) -> Result<(), ServerError> {
    feed::admin_delete(state, "invoice", id, "No such invoice.").await
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_prints_minor_units() {
        assert_eq!(money(12_345, "USD"), "123.45 USD");
        assert_eq!(money(5, "EUR"), "0.05 EUR");
        assert_eq!(money(-250, "USD"), "-2.50 USD");
    }
}
