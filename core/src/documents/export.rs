//! A plaintext copy of a document where the host asks: written privately (0600) beside
//! its destination and renamed into place, so a failure leaves nothing behind.

use crate::error::CoreError;
use crate::outbox::new_mutation_id;
use std::path::{Path, PathBuf};

/// Writes `bytes` to a private temporary file beside `destination`, then renames it
/// into place; the temporary file is removed on any failure.
pub(super) fn write_private_copy(destination: &Path, bytes: &[u8]) -> Result<u64, CoreError> {
    use std::io::Write;
    let parent = destination
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = destination
        .file_name()
        .ok_or_else(|| CoreError::InvalidInput("the destination needs a file name".to_owned()))?;
    let temp: PathBuf = parent.join(format!(
        ".{}.{}.part",
        name.to_string_lossy(),
        new_mutation_id()
    ));
    let storage = |action: &str, e: std::io::Error| {
        CoreError::Storage(format!("{action} the exported copy: {e}"))
    };
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp).map_err(|e| storage("creating", e))?;
        file.write_all(bytes).map_err(|e| storage("writing", e))?;
        file.sync_all().map_err(|e| storage("writing", e))?;
        drop(file);
        std::fs::rename(&temp, destination).map_err(|e| storage("placing", e))?;
        Ok(bytes.len() as u64)
    })();
    if result.is_err() {
        // Nothing half-written stays behind (the file may not exist: ignore that).
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_that_fails_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let missing = dir.path().join("no-such-dir").join("copy.pdf");
        assert!(write_private_copy(&missing, b"%PDF").is_err());
        let ok = dir.path().join("copy.pdf");
        assert_eq!(write_private_copy(&ok, b"%PDF").ok(), Some(4));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("copy.pdf")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&ok).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
    }
}
