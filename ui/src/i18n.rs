//! The translation catalogue (Project Fluent): every word the signed-in pages show comes
//! from `locales/<language>/portal.ftl` by message id. English is built in; the desktop
//! platform work adds more languages beside it.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use std::cell::RefCell;

/// The English catalogue, compiled in.
pub const EN_US: &str = include_str!("../locales/en-US/portal.ftl");

thread_local! {
    static BUNDLE: RefCell<Option<FluentBundle<FluentResource>>> = const { RefCell::new(None) };
}

/// A bundle of `source` for `language`, or the errors that make it unusable.
pub fn bundle(
    language: unic_langid::LanguageIdentifier,
    source: &str,
) -> Result<FluentBundle<FluentResource>, String> {
    let resource =
        FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    let mut bundle = FluentBundle::new(vec![language]);
    // No Unicode isolation marks around arguments: the text goes into the DOM as it is.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| format!("{errors:?}"))?;
    Ok(bundle)
}

fn with_bundle<R>(f: impl FnOnce(&FluentBundle<FluentResource>) -> R) -> Option<R> {
    BUNDLE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = bundle(unic_langid::langid!("en-US"), EN_US).ok();
        }
        slot.as_ref().map(f)
    })
}

/// The message `id` with `args`; the id itself when the catalogue lacks it (a test
/// checks that every id the screens use is there).
pub fn format(id: &str, args: Option<&FluentArgs<'_>>) -> String {
    with_bundle(|bundle| {
        let pattern = bundle.get_message(id).and_then(|m| m.value())?;
        let mut errors = Vec::new();
        Some(
            bundle
                .format_pattern(pattern, args, &mut errors)
                .into_owned(),
        )
    })
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
    use super::{EN_US, bundle};
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
    fn the_english_catalogue_parses_and_has_every_id_the_screens_use() {
        let bundle = bundle(unic_langid::langid!("en-US"), EN_US).unwrap();
        let mut ids = Vec::new();
        used_ids(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut ids);
        assert!(ids.len() > 50, "only {} ids found", ids.len());
        let missing: Vec<_> = ids.iter().filter(|id| !bundle.has_message(id)).collect();
        assert!(
            missing.is_empty(),
            "not in locales/en-US/portal.ftl: {missing:?}"
        );
    }
}
