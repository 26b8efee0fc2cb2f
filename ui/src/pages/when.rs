//! Times and amounts as the patient reads them: in this computer's time zone, written
//! the way the app's language writes them, by the webview's own `Intl` (no bundled
//! locale data in the wasm). Native builds (the unit tests) write a fixed English form.

use crate::i18n::tr_args;
use chrono::{DateTime, Utc};

/// A day and time, such as "Tue, Dec 8, 2026, 2:30 PM" or "mar, 8 dic 2026, 14:30".
pub fn date_time(at: DateTime<Utc>) -> String {
    intl::date(
        at,
        &[
            ("weekday", "short"),
            ("day", "numeric"),
            ("month", "short"),
            ("year", "numeric"),
            ("hour", "numeric"),
            ("minute", "2-digit"),
        ],
    )
}

/// A time of day, such as "2:30 PM" or "14:30".
pub fn time(at: DateTime<Utc>) -> String {
    intl::date(at, &[("hour", "numeric"), ("minute", "2-digit")])
}

/// A day and time in full, such as "Tuesday, December 8 at 2:30 PM".
pub fn long_date_time(at: DateTime<Utc>) -> String {
    intl::date(
        at,
        &[
            ("weekday", "long"),
            ("day", "numeric"),
            ("month", "long"),
            ("hour", "numeric"),
            ("minute", "2-digit"),
        ],
    )
}

/// "Updated 5 minutes ago".
pub fn updated_ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes().max(0);
    tr_args("updated-ago", &[("minutes", minutes.into())])
}

/// An amount in integer minor units of an ISO 4217 currency (two decimals, as the
/// practice bills), such as "$12.50" or "12,50 US$".
pub fn money(currency: &str, minor: i64) -> String {
    intl::money(currency, minor)
}

#[cfg(target_arch = "wasm32")]
mod intl {
    use chrono::{DateTime, Utc};
    use js_sys::{Array, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    fn locales() -> Array {
        Array::of1(&JsValue::from_str(crate::i18n::language().tag))
    }

    fn options(pairs: &[(&str, &str)]) -> Object {
        let options = Object::new();
        for (name, value) in pairs {
            // Setting a property of a new plain object cannot fail.
            let _ = Reflect::set(&options, &(*name).into(), &(*value).into());
        }
        options
    }

    fn call(format: js_sys::Function, value: &JsValue) -> Option<String> {
        format.call1(&JsValue::NULL, value).ok()?.as_string()
    }

    pub fn date(at: DateTime<Utc>, pairs: &[(&str, &str)]) -> String {
        let formatter = Intl::DateTimeFormat::new(&locales(), &options(pairs));
        let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
        call(formatter.format(), &date).unwrap_or_else(|| at.to_rfc3339())
    }

    pub fn money(currency: &str, minor: i64) -> String {
        let formatter = Intl::NumberFormat::new(
            &locales(),
            &options(&[("style", "currency"), ("currency", currency)]),
        );
        let amount = JsValue::from_f64(minor as f64 / 100.0);
        call(formatter.format(), &amount).unwrap_or_else(|| super::plain_money(currency, minor))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod intl {
    use chrono::{DateTime, Local, Utc};

    pub fn date(at: DateTime<Utc>, pairs: &[(&str, &str)]) -> String {
        let format = if pairs.len() == 2 {
            "%H:%M"
        } else {
            "%a %-d %b %Y, %H:%M"
        };
        at.with_timezone(&Local).format(format).to_string()
    }

    pub fn money(currency: &str, minor: i64) -> String {
        super::plain_money(currency, minor)
    }
}

/// "12.50 USD": an amount without the locale's help (an unknown currency code).
fn plain_money(currency: &str, minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::plain_money;

    #[test]
    fn amounts_read_minor_units() {
        assert_eq!(plain_money("USD", 12_50), "12.50 USD");
        assert_eq!(plain_money("USD", 5), "0.05 USD");
        assert_eq!(plain_money("EUR", -300), "-3.00 EUR");
    }
}
