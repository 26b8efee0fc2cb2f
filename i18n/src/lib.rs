//! The desktop app's words, in Project Fluent catalogues (`locales/<tag>/portal.ftl`),
//! one copy for the Dioxus UI (compiled to wasm) and the Tauri shell (which words its
//! notices in the same language). English and Spanish; a test fails when either lacks
//! a message or an attribute the other has.

use fluent_bundle::bundle::FluentBundle;
use fluent_bundle::memoizer::MemoizerKind;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub use fluent_bundle::FluentValue as Value;

/// A language the app speaks.
#[derive(Debug, PartialEq, Eq)]
pub struct Language {
    /// The BCP 47 tag: the catalogue's folder, the page's `lang`, `Intl`'s locale.
    pub tag: &'static str,
    /// Its name in itself, for the language setting.
    pub name: &'static str,
    /// The catalogue's text.
    pub catalogue: &'static str,
}

pub static ENGLISH: Language = Language {
    tag: "en-US",
    name: "English",
    catalogue: include_str!("../locales/en-US/portal.ftl"),
};

pub static SPANISH: Language = Language {
    tag: "es",
    name: "Español",
    catalogue: include_str!("../locales/es/portal.ftl"),
};

/// Every language, English (the fall-back) first.
pub static LANGUAGES: &[&Language] = &[&ENGLISH, &SPANISH];

/// The language of this tag exactly (`en-US`, `es`), as the setting stores it.
pub fn by_tag(tag: &str) -> Option<&'static Language> {
    LANGUAGES.iter().copied().find(|l| l.tag == tag)
}

/// The first of `preferred` (most wanted first: BCP 47 tags such as `es-MX`, or POSIX
/// locales such as `es_ES.UTF-8`) that the app speaks, by its primary language;
/// English when none is.
pub fn choose<'a>(preferred: impl IntoIterator<Item = &'a str>) -> &'static Language {
    preferred
        .into_iter()
        .filter_map(|wanted| {
            let primary = wanted
                .split(['-', '_', '.', '@'])
                .next()?
                .trim()
                .to_ascii_lowercase();
            LANGUAGES
                .iter()
                .copied()
                .find(|l| l.tag.split('-').next() == Some(primary.as_str()))
        })
        .next()
        .unwrap_or(&ENGLISH)
}

fn identifier(language: &Language) -> unic_langid::LanguageIdentifier {
    language.tag.parse().unwrap_or_default()
}

/// Loads `language`'s catalogue into `bundle` (made by `FluentBundle::new` for one
/// thread, or `new_concurrent` for several); the errors that make it unusable.
pub fn fill<M: MemoizerKind>(
    bundle: &mut FluentBundle<FluentResource, M>,
    language: &Language,
) -> Result<(), String> {
    let resource = FluentResource::try_new(language.catalogue.to_owned())
        .map_err(|(_, errors)| format!("{}: {errors:?}", language.tag))?;
    // No Unicode isolation marks around arguments: the text goes into the page or a
    // notice as it is.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| format!("{}: {errors:?}", language.tag))
}

/// A bundle for use on one thread (the UI).
pub fn local(language: &Language) -> Result<fluent_bundle::FluentBundle<FluentResource>, String> {
    let mut bundle = fluent_bundle::FluentBundle::new(vec![identifier(language)]);
    fill(&mut bundle, language)?;
    Ok(bundle)
}

/// A bundle several threads may share (the shell).
pub fn shared(
    language: &Language,
) -> Result<fluent_bundle::concurrent::FluentBundle<FluentResource>, String> {
    let mut bundle =
        fluent_bundle::concurrent::FluentBundle::new_concurrent(vec![identifier(language)]);
    fill(&mut bundle, language)?;
    Ok(bundle)
}

/// Named arguments, from pairs.
pub fn args<'a>(pairs: &[(&'a str, FluentValue<'a>)]) -> FluentArgs<'a> {
    let mut args = FluentArgs::new();
    for (name, value) in pairs {
        args.set(*name, value.clone());
    }
    args
}

