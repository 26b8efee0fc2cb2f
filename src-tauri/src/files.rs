//! Documents leaving and entering the encrypted copy: a plaintext copy for the system's
//! viewer (kept in the data directory's `opened/` folder, readable by this user only,
//! and removed at start-up and at sign-out), and a picked file on its way up.

use crate::notices;
use portal_model::desktop::{Notice, PickedFile};
use portal_model::records::Document;
use std::path::{Path, PathBuf};

/// The folder of plaintext copies handed to the system's viewer.
pub fn opened_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("opened")
}

/// Removes every plaintext copy (start-up, sign-out). A failure is logged, not fatal:
/// the files stay readable by this user only.
pub fn clear_opened(data_dir: Option<&Path>) {
    let Some(dir) = data_dir.map(opened_dir) else {
        return;
    };
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(%error, "could not remove the opened documents"),
    }
}

/// Where the plaintext copy of `document` goes: its title as a file name (nothing that
/// leaves the folder), with the extension of its type.
pub fn copy_path(data_dir: &Path, document: &Document) -> Result<PathBuf, Notice> {
    let dir = opened_dir(data_dir);
    create_private_dir(&dir).map_err(|_| notices::cannot_open_document())?;
    let stem: String = document
        .title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "document" } else { stem };
    Ok(dir.join(format!("{stem}.{}", extension(&document.content_type))))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The usual extension of a content type, so the system picks the right viewer.
fn extension(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or("").trim() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// Opens `path` with `PORTAL_OPEN_WITH` (a program, given the path as its last
/// argument) when set, else with the system's default viewer.
pub fn open_path(app: &tauri::AppHandle, path: &Path) -> Result<(), Notice> {
    if let Some(command) = std::env::var("PORTAL_OPEN_WITH")
        .ok()
        .filter(|c| !c.trim().is_empty())
    {
        let mut words = command.split_whitespace();
        let program = words.next().unwrap_or_default();
        return std::process::Command::new(program)
            .args(words)
            .arg(path)
            .spawn()
            .map(drop)
            .map_err(|_| notices::no_viewer(path));
    }
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|_| notices::no_viewer(path))
}

/// The bytes of a picked file, or why they cannot be sent.
pub fn picked_bytes(file: &PickedFile) -> Result<Vec<u8>, Notice> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(file.base64.as_bytes())
        .map_err(|_| notices::unreadable_file())
}

#[cfg(test)]
mod tests {
    use super::{copy_path, extension};

    #[test]
    fn a_copy_is_named_after_its_title_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut document: portal_model::records::Document =
            serde_json::from_value(serde_json::json!({"id": "d1", "profile_id": "p", "rev": 1,
                "updated_at": "2026-01-01T00:00:00Z", "title": "../../etc/passwd",
                "category": "shared", "content_type": "application/pdf", "size": 1,
                "sha256": "00", "created_at": "2026-01-01T00:00:00Z"}))
            .unwrap();
        let path = copy_path(dir.path(), &document).unwrap();
        assert_eq!(path.parent().unwrap(), dir.path().join("opened"));
        assert_eq!(path.file_name().unwrap(), "______etc_passwd.pdf");
        document.title = "  ".to_owned();
        let path = copy_path(dir.path(), &document).unwrap();
        assert_eq!(path.file_name().unwrap(), "document.pdf");
        assert_eq!(extension("image/jpeg; q=1"), "jpg");
    }
}
