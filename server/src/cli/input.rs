//! Parsers for what staff type: times, durations, money, invoice lines and form fields.
//! Each answers with a message that says what was expected, with an example.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::{Value, json};

/// A time: RFC 3339 (`2026-07-01T09:30:00Z`, `2026-07-01T09:30:00-05:00`), or a local
/// time on this computer (`2026-07-01 09:30`, `2026-07-01T09:30`).
pub fn time(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return local(naive);
        }
    }
    Err(format!(
        "'{text}' is not a time; write it as 2026-07-01 09:30 (local time) or 2026-07-01T09:30:00Z"
    ))
}

/// 23:59:59, the last second of a day.
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// A due date: a date (`2026-07-31`, the end of that day, local time) or a time as
/// [`time`] reads it.
pub fn due(text: &str) -> Result<DateTime<Utc>, String> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) => local(date.and_time(END_OF_DAY)),
        Err(_) => time(text).map_err(|_| {
            format!("'{text}' is not a date; write it as 2026-07-31 (or a time, 2026-07-31 17:00)")
        }),
    }
}

/// A date of birth, `YYYY-MM-DD`.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date; write it as YYYY-MM-DD, such as 2015-03-14"))
}

fn local(naive: NaiveDateTime) -> Result<DateTime<Utc>, String> {
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| format!("{naive} does not exist in this computer's time zone"))
}

/// A duration in seconds: `96h`, `4d`, `1d12h`, `90m`, `3600s`, or plain seconds.
pub fn duration_seconds(text: &str) -> Result<i64, String> {
    let problem = || format!("'{text}' is not a duration; write it as 4d, 96h, 1d12h or 3600");
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    let (mut total, mut number) = (0_i64, String::new());
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(problem()),
        };
        let amount: i64 = number.parse().map_err(|_| problem())?;
        total = amount
            .checked_mul(unit)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(problem)?;
        number.clear();
    }
    if number.is_empty() && !text.is_empty() {
        Ok(total)
    } else {
        Err(problem())
    }
}

/// `on`/`off` (also `yes`/`no`, `true`/`false`).
pub fn switch(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(format!("'{text}' is neither on nor off")),
    }
}

/// An amount of money in major units with at most two decimals (`150`, `150.5`,
/// `-10.00`), as minor units.
pub fn money(text: &str) -> Result<i64, String> {
    let problem = || format!("'{text}' is not an amount; write it as 150 or 150.00");
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
        return Err(problem());
    }
    let whole: i64 = whole.parse().map_err(|_| problem())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| problem())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|m| m.checked_add(cents))
        .ok_or_else(problem)?;
    Ok(if negative { -minor } else { minor })
}

/// One invoice line: `DESCRIPTION: AMOUNT` or `DESCRIPTION: QUANTITY x AMOUNT`, such as
/// `Office visit: 150.00` or `Lab test: 2 x 25.00`. The amount is the price of one unit.
pub fn invoice_line(text: &str) -> Result<Value, String> {
    let problem = |why: String| {
        format!(
            "invoice line '{text}': {why}; write it as 'Office visit: 150.00' or 'Lab test: 2 x 25.00'"
        )
    };
    let (description, price) = text
        .rsplit_once(':')
        .ok_or_else(|| problem("no ':' before the amount".to_owned()))?;
    let description = description.trim();
    if description.is_empty() {
        return Err(problem("the description is empty".to_owned()));
    }
    let lowered = price.to_ascii_lowercase().replace('×', "x");
    let (quantity, amount) = match lowered.split_once('x') {
        Some((quantity, amount)) => (
            quantity
                .trim()
                .parse::<i64>()
                .map_err(|_| problem(format!("'{}' is not a quantity", quantity.trim())))?,
            amount,
        ),
        None => (1, lowered.as_str()),
    };
    let amount = money(amount).map_err(problem)?;
    Ok(json!({"description": description, "quantity": quantity, "amount": amount}))
}

