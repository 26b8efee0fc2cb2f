//! Writes the feed records that mirror the practice's tables: each patient's `profile`
//! and each `provider`. Called in the same transaction as the change they mirror.

use crate::db::Conn;
use crate::error::ServerError;
use crate::params;
use crate::service::{feed, records};
use chrono::{DateTime, Utc};
use portal_model::records::{Profile, ProfileRole, Provider};

/// Publishes a patient's profile record (the role is filled in per account on read).
pub fn profile(tx: &Conn, patient_id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
    let record = records::load(tx, patient_id)?;
    let (phone, preferred_name, address): (Option<String>, Option<String>, Option<String>) = tx
        .query_one(
            "SELECT phone, preferred_name, address FROM patients WHERE id = ?1",
            params![patient_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
    let profile = Profile {
        id: patient_id.to_owned(),
        profile_id: patient_id.to_owned(),
        rev: 0,
        updated_at: now,
        // Set per account on read.
        role: ProfileRole::Patient,
        patient_id: patient_id.to_owned(),
        first_name: record.first_name,
        last_name: record.last_name,
        preferred_name,
        date_of_birth: record.date_of_birth,
        email: record.email,
        phone,
        address,
        primary_provider_id: record.primary_provider_id,
        care_team_ids: record.care_team_ids,
    };
    feed::put(tx, &profile, now)?;
    Ok(())
}

/// Publishes a provider record (practice-wide: every account sees the practice's providers).
pub fn provider(tx: &Conn, provider_id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
    let name: String = tx.query_one(
        "SELECT name FROM providers WHERE id = ?1",
        params![provider_id],
        |row| row.get(0),
    )?;
    let provider = Provider {
        id: provider_id.to_owned(),
        rev: 0,
        updated_at: now,
        name,
        title: None,
        photo_url: None,
    };
    feed::put(tx, &provider, now)?;
    Ok(())
}
