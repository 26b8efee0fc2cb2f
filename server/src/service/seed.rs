//! Synthetic records in bulk, for benchmarks and load tests: `portal-server seed`. Never
//! for a practice's own database.

use crate::db::Db;
use crate::error::ServerError;
use crate::params;
use portal_model::admin::test_support::{SeedAppointments, SeedMessages, Seeded};
use portal_model::records::{
    Appointment, AppointmentKind, AppointmentStatus, FeedRecord, Message, Sender, SenderKind,
};

/// The most records one call writes.
pub const MAX_SEED: u32 = 1_000_000;

fn check_count(count: u32) -> Result<i64, ServerError> {
    if count == 0 || count > MAX_SEED {
        return Err(ServerError::bad_request(format!(
            "count must be between 1 and {MAX_SEED}."
        )));
    }
    Ok(i64::from(count))
}

/// Takes `count` change numbers for the patient's new records and lets `insert` write
/// them (given the number before the first), in one transaction. Event streams wake by
/// watching the feed counter, so nothing else needs telling.
async fn write_series<F>(
    db: &Db,
    patient_id: String,
    count: i64,
    insert: F,
) -> Result<(), ServerError>
where
    F: FnOnce(&crate::db::Conn, i64) -> Result<(), ServerError> + Send + 'static,
{
    db.call(move |conn| {
        let tx = conn.transaction()?;
        crate::service::patients::require_patient(&tx, &patient_id)?;
        let last: i64 = tx.query_one(
            "UPDATE feed_counter SET seq = seq + ?1 WHERE id = 1 RETURNING seq",
            params![count],
            |row| row.get(0),
        )?;
        insert(&tx, last - count)?;
        tx.commit()?;
        Ok(())
    })
    .await
}

/// Writes `count` provider messages into a thread of the patient, in one statement, as
/// the feed writes messages (the same fields, from `Message`), each at its own change
/// number.
pub async fn messages(
    db: &Db,
    seed: SeedMessages,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Seeded, ServerError> {
    let count = check_count(seed.count)?;
    let (head, tail) = message_text(&seed, now)?;
    let prefix = format!("{}_", seed.prefix);
    let patient = seed.patient_id.clone();
    write_series(db, seed.patient_id.clone(), count, move |tx, first| {
        tx.execute(
            "INSERT INTO records (kind, id, patient_id, rev, seq, deleted, data, updated_at)
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
                 SELECT ?2, ?3 || i, ?4, 1, ?5 + i, 0, ?6 || i || ?7, ?8 FROM n",
            params![
                count,
                Message::KIND,
                prefix,
                patient,
                first,
                head,
                tail,
                crate::db::millis(now)
            ],
        )?;
        Ok(())
    })
    .await?;
    Ok(Seeded { seeded: seed.count })
}

/// A seeded message's stored fields, split where its number goes in the body.
fn message_text(
    seed: &SeedMessages,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(String, String), ServerError> {
    const MARK: &str = "\u{1}";
    let message = Message {
        id: String::new(),
        profile_id: seed.patient_id.clone(),
        rev: 0,
        updated_at: now,
        thread_id: seed.thread_id.clone(),
        sender: Sender {
            kind: SenderKind::Provider,
            id: "prv_bench".to_owned(),
        },
        body: format!(
            "Your lab results are in and everything looks normal. This is message {MARK}; \
             write back here if you have any questions."
        ),
        sent_at: now,
        attachment_ids: Vec::new(),
        read_at: None,
    };
    let mut fields = match serde_json::to_value(&message) {
        Ok(serde_json::Value::Object(fields)) => fields,
        Ok(_) => return Err(ServerError::internal("a message is not a JSON object")),
        Err(e) => return Err(ServerError::internal(format!("encoding a message: {e}"))),
    };
    // The feed adds these on read (see `feed::put`).
    for key in ["id", "profile_id", "rev", "updated_at"] {
        fields.remove(key);
    }
    let text = serde_json::Value::Object(fields).to_string();
    let marked = serde_json::to_string(MARK)
        .map_err(|e| ServerError::internal(format!("encoding a mark: {e}")))?;
    let mark = marked.trim_matches('"');
    text.split_once(mark)
        .map(|(head, tail)| (head.to_owned(), tail.to_owned()))
        .ok_or_else(|| ServerError::internal("the seeded body lost its mark"))
}

/// Writes `count` upcoming appointments of the patient, one an hour from the next hour
/// on, in one statement, with the fields `Appointment` writes.
pub async fn appointments(
    db: &Db,
    seed: SeedAppointments,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Seeded, ServerError> {
    let count = check_count(seed.count)?;
    // Whole hours from the next one: the n-th starts n hours after `base`.
    let base = now.timestamp_millis() / 3_600_000 * 3_600_000;
    let prefix = format!("{}_", seed.prefix);
    let template = Appointment {
        id: String::new(),
        profile_id: seed.patient_id.clone(),
        rev: 0,
        updated_at: now,
        provider_id: seed.provider_id.clone(),
        starts_at: now,
        ends_at: now,
        kind: AppointmentKind::InPerson,
        location: Some("Room 1".to_owned()),
        telehealth_url: None,
        status: AppointmentStatus::Scheduled,
        cancellable_until: now,
    };
    let mut fields = match serde_json::to_value(&template) {
        Ok(serde_json::Value::Object(fields)) => fields,
        Ok(_) => return Err(ServerError::internal("an appointment is not a JSON object")),
        Err(e) => {
            return Err(ServerError::internal(format!(
                "encoding an appointment: {e}"
            )));
        }
    };
    for key in [
        "id",
        "profile_id",
        "rev",
        "updated_at",
        "starts_at",
        "ends_at",
        "cancellable_until",
    ] {
        fields.remove(key);
    }
    // The times are computed per row in SQL, in the feed's format (milliseconds, UTC).
    let rest = serde_json::Value::Object(fields).to_string();
    let rest = rest
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or_else(|| ServerError::internal("an appointment is not a JSON object"))?
        .to_owned();
    let dialect = db.dialect();
    let time =
        |offset_ms: &str| dialect.millis_to_rfc3339(&format!("?6 + n.i * 3600000 {offset_ms}"));
    let sql = format!(
        "INSERT INTO records (kind, id, patient_id, rev, seq, deleted, data, updated_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         SELECT ?2, ?3 || n.i, ?4, 1, ?5 + n.i, 0,
                '{{' || ?7 || ',\"starts_at\":\"' || {} || '\",\"ends_at\":\"' || {}
                || '\",\"cancellable_until\":\"' || {} || '\"}}', ?8
         FROM n",
        time(""),
        time("+ 1800000"),
        time("- 86400000"),
    );
    let patient = seed.patient_id.clone();
    write_series(db, seed.patient_id.clone(), count, move |tx, first| {
        tx.execute(
            &sql,
            params![
                count,
                Appointment::KIND,
                prefix,
                patient,
                first,
                base,
                rest,
                crate::db::millis(now)
            ],
        )?;
        Ok(())
    })
    .await?;
    Ok(Seeded { seeded: seed.count })
}
