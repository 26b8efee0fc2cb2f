//! The few places where SQLite's and PostgreSQL's SQL differ. Everything else is written
//! once: `INSERT ... ON CONFLICT`, `RETURNING`, 64-bit integers, `lower()` for
//! case-insensitive text, and `?1`-style placeholders (rewritten for PostgreSQL by
//! [`numbered_placeholders`]).

/// The SQL dialect of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Starts a transaction that holds the writer lock until it ends. SQLite takes its
    /// database write lock at once; PostgreSQL locks the feed counter's row, which every
    /// writer also updates, so transactions run one at a time there too.
    pub(crate) fn begin(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN; SELECT 1 FROM feed_counter WHERE id = 1 FOR UPDATE",
        }
    }

    /// Starts a read-only transaction over one snapshot. SQLite's deferred transaction
    /// takes its snapshot at the first read and never the write lock.
    pub(crate) fn begin_read(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN DEFERRED",
            Self::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// An expression for the text of `key` in the JSON object stored as text in `column`.
    /// Both names come from the code, never from input.
    pub fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Self::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Self::Postgres => format!("(CAST({column} AS jsonb) ->> '{key}')"),
        }
    }
}

impl Dialect {
    /// An expression for the time `millis` (an SQL expression of Unix milliseconds) as
    /// the feed writes times: RFC 3339 in UTC with milliseconds. The expression comes
    /// from the code, never from input.
    pub fn millis_to_rfc3339(self, millis: &str) -> String {
        match self {
            Self::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%fZ', ({millis}) / 1000.0, 'unixepoch')")
            }
            Self::Postgres => format!(
                "to_char(to_timestamp(({millis}) / 1000.0) AT TIME ZONE 'UTC', \
                 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
            ),
        }
    }
}

/// Rewrites `?1`-style placeholders as PostgreSQL's `$1`, leaving quoted text alone.
pub(crate) fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes_only() {
        assert_eq!(
            numbered_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12"
        );
        assert_eq!(
            numbered_placeholders("SELECT \"?1\", ?"),
            "SELECT \"?1\", ?"
        );
    }
}
