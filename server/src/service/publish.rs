//! Writes the feed records that mirror the practice's tables: each patient's `profile`
//! and each `provider`. Called in the same transaction as the change they mirror.

use crate::db::Conn;
use crate::error::ServerError;
use crate::params;
use crate::service::{feed, records};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Publishes a patient's profile record (the role is filled in per account on read).
pub fn profile(tx: &Conn, patient_id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
    let record = records::load(tx, patient_id)?;
    let (phone, preferred_name, address): (Option<String>, Option<String>, Option<String>) = tx
        .query_one(
            "SELECT phone, preferred_name, address FROM patients WHERE id = ?1",
            params![patient_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
    let data = json!({
        "patient_id": patient_id,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "preferred_name": preferred_name,
        "date_of_birth": record.date_of_birth,
        "email": record.email,
        "phone": phone,
        "address": address,
        "primary_provider_id": record.primary_provider_id,
        "care_team_ids": record.care_team_ids,
    });
    feed::put(tx, "profile", patient_id, Some(patient_id), &data, now)?;
    Ok(())
}

/// Publishes a provider record (practice-wide: every account sees the practice's providers).
pub fn provider(tx: &Conn, provider_id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
    let name: String = tx.query_one(
        "SELECT name FROM providers WHERE id = ?1",
        params![provider_id],
        |row| row.get(0),
    )?;
    let data = json!({ "name": name, "title": null, "photo_url": null });
    feed::put(tx, "provider", provider_id, None, &data, now)?;
    Ok(())
}
