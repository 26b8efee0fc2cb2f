//! Whether a password is a common one: among the 10,000 most used, or a close variant
//! of one (any case; up to six trailing digits or punctuation marks, as in
//! `Iloveyou2024!`).
//!
//! The list is the ranked password frequency list of the `zxcvbn` crate (30,000
//! passwords from public breach corpora, most used first), read through its estimator:
//! zxcvbn guesses a password that is one entry of the list at its rank plus one, so a
//! password it guesses within [`MOST_GUESSES`] is one of the 10,000 most common, or as
//! guessable as they are (a repeat such as `aaaaaaaaaaaa`, a sequence, a keyboard walk).
//! The server and the core check from this one copy.

use crate::password::COMMON_REFUSED;

/// Guesses within which a password counts as common: the 10,000th entry of the list is
/// guessed at 10,001.
pub const MOST_GUESSES: u64 = COMMON_REFUSED as u64 + 1;

/// Trailing digits and punctuation up to this many characters make a close variant.
const VARIANT_SUFFIX: usize = 6;

/// True when `password`, or `password` without up to six of its trailing digits and
/// punctuation marks, is among the most common passwords, whatever its case.
pub fn is_common(password: &str) -> bool {
    let lowered = password.to_lowercase();
    let mut candidate = lowered.as_str();
    for _ in 0..=VARIANT_SUFFIX {
        if candidate.is_empty() {
            return false;
        }
        if guessed_soon(candidate) {
            return true;
        }
        match candidate.char_indices().next_back() {
            Some((at, last)) if last.is_ascii_digit() || last.is_ascii_punctuation() => {
                candidate = &candidate[..at];
            }
            _ => return false,
        }
    }
    false
}

fn guessed_soon(candidate: &str) -> bool {
    zxcvbn::zxcvbn(candidate, &[]).guesses() <= MOST_GUESSES
}

#[cfg(test)]
mod tests {
    use super::is_common;

    #[test]
    fn the_most_common_passwords_are_refused() {
        for password in [
            "123456",
            "password",
            "qwertyuiop",
            "1qaz2wsx3edc",
            "123qweasdzxc",
            "leavemealone",
            "sonyericsson",
            "q1w2e3r4t5y6",
        ] {
            assert!(is_common(password), "{password} is common");
        }
    }

    #[test]
    fn close_variants_are_refused() {
        for password in [
            "PASSWORD",
            "LeaveMeAlone",
            "iloveyou1234",
            "Password2024!",
            "sunshine123456",
            "Dragon!!",
            "aaaaaaaaaaaa",
            "123456789012",
        ] {
            assert!(is_common(password), "{password} is a close variant");
        }
    }

    #[test]
    fn strong_passwords_pass() {
        for password in [
            "river otter paints blue",
            "correct horse battery staple",
            "Z8473629184756",
            // A common stem with a long random number is not a close variant.
            "jake8302649175",
            "vq7#Lm2!pX9s",
            "José Núñez walks at dawn",
            "李小龙的密码很长很长",
        ] {
            assert!(!is_common(password), "{password} is not common");
        }
    }
}
