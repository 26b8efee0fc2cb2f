//! Names people type about themselves (the join form): letters and the marks that go
//! with them, spaces, apostrophes and hyphens. Nothing else: no digits, no control or
//! format characters (such as U+202E, which turns text around), no `:`, `/` or `.`, so
//! no address or link can ride in a name into an email or a provider's screen.

use crate::error::ServerError;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// The longest name taken.
pub const MAX_NAME_CHARS: usize = 100;

/// `value` as a person's name (trimmed, inner runs of spaces made one), or a 400 that
/// says what is wrong with it.
pub fn person_name(field: &str, value: &str) -> Result<String, ServerError> {
    let words: Vec<&str> = value.split(' ').filter(|word| !word.is_empty()).collect();
    let name = words.join(" ");
    if name.is_empty() {
        return Err(ServerError::bad_request(format!(
            "{field} must not be empty."
        )));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ServerError::bad_request(format!(
            "{field} is longer than {MAX_NAME_CHARS} characters."
        )));
    }
    let allowed = |c: char| {
        matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark
        ) || matches!(c, ' ' | '\'' | '\u{2019}' | '-' | '\u{2010}')
    };
    if !name.chars().all(allowed) {
        return Err(ServerError::bad_request(format!(
            "{field} may hold only letters, spaces, apostrophes and hyphens."
        )));
    }
    if !name
        .chars()
        .any(|c| c.general_category_group() == GeneralCategoryGroup::Letter)
    {
        return Err(ServerError::bad_request(format!(
            "{field} must hold at least one letter."
        )));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_every_script_pass_and_links_controls_and_turnarounds_do_not() {
        for (typed, kept) in [
            ("  José   Núñez-O'Brien ", "José Núñez-O'Brien"),
            ("李小龙", "李小龙"),
            ("Zoë D\u{2019}Arcy", "Zoë D\u{2019}Arcy"),
            ("Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai"),
            // A letter with a combining mark.
            ("Rene\u{301}e", "Rene\u{301}e"),
        ] {
            assert_eq!(person_name("first_name", typed).unwrap(), kept);
        }
        for bad in [
            "",
            "   ",
            "'-'",
            "Sam\nBcc: someone@example.com",
            "Sam\tLee",
            "visit https://evil.example",
            "evil.example",
            "Sam <b>",
            "invoice\u{202E}fdp",
            "R2D2",
            &"a".repeat(MAX_NAME_CHARS + 1),
        ] {
            assert!(person_name("first_name", bad).is_err(), "{bad:?} was taken");
        }
    }
}
