//! The shell's words: the app's language and its catalogue, the same one the UI draws
//! its screens from (`portal-i18n`). The language is the one chosen in the settings,
//! else `PORTAL_LANGUAGE`, else the first of the system's languages the app speaks,
//! else English. The UI asks for it at start (`ui_language`), so that its screens and
//! the shell's notices agree; a change in the settings applies to both at once.

use portal_i18n::{Catalogue, Language, Value};
use std::sync::{Arc, RwLock};

static WORDS: RwLock<Option<Arc<Catalogue>>> = RwLock::new(None);

/// The language to speak: `chosen` (the settings), else `environment`
/// (`PORTAL_LANGUAGE`), when the app speaks it; else the system's.
pub fn choose(chosen: Option<&str>, environment: Option<&str>) -> &'static Language {
    if let Some(language) = [chosen, environment]
        .into_iter()
        .flatten()
        .find_map(|tag| portal_i18n::by_tag(tag.trim()))
    {
        return language;
    }
    let system: Vec<String> = sys_locale::get_locales().collect();
    portal_i18n::choose(system.iter().map(String::as_str))
}

/// Speaks `language` from now on.
pub fn set(language: &'static Language) {
    let catalogue = Arc::new(Catalogue::new(language));
    match WORDS.write() {
        Ok(mut words) => *words = Some(catalogue),
        Err(poisoned) => *poisoned.into_inner() = Some(catalogue),
    }
}

fn words() -> Arc<Catalogue> {
    let current = match WORDS.read() {
        Ok(words) => words.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    current.unwrap_or_else(|| {
        set(&portal_i18n::ENGLISH);
        Arc::new(Catalogue::new(&portal_i18n::ENGLISH))
    })
}

/// The app's language.
pub fn language() -> &'static Language {
    words().language()
}

/// The message `id`.
pub fn text(id: &str, args: &[(&str, Value<'_>)]) -> String {
    words().text(id, args)
}

/// The `.detail` of message `id`.
pub fn detail(id: &str, args: &[(&str, Value<'_>)]) -> String {
    words().attribute(id, "detail", args)
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn the_settings_come_before_the_environment_and_unknown_tags_are_passed_over() {
        assert_eq!(choose(Some("es"), Some("en-US")).tag, "es");
        assert_eq!(choose(None, Some("es")).tag, "es");
        assert_eq!(choose(Some("xx"), Some("es")).tag, "es");
        assert_eq!(choose(Some("en-US"), Some("es")).tag, "en-US");
    }
}
