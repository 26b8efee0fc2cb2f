//! Times and amounts as the patient reads them: in this computer's time zone.

use crate::i18n::tr_args;
use chrono::{DateTime, Local, Utc};

/// "Tue 8 Dec 2026, 14:30".
pub fn date_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// "14:30".
pub fn time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%H:%M").to_string()
}

/// "Updated 5 minutes ago".
pub fn updated_ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes().max(0);
    tr_args("updated-ago", &[("minutes", minutes.into())])
}

/// "$12.50": integer minor units of an ISO 4217 currency (two decimals, as the
/// practice bills).
pub fn money(currency: &str, minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let amount = format!("{}.{:02}", abs / 100, abs % 100);
    match currency {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{amount} {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_reads_minor_units() {
        assert_eq!(money("USD", 12_50), "$12.50");
        assert_eq!(money("USD", 5), "$0.05");
        assert_eq!(money("EUR", -300), "-€3.00");
        assert_eq!(money("CHF", 100_000), "1000.00 CHF");
    }
}
