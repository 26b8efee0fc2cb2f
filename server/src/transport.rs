//! What crosses the network in clear, checked at start: beyond this machine, the links
//! in emails are https, SMTP is TLS and PostgreSQL checks its certificate and host name
//! (`verify-full`). Otherwise the server does not start, unless the settings say
//! `allow_insecure` (then each gap is logged at every start).

use crate::db::pg_tls::is_loopback;
use crate::mail::MailConfig;
use crate::{Database, ServerOptions};

/// Every gap in `options`, in words with its fix; empty when there is none.
pub fn gaps(options: &ServerOptions) -> Vec<String> {
    let mut gaps = Vec::new();
    match &options.public_url {
        Some(url) if url.scheme() != "https" && !url.host_str().is_some_and(is_loopback) => {
            gaps.push(format!(
                "public_url {url} is not https: the invite and reset links in emails would \
                 cross the network in clear; use https:// (behind a TLS proxy)"
            ));
        }
        None if !options.listen.ip().is_loopback() => gaps.push(format!(
            "public_url is not set while the server listens on {}: set it to the https:// \
             address patients open (behind a TLS proxy)",
            options.listen
        )),
        _ => {}
    }
    if let MailConfig::Smtp { url, .. } = &options.mail
        && let Some(gap) = smtp_gap(url)
    {
        gaps.push(gap);
    }
    if let Database::Postgres(target) = &options.database {
        for host in target.unchecked_remote_hosts() {
            gaps.push(format!(
                "PostgreSQL at {host} is reached without checking its certificate: add \
                 sslmode=verify-full (and sslrootcert=PATH for a private authority) to the \
                 database URL"
            ));
        }
    }
    gaps
}

/// The gap of an `smtp://` URL to another machine without `tls=required` (`smtps://`
/// is TLS from the start).
fn smtp_gap(url: &str) -> Option<String> {
    // Other schemes are refused by the mailer itself, in its own words.
    let parsed = url::Url::parse(url).ok().filter(|u| u.scheme() == "smtp")?;
    let host = parsed.host_str()?;
    let tls = parsed
        .query_pairs()
        .any(|(key, value)| key == "tls" && value == "required");
    (!tls && !is_loopback(host)).then(|| {
        format!(
            "SMTP at {host} is used without TLS: emails (with invite and reset links) would \
             cross the network in clear; use smtps://{host}:465 or add ?tls=required"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::smtp_gap;

    #[test]
    fn smtp_beyond_this_machine_needs_tls() {
        assert!(smtp_gap("smtp://mail.example.org:587").is_some());
        assert!(smtp_gap("smtp://user:pw@mail.example.org:25?tls=opportunistic").is_some());
        assert_eq!(smtp_gap("smtp://mail.example.org:587?tls=required"), None);
        assert_eq!(smtp_gap("smtps://mail.example.org:465"), None);
        assert_eq!(smtp_gap("smtp://127.0.0.1:2525"), None);
        assert_eq!(smtp_gap("smtp://localhost:25"), None);
        assert_eq!(smtp_gap("ftp://mail.example.org"), None);
    }
}
