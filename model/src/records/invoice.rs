//! `invoice`: a bill with its lines, its balance and, where asked, a superbill.

use super::open_enum::open_enum;
use super::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

open_enum! {
    /// Where an invoice stands.
    pub enum InvoiceStatus {
        Open = "open",
        Paid = "paid",
        Void = "void",
    }
}

/// One line of an invoice. `amount` is the price of one unit in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: i64,
    pub amount: i64,
}

impl InvoiceLine {
    /// The line's total in minor units (quantity × unit amount).
    pub fn total(&self) -> i64 {
        self.quantity.saturating_mul(self.amount)
    }
}

/// An invoice of a profile. Money is integer minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Invoice {
    pub id: String,
    pub profile_id: String,
    /// Set by the feed.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    pub number: String,
    #[serde(with = "time")]
    pub issued_at: DateTime<Utc>,
    #[serde(with = "time")]
    pub due_at: DateTime<Utc>,
    pub status: InvoiceStatus,
    /// ISO 4217, such as `USD`.
    pub currency: String,
    pub total: i64,
    /// What is left to pay.
    pub balance: i64,
    pub lines: Vec<InvoiceLine>,
    /// The superbill PDF, a `document` record, when the practice made one.
    #[serde(default)]
    pub superbill_document_id: Option<String>,
}