/// The message `id` (or its attribute `attribute`) with `args`; `None` when the
/// catalogue lacks it.
pub fn format<M: MemoizerKind>(
    bundle: &FluentBundle<FluentResource, M>,
    id: &str,
    attribute: Option<&str>,
    args: Option<&FluentArgs<'_>>,
) -> Option<String> {
    let message = bundle.get_message(id)?;
    let pattern = match attribute {
        Some(name) => message.get_attribute(name)?.value(),
        None => message.value()?,
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    Some(text.trim().to_owned())
}

/// Every message and attribute of `language` whose text takes no arguments, as
/// (`id` or `id.attribute`, text): the words a screen shows as they are, for tests that
/// look for one language's words on another's screens.
pub fn plain_texts(language: &Language) -> Vec<(String, String)> {
    use fluent_syntax::ast::{Entry, Pattern, PatternElement};
    fn plain(pattern: &Pattern<&str>) -> Option<String> {
        let mut text = String::new();
        for element in &pattern.elements {
            match element {
                PatternElement::TextElement { value } => text.push_str(value),
                PatternElement::Placeable { .. } => return None,
            }
        }
        Some(text.trim().to_owned())
    }
    let Ok(resource) = fluent_syntax::parser::parse(language.catalogue) else {
        return Vec::new();
    };
    let mut texts = Vec::new();
    for entry in &resource.body {
        if let Entry::Message(message) = entry {
            let id = message.id.name;
            if let Some(text) = message.value.as_ref().and_then(plain) {
                texts.push((id.to_owned(), text));
            }
            for attribute in &message.attributes {
                if let Some(text) = plain(&attribute.value) {
                    texts.push((format!("{id}.{}", attribute.id.name), text));
                }
            }
        }
    }
    texts
}

/// A language's catalogue that threads share (the shell words its notices with it).
pub struct Catalogue {
    language: &'static Language,
    bundle: fluent_bundle::concurrent::FluentBundle<FluentResource>,
}

impl Catalogue {
    /// `language`'s catalogue. What part of it does not parse is left out (the tests
    /// keep every catalogue whole), so this never fails.
    pub fn new(language: &'static Language) -> Self {
        let resource = FluentResource::try_new(language.catalogue.to_owned())
            .unwrap_or_else(|(partial, _)| partial);
        let mut bundle =
            fluent_bundle::concurrent::FluentBundle::new_concurrent(vec![identifier(language)]);
        bundle.set_use_isolating(false);
        // Errors here are ids defined twice; the first stays.
        let _ = bundle.add_resource(resource);
        Self { language, bundle }
    }

    pub fn language(&self) -> &'static Language {
        self.language
    }

    /// The message `id` with `args`; the id itself if the catalogue lacks it.
    pub fn text(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        format(&self.bundle, id, None, Some(&self::args(args))).unwrap_or_else(|| id.to_owned())
    }

    /// The attribute `attribute` of message `id` with `args`; `id.attribute` if the
    /// catalogue lacks it.
    pub fn attribute(&self, id: &str, attribute: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        format(&self.bundle, id, Some(attribute), Some(&self::args(args)))
            .unwrap_or_else(|| format!("{id}.{attribute}"))
    }
}

#[cfg(test)]
mod tests {
    use super::{ENGLISH, LANGUAGES, SPANISH, by_tag, choose, local};
    use fluent_bundle::FluentResource;
    use fluent_syntax::ast;
    use std::collections::BTreeSet;

    /// Every message id and `id.attribute` a catalogue defines.
    fn keys(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned()).expect("the catalogue parses");
        let mut keys = BTreeSet::new();
        for entry in resource.entries() {
            if let ast::Entry::Message(message) = entry {
                let id = message.id.name;
                if message.value.is_some() {
                    keys.insert(id.to_owned());
                }
                for attribute in &message.attributes {
                    keys.insert(format!("{id}.{}", attribute.id.name));
                }
            }
        }
        keys
    }

    #[test]
    fn every_language_has_every_message_and_attribute_the_others_have() {
        let english = keys(ENGLISH.catalogue);
        assert!(english.len() > 250, "only {} messages", english.len());
        for language in LANGUAGES {
            assert!(local(language).is_ok(), "{} does not load", language.tag);
            let theirs = keys(language.catalogue);
            let missing: Vec<_> = english.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                language.tag
            );
        }
    }

    #[test]
    fn a_catalogue_formats_titles_details_and_plurals() {
        let spanish = super::Catalogue::new(&SPANISH);
        assert_eq!(spanish.text("nav-home", &[]), "Inicio");
        assert_eq!(
            spanish.attribute("notice-wrong-password", "detail", &[("left", 3.into())]),
            "Inténtelo de nuevo. Le quedan 3 intentos antes de que se cierre su sesión en este equipo."
        );
        let english = super::Catalogue::new(&ENGLISH);
        assert!(
            english
                .attribute("notice-wrong-password", "detail", &[("left", 1.into())])
                .contains("one more wrong password")
        );
        assert_eq!(english.text("no-such-message", &[]), "no-such-message");
    }

    #[test]
    fn plain_texts_are_the_words_without_arguments() {
        let english = super::plain_texts(&ENGLISH);
        let find = |key: &str| {
            english
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, t)| t.as_str())
        };
        assert_eq!(find("nav-home"), Some("Home"));
        assert_eq!(
            find("notice-network.detail"),
            Some("Check your internet connection and try again. Nothing was changed.")
        );
        assert_eq!(find("greeting-self"), None, "it takes a name");
    }

    #[test]
    fn the_language_follows_the_first_preference_the_app_speaks() {
        assert_eq!(choose(["es-MX", "en-US"]), &SPANISH);
        assert_eq!(choose(["es_ES.UTF-8"]), &SPANISH);
        assert_eq!(choose(["fr-FR", "es"]), &SPANISH);
        assert_eq!(choose(["en-GB", "es"]), &ENGLISH);
        assert_eq!(choose(["de-DE", "C"]), &ENGLISH);
        assert_eq!(choose(Vec::<&str>::new()), &ENGLISH);
        assert_eq!(by_tag("es"), Some(&SPANISH));
        assert_eq!(by_tag("fr"), None);
    }
}
