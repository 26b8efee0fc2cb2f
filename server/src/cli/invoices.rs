//! Invoices with line items.

use super::client::{AdminApi, naming};
use super::input;
use super::output::{Output, local, money, text};
use chrono::{DateTime, Utc};
use portal_server::error::ServerError;
use serde_json::{Value, json};

/// Where an invoice stands.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum InvoiceStatus {
    Open,
    Paid,
    Void,
}

impl InvoiceStatus {
    fn wire(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Paid => "paid",
            Self::Void => "void",
        }
    }
}

/// `admin invoice …`
#[derive(clap::Subcommand)]
pub enum InvoiceCommand {
    /// Add an invoice to a patient's portal.
    Add {
        /// The patient id (pat_…).
        #[arg(long)]
        patient: String,
        /// The invoice number, such as INV-1042.
        #[arg(long)]
        number: String,
        /// Due date: 2026-07-31 (end of that day) or a time.
        #[arg(long, value_parser = input::due)]
        due: DateTime<Utc>,
        /// ISO 4217 code.
        #[arg(long, default_value = "USD")]
        currency: String,
        /// A line: 'Office visit: 150.00' or 'Lab test: 2 x 25.00' (repeat for more).
        #[arg(long = "line", required = true, value_parser = input::invoice_line)]
        lines: Vec<Value>,
        /// Also give the patient a superbill (PDF) for their insurer.
        #[arg(long)]
        superbill: bool,
    },
    /// Mark an invoice paid, void or open again.
    Update {
        /// The invoice id (inv_…).
        invoice: String,
        /// The new status.
        #[arg(long, value_enum)]
        status: InvoiceStatus,
    },
    /// Remove an invoice entered by mistake.
    Delete {
        /// The invoice id (inv_…).
        invoice: String,
    },
}

/// Runs `admin invoice …`.
pub async fn invoice(
    api: &AdminApi,
    out: Output,
    command: InvoiceCommand,
) -> Result<(), ServerError> {
    match command {
        InvoiceCommand::Add {
            patient,
            number,
            due,
            currency,
            lines,
            superbill,
        } => {
            let total: i64 = lines
                .iter()
                .map(|l| l["quantity"].as_i64().unwrap_or(0) * l["amount"].as_i64().unwrap_or(0))
                .sum();
            let body = json!({"patient_id": patient, "number": number, "due_at": due,
                              "currency": currency, "lines": lines, "superbill": superbill});
            let answer = api.post(&["invoices"], &body).await?;
            out.show(&answer, || {
                vec![format!(
                    "Added invoice {number} ({}) for {patient}: {}, due {}.",
                    text(&answer, "invoice_id"),
                    money(total, &currency),
                    local(due)
                )]
            });
        }
        InvoiceCommand::Update { invoice, status } => {
            let body = json!({"status": status.wire()});
            api.patch(&["invoices", &invoice], &body)
                .await
                .map_err(naming(&invoice))?;
            let answer = json!({"invoice_id": invoice, "status": status.wire()});
            out.show(&answer, || {
                vec![format!("Invoice {invoice} is now {}.", status.wire())]
            });
        }
        InvoiceCommand::Delete { invoice } => {
            api.delete(&["invoices", &invoice])
                .await
                .map_err(naming(&invoice))?;
            let answer = json!({"invoice_id": invoice, "deleted": true});
            out.show(&answer, || vec![format!("Deleted invoice {invoice}.")]);
        }
    }
    Ok(())
}