/// One form field: `ID:TYPE:LABEL`. A `*` after the id makes it required; a choice
/// field lists its options after `=` in the label, separated by `|`. For example
/// `allergies:textarea:Any allergies?`, `consent*:checkbox:I agree` or
/// `reason*:choice:Reason for the visit=Check-up|Illness|Other`.
pub fn form_field(text: &str) -> Result<Value, String> {
    let problem = || {
        format!(
            "form field '{text}': write it as ID:TYPE:LABEL, such as 'allergies:textarea:Any allergies?' \
             ('consent*:...' for a required field, 'LABEL=Option|Option' for a choice)"
        )
    };
    let mut parts = text.splitn(3, ':');
    let (Some(id), Some(kind), Some(label)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(problem());
    };
    let (id, required) = match id.trim().strip_suffix('*') {
        Some(id) => (id, true),
        None => (id.trim(), false),
    };
    let kind = kind.trim();
    let (label, options) = match label.split_once('=') {
        Some((label, options)) if kind == "choice" || kind == "multi_choice" => (
            label,
            options
                .split('|')
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
        ),
        _ => (label, Vec::new()),
    };
    if id.is_empty() || kind.is_empty() || label.trim().is_empty() {
        return Err(problem());
    }
    Ok(json!({
        "id": id, "type": kind, "label": label.trim(), "required": required, "options": options
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_the_units_staff_use() {
        assert_eq!(duration_seconds("4d"), Ok(345_600));
        assert_eq!(duration_seconds("96h"), Ok(345_600));
        assert_eq!(duration_seconds("1d12h"), Ok(129_600));
        assert_eq!(duration_seconds("3600"), Ok(3600));
        for bad in ["", "d", "4x", "12h3", "-"] {
            assert!(duration_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn money_and_invoice_lines() {
        assert_eq!(money("150"), Ok(15_000));
        assert_eq!(money("150.5"), Ok(15_050));
        assert_eq!(money("-10.00"), Ok(-1000));
        for bad in ["", "1.234", "1,50", "$5", ".5", "abc"] {
            assert!(money(bad).is_err(), "{bad}");
        }
        assert_eq!(
            invoice_line("Lab test: 2 x 25.00"),
            Ok(json!({"description": "Lab test", "quantity": 2, "amount": 2500}))
        );
        assert_eq!(
            invoice_line("Visit: follow-up: 80")
                .map(|l| l["description"].clone())
                .ok(),
            Some(json!("Visit: follow-up"))
        );
        assert!(invoice_line("Office visit 150").is_err());
        assert!(invoice_line(": 150").is_err());
        assert!(
            invoice_line("Lab: two x 5")
                .unwrap_err()
                .contains("not a quantity")
        );
    }

    #[test]
    fn form_fields_in_one_line() {
        assert_eq!(
            form_field("reason*:choice:Reason for the visit=Check-up|Illness"),
            Ok(
                json!({"id": "reason", "type": "choice", "label": "Reason for the visit",
                      "required": true, "options": ["Check-up", "Illness"]})
            )
        );
        assert_eq!(
            form_field("note:text:a=b").map(|f| f["label"].clone()).ok(),
            Some(json!("a=b"))
        );
        assert!(form_field("just-a-label").is_err());
    }

    #[test]
    fn times_dates_and_switches() {
        assert_eq!(
            time("2026-07-01T09:30:00Z").map(|t| t.to_rfc3339()),
            Ok("2026-07-01T09:30:00+00:00".to_owned())
        );
        assert!(time("2026-07-01 09:30").is_ok());
        assert!(time("tomorrow").unwrap_err().contains("not a time"));
        assert!(due("2026-07-31").is_ok());
        assert!(due("31/07/2026").unwrap_err().contains("not a date"));
        assert!(date("2015-03-14").is_ok());
        assert!(date("14.03.2015").is_err());
        assert_eq!(switch("Off"), Ok(false));
        assert!(switch("maybe").is_err());
    }
}
