//! The password policy (ASVS / NIST 800-63B style): a length range, not a common
//! password, and not the account's email. No composition rules. The server enforces it;
//! the core checks the same rules before sending, for live feedback, from the same copy
//! of the common-password list (the `common-passwords` feature; the wasm UI, which must
//! stay small, asks its shell instead).

use serde::{Deserialize, Serialize};

/// One rule of the policy, as named in `weak_password` reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyRule {
    /// At least `min_length` characters.
    TooShort,
    /// At most `max_length` characters.
    TooLong,
    /// Not a commonly used password.
    Common,
    /// Not the account's email address.
    EqualsEmail,
}

impl PolicyRule {
    /// A sentence for people describing what the rule asks for.
    pub fn requirement(self, policy: &PasswordPolicy) -> String {
        match self {
            Self::TooShort => format!("At least {} characters", policy.min_length),
            Self::TooLong => format!("At most {} characters", policy.max_length),
            Self::Common => "Not a commonly used password".to_owned(),
            Self::EqualsEmail => "Not your email address".to_owned(),
        }
    }
}

/// How many of the most common passwords the policy refuses.
pub const COMMON_REFUSED: u32 = 10_000;

/// `GET /v1/password-policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordPolicy {
    pub min_length: u32,
    pub max_length: u32,
    /// How many of the most common passwords are refused (with their close variants:
    /// any case, trailing digits or punctuation). Clients carry their own copy of the
    /// list; the wire carries only its size.
    pub common_refused: u32,
    pub disallow_email: bool,
}

/// Whether one rule passed, for a live checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOutcome {
    pub rule: PolicyRule,
    pub passed: bool,
}

/// The outcome of checking a password against every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordCheck {
    pub outcomes: Vec<RuleOutcome>,
}

impl PasswordCheck {
    /// True when every rule passed.
    pub fn is_acceptable(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }

    /// The rules that failed, in policy order.
    pub fn failed(&self) -> Vec<PolicyRule> {
        self.outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.rule)
            .collect()
    }
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 12,
            max_length: 128,
            common_refused: COMMON_REFUSED,
            disallow_email: true,
        }
    }
}

impl PasswordPolicy {
    /// Checks `password` against every rule. `email` is the account's address when the
    /// caller knows it; without it the email rule is reported as passed, and the server,
    /// which knows the address, has the last word.
    #[cfg(feature = "common-passwords")]
    pub fn check(&self, password: &str, email: Option<&str>) -> PasswordCheck {
        self.check_with(
            password,
            email,
            crate::common_passwords::is_common(password),
        )
    }

    /// [`PasswordPolicy::check`] for a caller that learnt elsewhere whether the password
    /// is a common one (the desktop UI asks its shell, which has the list).
    pub fn check_with(&self, password: &str, email: Option<&str>, common: bool) -> PasswordCheck {
        // Length counts Unicode scalar values, as NIST SP 800-63B asks.
        let length = password.chars().count();
        let lowered = password.to_lowercase();
        let equals_email =
            self.disallow_email && email.is_some_and(|e| e.trim().to_lowercase() == lowered.trim());
        let outcomes = vec![
            RuleOutcome {
                rule: PolicyRule::TooShort,
                passed: length >= self.min_length as usize,
            },
            RuleOutcome {
                rule: PolicyRule::TooLong,
                passed: length <= self.max_length as usize,
            },
            RuleOutcome {
                rule: PolicyRule::Common,
                passed: !common,
            },
            RuleOutcome {
                rule: PolicyRule::EqualsEmail,
                passed: !equals_email,
            },
        ];
        PasswordCheck { outcomes }
    }
}

#[cfg(all(test, feature = "common-passwords"))]
mod tests {
    use super::*;

    fn failed(password: &str, email: Option<&str>) -> Vec<PolicyRule> {
        PasswordPolicy::default().check(password, email).failed()
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(failed("vq7#L", None), vec![PolicyRule::TooShort]);
        // 12 characters, 24 bytes: long enough.
        assert_eq!(failed("éèêëéèêëéèê7", None), Vec::<PolicyRule>::new());
        assert_eq!(
            failed(&"river otter paints blue ".repeat(6)[..129], None),
            vec![PolicyRule::TooLong]
        );
        assert!(failed(&"river otter paints blue ".repeat(6)[..128], None).is_empty());
    }

    #[test]
    fn common_passwords_fail_whatever_their_case() {
        assert_eq!(failed("Password1234", None), vec![PolicyRule::Common]);
        assert_eq!(failed("iloveyou1234", None), vec![PolicyRule::Common]);
    }

    #[test]
    fn the_email_is_not_a_password() {
        let email = "jane.doe@example.com";
        assert_eq!(
            failed("Jane.Doe@example.com", Some(email)),
            vec![PolicyRule::EqualsEmail]
        );
        assert!(failed("jane.doe@example.com", None).is_empty());
    }

    #[test]
    fn a_long_passphrase_passes_every_rule() {
        let check = PasswordPolicy::default().check("river otter paints blue", Some("a@b.c"));
        assert!(check.is_acceptable());
        assert_eq!(check.outcomes.len(), 4);
    }

    #[test]
    fn check_with_takes_the_common_answer_it_is_given() {
        let policy = PasswordPolicy::default();
        assert_eq!(
            policy
                .check_with("river otter paints blue", None, true)
                .failed(),
            vec![PolicyRule::Common]
        );
        assert_eq!(
            policy.check_with("vq7#L", None, false).failed(),
            vec![PolicyRule::TooShort]
        );
    }
}
