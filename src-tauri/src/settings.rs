//! What the person chose in the settings, kept beside the offline copies
//! (`settings.json` in the data directory): the language for now.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// A language tag the app speaks (`en-US`, `es`); none: the environment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The practice's portal address chosen at the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// Whether a new message's notification names its sender (off: it says only that
    /// the care team wrote, so nothing about the person's health shows on screen).
    #[serde(default)]
    pub notify_sender: bool,
    /// How long without use before the app locks, in seconds (30 s to 24 h); none: the
    /// default, or `PORTAL_IDLE_TIMEOUT_SECS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_lock_seconds: Option<u64>,
}

fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("settings.json")
}

/// The settings kept in `data_dir`; the defaults when there are none, or when the file
/// cannot be read (which is logged: a damaged file must not stop the app).
pub fn load(data_dir: Option<&Path>) -> Settings {
    let Some(dir) = data_dir else {
        return Settings::default();
    };
    match std::fs::read(file(dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            tracing::warn!(%error, "the settings file is damaged: the defaults apply");
            Settings::default()
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Settings::default(),
        Err(error) => {
            tracing::warn!(%error, "the settings file cannot be read: the defaults apply");
            Settings::default()
        }
    }
}

/// Keeps `settings` in `data_dir`, replacing the file whole (written beside it, then
/// renamed), so that a crash leaves the old or the new settings, never half of them.
pub fn save(data_dir: &Path, settings: &Settings) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let text = serde_json::to_vec_pretty(settings).map_err(std::io::Error::other)?;
    let temporary = data_dir.join("settings.json.new");
    std::fs::write(&temporary, text)?;
    std::fs::rename(temporary, file(data_dir))
}

/// Changes the settings kept in `data_dir` with `change` and keeps the result.
pub fn update(data_dir: &Path, change: impl FnOnce(&mut Settings)) -> std::io::Result<()> {
    let mut settings = load(Some(data_dir));
    change(&mut settings);
    save(data_dir, &settings)
}

#[cfg(test)]
mod tests {
    use super::{Settings, load, save};

    #[test]
    fn settings_survive_a_restart_and_a_damaged_file_means_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(Some(dir.path())), Settings::default());
        let chosen = Settings {
            language: Some("es".to_owned()),
            server_url: Some("https://portal.example-practice.org".to_owned()),
            notify_sender: true,
            idle_lock_seconds: Some(300),
        };
        save(dir.path(), &chosen).unwrap();
        assert_eq!(load(Some(dir.path())), chosen);
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        assert_eq!(load(Some(dir.path())), Settings::default());
        assert_eq!(load(None), Settings::default());
    }
}
