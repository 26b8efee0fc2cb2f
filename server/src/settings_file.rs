//! The server's one settings file (TOML). Each key is one of `serve`'s options; the file
//! fills in what neither the command line nor the environment sets, so a practice can
//! run `portal-server serve --config portal.toml` and keep everything in one place.
//!
//! ```toml
//! listen = "0.0.0.0:8080"
//! database = "sqlite:///var/lib/portal/portal.db"
//! public_url = "https://portal.example-practice.org"
//! practice_name = "Example Practice"
//! admin_token = "..."            # `portal-server new-admin-token`; the file should then
//!                                # be readable by the service only
//! admin_listen = "127.0.0.1:8081" # the admin API on its own, private address
//! trusted_proxies = ["10.0.0.5"]   # the TLS proxy in front, whose X-Forwarded-For counts
//! smtp_url = "smtp://user:pass@mail.example.org:587?tls=required"
//! mail_from = "Example Practice <portal@example-practice.org>"
//! apple_app_ids = ["TEAMID.org.example.portal"]
//! pdf_fonts = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]  # for names
//!                                # in scripts the built-in DejaVu Sans lacks
//! log = "info"
//! ```

use std::path::Path;

/// File keys and the environment variables they stand for.
const KEYS: &[(&str, &str)] = &[
    ("listen", "PORTAL_LISTEN"),
    ("database", "PORTAL_DATABASE"),
    ("public_url", "PORTAL_PUBLIC_URL"),
    ("practice_name", "PORTAL_PRACTICE_NAME"),
    ("admin_token", "PORTAL_ADMIN_TOKEN"),
    ("smtp_url", "PORTAL_SMTP_URL"),
    ("mail_from", "PORTAL_MAIL_FROM"),
    ("apple_app_ids", "PORTAL_APPLE_APP_IDS"),
    ("android_package", "PORTAL_ANDROID_PACKAGE"),
    ("android_cert_sha256", "PORTAL_ANDROID_CERT_SHA256"),
    ("access_token_seconds", "PORTAL_ACCESS_TOKEN_SECONDS"),
    ("session_idle_days", "PORTAL_SESSION_IDLE_DAYS"),
    ("session_max_days", "PORTAL_SESSION_MAX_DAYS"),
    ("admin_listen", "PORTAL_ADMIN_LISTEN"),
    ("outbox_api", "PORTAL_OUTBOX_API"),
    ("trusted_proxies", "PORTAL_TRUSTED_PROXIES"),
    ("public_per_second", "PORTAL_PUBLIC_PER_SECOND"),
    ("public_burst", "PORTAL_PUBLIC_BURST"),
    ("header_timeout_seconds", "PORTAL_HEADER_TIMEOUT_SECONDS"),
    ("body_timeout_seconds", "PORTAL_BODY_TIMEOUT_SECONDS"),
    ("request_timeout_seconds", "PORTAL_REQUEST_TIMEOUT_SECONDS"),
    ("max_requests_in_flight", "PORTAL_MAX_REQUESTS_IN_FLIGHT"),
    ("upload_quota_mib", "PORTAL_UPLOAD_QUOTA_MIB"),
    ("pdf_fonts", "PORTAL_PDF_FONTS"),
    ("allow_insecure", "PORTAL_ALLOW_INSECURE"),
    ("outbox", "PORTAL_OUTBOX"),
    ("log", "RUST_LOG"),
];

/// The environment variables the file at `path` sets: (name, value) pairs. Arrays become
/// comma-separated lists.
pub fn read(path: &Path) -> Result<Vec<(&'static str, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the settings file {}: {e}", path.display()))?;
    let table: toml::Table = text.parse().map_err(|e| {
        format!(
            "the settings file {} is not valid TOML: {e}",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for (key, value) in table {
        let Some((_, variable)) = KEYS.iter().find(|(name, _)| *name == key) else {
            let known: Vec<&str> = KEYS.iter().map(|(name, _)| *name).collect();
            return Err(format!(
                "unknown setting '{key}' in {} (known: {})",
                path.display(),
                known.join(", ")
            ));
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Array(items) => {
                let mut parts = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => parts.push(s),
                        other => return Err(format!("'{key}' must list text values, not {other}")),
                    }
                }
                parts.join(",")
            }
            toml::Value::Integer(_) | toml::Value::Boolean(_) | toml::Value::Float(_) => {
                value.to_string()
            }
            other => return Err(format!("'{key}' cannot be {other}")),
        };
        out.push((*variable, text));
    }
    Ok(out)
}

/// The `--config` path among the arguments (`--config PATH` or `--config=PATH`), else
/// `PORTAL_CONFIG`.
pub fn path_from_args(args: &[String]) -> Option<String> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--config" {
            return iter.next().cloned();
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(path.to_owned());
        }
    }
    std::env::var("PORTAL_CONFIG")
        .ok()
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_environment_variables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\napple_app_ids = [\"A.b\", \"C.d\"]\nlog = \"debug\"\n",
        )
        .unwrap();
        let mut vars = read(&path).unwrap();
        vars.sort();
        assert_eq!(
            vars,
            [
                ("PORTAL_APPLE_APP_IDS", "A.b,C.d".to_owned()),
                ("PORTAL_LISTEN", "127.0.0.1:9000".to_owned()),
                ("RUST_LOG", "debug".to_owned())
            ]
        );
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        assert!(read(&path).unwrap_err().contains("unknown setting 'lisen'"));
        std::fs::write(&path, "listen = [1, 2]\n").unwrap();
        assert!(read(&path).is_err());
        assert!(
            read(&dir.path().join("missing.toml"))
                .unwrap_err()
                .contains("cannot read")
        );
    }

    #[test]
    fn the_path_comes_from_either_flag_form() {
        let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            path_from_args(&args(&["x", "serve", "--config", "a.toml"])).as_deref(),
            Some("a.toml")
        );
        assert_eq!(
            path_from_args(&args(&["x", "serve", "--config=b.toml"])).as_deref(),
            Some("b.toml")
        );
    }
}
