//! The third-party components the app is built from, with their licences, for the
//! settings' About: the list scripts/licences.py writes from Cargo.lock (the shell's
//! and the UI's dependencies), which CI checks is current.

use portal_model::desktop::Component;

const LIST: &str = include_str!("../licences.json");

/// Every component, by name.
pub fn components() -> Result<Vec<Component>, serde_json::Error> {
    serde_json::from_str(LIST)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly by design.

    #[test]
    fn the_list_names_the_shell_and_the_ui_components_each_with_a_licence() {
        let list = super::components().unwrap();
        for name in [
            "tauri",
            "dioxus-web",
            "rusqlite",
            "fluent-bundle",
            "notify-rust",
        ] {
            assert!(
                list.iter().any(|c| c.name == name),
                "{name} is missing from licences.json"
            );
        }
        assert!(
            list.iter()
                .all(|c| !c.licence.is_empty() && !c.version.is_empty()),
            "a component without a licence or version"
        );
        assert!(
            !list.iter().any(|c| c.name.starts_with("portal-")),
            "the app's own crates are not third-party components"
        );
    }
}
