//! Synthetic records in bulk, for benchmarks and load tests: `portal-server seed`. Never
//! for a practice's own database.

use crate::db::Db;
use crate::error::ServerError;
use crate::params;
use portal_model::admin::test_support::{SeedMessages, Seeded};
use portal_model::records::{FeedRecord, Message, Sender, SenderKind};

/// The most messages one call writes.
pub const MAX_SEED: u32 = 1_000_000;

/// Writes `count` provider messages into a thread of the patient, in one statement, as
/// the feed writes messages (the same fields, from `Message`), each at its own change
/// number.
pub async fn messages(
    db: &Db,
    seed: SeedMessages,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Seeded, ServerError> {
    if seed.count == 0 || seed.count > MAX_SEED {
        return Err(ServerError::bad_request(format!(
            "count must be between 1 and {MAX_SEED}."
        )));
    }
    let (head, tail) = message_text(&seed, now)?;
    let prefix = format!("{}_", seed.prefix);
    let count = i64::from(seed.count);
    db.call(move |conn| {
        let tx = conn.transaction()?;
        crate::service::patients::require_patient(&tx, &seed.patient_id)?;
        let last: i64 = tx.query_one(
            "UPDATE feed_counter SET seq = seq + ?1 WHERE id = 1 RETURNING seq",
            params![count],
            |row| row.get(0),
        )?;
        tx.execute(
            "INSERT INTO records (kind, id, patient_id, rev, seq, deleted, data, updated_at)
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
                 SELECT ?2, ?3 || i, ?4, 1, ?5 + i, 0, ?6 || i || ?7, ?8 FROM n",
            params![
                count,
                Message::KIND,
                prefix,
                seed.patient_id,
                last - count,
                head,
                tail,
                crate::db::millis(now)
            ],
        )?;
        // Event streams wake by watching the feed counter, so nothing else to tell.
        tx.commit()?;
        Ok(Seeded { seeded: seed.count })
    })
    .await
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
