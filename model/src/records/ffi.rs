//! How the record types' fields cross the FFI (the `uniffi` feature, the bindings'
//! only): times as the platform's timestamps, dates as ISO text (`1990-04-12`), and a
//! form's answers as a map.

use super::FormAnswer;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

/// A time in UTC, as every record carries it.
type UtcTime = DateTime<Utc>;
uniffi::custom_type!(UtcTime, std::time::SystemTime, { remote });

uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |date| date.format("%Y-%m-%d").to_string(),
    try_lift: |text| Ok(NaiveDate::parse_from_str(&text, "%Y-%m-%d")?),
});

/// A form's answers by field id (kept sorted in Rust; a map on the other side).
type Answers = BTreeMap<String, FormAnswer>;
uniffi::custom_type!(Answers, HashMap<String, FormAnswer>, {
    remote,
    lower: |answers| answers.into_iter().collect(),
    try_lift: |answers| Ok(answers.into_iter().collect()),
});
