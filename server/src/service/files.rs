//! What makes a file safe to hand over: the content types documents are served as, the
//! names clients show and save them under, and the `Content-Disposition` both ways.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The content types a document is stored and served as; any other is
/// `application/octet-stream`, so that nothing a patient or a mail sender uploads
/// (HTML, SVG, scripts) is ever rendered as a page from the portal's origin.
pub const SERVED_TYPES: &[&str] = &[
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/tiff",
    "text/plain",
    "text/csv",
    "application/rtf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/dicom",
];

/// The type anything outside [`SERVED_TYPES`] becomes.
pub const OPAQUE: &str = "application/octet-stream";

/// `content_type` (parameters and case aside) if it is on the allow-list, else
/// `application/octet-stream`.
pub fn served_type(content_type: &str) -> &'static str {
    let base = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    SERVED_TYPES
        .iter()
        .find(|allowed| **allowed == base)
        .copied()
        .unwrap_or(OPAQUE)
}

/// The longest name or title kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// `text` without control characters or format characters (Unicode category Cf: the
/// right-to-left override U+202E would show `invoice{U+202E}fdp.exe` as `invoiceexe.pdf`),
/// trimmed, at most [`MAX_NAME_CHARS`] characters.
pub fn clean_name(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control() && c.general_category() != GeneralCategory::Format)
        .collect();
    kept.trim()
        .chars()
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The file name a request's `Content-Disposition` gives (RFC 6266: `filename*` in
/// UTF-8 first, else `filename`), without directories, cleaned as [`clean_name`];
/// `None` when it gives none that is usable.
///
/// The header's grammar is read here (a few lines, tested below); the
/// `content_disposition` crate (mailparse's parser) prefers `filename` to `filename*`,
/// against RFC 6266, and is why this is not it. Percent-decoding is the
/// `percent-encoding` crate's.
pub fn file_name_of(header: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for part in header.split(';').skip(1) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                // charset'language'percent-encoded
                let mut pieces = value.splitn(3, '\'');
                if let (Some(charset), Some(_), Some(encoded)) =
                    (pieces.next(), pieces.next(), pieces.next())
                    && charset.eq_ignore_ascii_case("utf-8")
                {
                    extended = percent_decode_str(encoded)
                        .decode_utf8()
                        .ok()
                        .map(|name| name.into_owned());
                }
            }
            "filename" => {
                let unquoted = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .map_or_else(
                        || value.to_owned(),
                        |v| v.replace("\\\"", "\"").replace("\\\\", "\\"),
                    );
                plain = Some(unquoted);
            }
            _ => {}
        }
    }
    let name = extended.or(plain)?;
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean = clean_name(base);
    (!clean.is_empty() && clean != "." && clean != "..").then_some(clean)
}

/// RFC 8187's `attr-char`: everything else is percent-encoded in `filename*`.
const NOT_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` for serving a document titled `title`: always `attachment`
/// (never shown in place), with an ASCII `filename` for old clients and the full name
/// in `filename*`.
pub fn attachment(title: &str) -> String {
    let name = clean_name(title);
    if name.is_empty() {
        return "attachment".to_owned();
    }
    let ascii: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&name, NOT_ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::{attachment, clean_name, file_name_of, served_type};

    #[test]
    fn only_listed_types_are_served_as_themselves() {
        assert_eq!(served_type("application/pdf"), "application/pdf");
        assert_eq!(served_type("Image/JPEG"), "image/jpeg");
        assert_eq!(served_type("text/plain; charset=utf-8"), "text/plain");
        for risky in [
            "text/html",
            "image/svg+xml",
            "application/javascript",
            "application/xhtml+xml",
            "text/xml",
            "",
        ] {
            assert_eq!(served_type(risky), "application/octet-stream", "{risky}");
        }
    }

    #[test]
    fn names_lose_control_and_format_characters() {
        assert_eq!(clean_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_name("a\u{200B}b\u{2066}c\u{FEFF}"), "abc");
        assert_eq!(clean_name("  line\nbreak\t "), "linebreak");
        assert_eq!(clean_name("José Núñez 李小龙.pdf"), "José Núñez 李小龙.pdf");
        assert_eq!(clean_name(&"x".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn file_names_come_from_content_disposition_and_lose_their_directories() {
        let cases = [
            ("attachment; filename=\"card.pdf\"", Some("card.pdf")),
            ("attachment; filename=card.pdf", Some("card.pdf")),
            (
                "attachment; filename=\"old.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
                Some("résumé.pdf"),
            ),
            ("attachment; filename*=utf-8''a%2Fb%5Cc.png", Some("c.png")),
            ("attachment; filename=\"../../etc/passwd\"", Some("passwd")),
            ("attachment; filename=\"a\u{7}b.txt\"", Some("ab.txt")),
            (
                "attachment; filename=\"say \\\"hi\\\".txt\"",
                Some("say \"hi\".txt"),
            ),
            // A broken escape stays as typed (the crate decodes leniently, as browsers do).
            (
                "attachment; filename*=UTF-8''%ZZ.txt; filename=plain.txt",
                Some("%ZZ.txt"),
            ),
            ("attachment; filename*=ISO-8859-1''caf%E9.txt", None),
            (
                "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe",
                Some("invoicefdp.exe"),
            ),
            ("attachment; filename=\"..\"", None),
            ("attachment; filename=\"  \"", None),
            ("attachment", None),
            ("inline", None),
        ];
        for (header, expected) in cases {
            assert_eq!(file_name_of(header).as_deref(), expected, "{header}");
        }
        let long = format!("attachment; filename={}", "x".repeat(300));
        assert_eq!(file_name_of(&long).map(|n| n.chars().count()), Some(200));
    }

    #[test]
    fn served_names_are_attachments_in_both_forms() {
        assert_eq!(
            attachment("Lab results.pdf"),
            "attachment; filename=\"Lab results.pdf\"; filename*=UTF-8''Lab%20results.pdf"
        );
        assert_eq!(
            attachment("José \"J\"\u{202E}.pdf"),
            "attachment; filename=\"Jos_ _J_.pdf\"; filename*=UTF-8''Jos%C3%A9%20%22J%22.pdf"
        );
        assert_eq!(attachment("\u{202E}"), "attachment");
    }
}
