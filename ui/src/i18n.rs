//! The translation catalogue (Project Fluent, `portal-i18n`, shared with the shell):
//! every word the screens show comes from it by message id, in the app's language.
//! Until the shell answers which that is (`ui_language`: its setting, else the
//! system's), the webview's preferred languages stand in.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use portal_i18n::Language;
use std::cell::RefCell;

thread_local! {
    static CURRENT: RefCell<Option<(&'static Language, FluentBundle<FluentResource>)>> =
        const { RefCell::new(None) };
}

/// The webview's preferred languages (`navigator.languages`), most wanted first.
fn preferred() -> Vec<String> {
    web_sys::window()
        .map(|window| {
            window
                .navigator()
                .languages()
                .iter()
                .filter_map(|tag| tag.as_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Speaks `language` from now on, and marks the page with it (`<html lang>`, which
/// screen readers follow).
pub fn set_language(language: &'static Language) {
    CURRENT.with(|cell| {
        if let Ok(bundle) = portal_i18n::local(language) {
            *cell.borrow_mut() = Some((language, bundle));
        }
    });
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        // Without the attribute, screen readers guess the language from the system.
        let _ = root.set_attribute("lang", language.tag);
    }
}

fn with_bundle<R>(
    f: impl FnOnce(&'static Language, &FluentBundle<FluentResource>) -> R,
) -> Option<R> {
    CURRENT.with(|cell| {
        if cell.borrow().is_none() {
            let language = portal_i18n::choose(preferred().iter().map(String::as_str));
            *cell.borrow_mut() = portal_i18n::local(language)
                .ok()
                .map(|bundle| (language, bundle));
        }
        cell.borrow()
            .as_ref()
            .map(|(language, bundle)| f(language, bundle))
    })
}

/// The language the screens speak now.
pub fn language() -> &'static Language {
    with_bundle(|language, _| language).unwrap_or(&portal_i18n::ENGLISH)
}

/// The message `id` (or `id.attribute`) with `args`; the id itself when the catalogue
/// lacks it (a test checks that every id the screens use is there).
pub fn format(id: &str, args: Option<&FluentArgs<'_>>) -> String {
    let (message, attribute) = match id.split_once('.') {
        Some((message, attribute)) => (message, Some(attribute)),
        None => (id, None),
    };
    with_bundle(|_, bundle| portal_i18n::format(bundle, message, attribute, args))
        .flatten()
        .unwrap_or_else(|| id.to_owned())
}

/// The message `id`, without arguments.
pub fn tr(id: &str) -> String {
    format(id, None)
}

/// The message `id` with named arguments, such as a count.
pub fn tr_args(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent = FluentArgs::new();
    for (name, value) in args {
        fluent.set(*name, value.clone());
    }
    format(id, Some(&fluent))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `tr("id")` / `tr_args("id"` in the UI's sources.
    fn used_ids(dir: &Path, ids: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                used_ids(&path, ids);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for call in ["tr(\"", "tr_args(\""] {
                        for (at, _) in line.match_indices(call) {
                            // `tr(` itself, not the end of another name (`from_str(`).
                            let before = line[..at].chars().next_back();
                            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                                continue;
                            }
                            let rest = &line[at + call.len()..];
                            ids.push(rest[..rest.find('"').unwrap()].to_owned());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_catalogue_has_every_id_the_screens_use() {
        let mut ids = Vec::new();
        used_ids(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut ids);
        assert!(ids.len() > 50, "only {} ids found", ids.len());
        for language in portal_i18n::LANGUAGES {
            let bundle = portal_i18n::local(language).unwrap();
            let missing: Vec<_> = ids
                .iter()
                .filter(|id| !bundle.has_message(id.split('.').next().unwrap_or(id)))
                .collect();
            assert!(
                missing.is_empty(),
                "not in i18n/locales/{}/portal.ftl: {missing:?}",
                language.tag
            );
        }
    }
}
