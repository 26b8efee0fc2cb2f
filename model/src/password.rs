//! The password policy (ASVS / NIST 800-63B style): a length range, a blocklist of common
//! passwords, and not the account's email. No composition rules. The server enforces it;
//! clients check the same rules before sending, for live feedback.

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

/// `GET /v1/password-policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordPolicy {
    pub min_length: u32,
    pub max_length: u32,
    /// Passwords refused whatever their length, compared case-insensitively.
    pub blocklist: Vec<String>,
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
            blocklist: COMMON_PASSWORDS.iter().map(|p| (*p).to_owned()).collect(),
            disallow_email: true,
        }
    }
}

impl PasswordPolicy {
    /// Checks `password` against every rule. `email` is the account's address when the
    /// caller knows it; without it the email rule is reported as passed, and the server,
    /// which knows the address, has the last word.
    pub fn check(&self, password: &str, email: Option<&str>) -> PasswordCheck {
        // Length counts Unicode scalar values, as NIST SP 800-63B asks.
        let length = password.chars().count();
        let lowered = password.to_lowercase();
        let common = self.blocklist.iter().any(|p| p.to_lowercase() == lowered);
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

/// Common passwords long enough to pass the length rule, drawn from public breach
/// frequency lists. Shorter common passwords already fail `too_short`.
pub const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "111111111111",
    "000000000000",
    "123123123123",
    "121212121212",
    "112233445566",
    "098765432112",
    "qwertyuiopas",
    "qwertyuiop123",
    "qwertyuiop1234",
    "qwerty123456",
    "qwerty1234567",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "1q2w3e4r5t6y7u",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "zxcvbnm12345",
    "passwordpassword",
    "password1234",
    "password12345",
    "password123456",
    "password123!",
    "password1234!",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "mypassword123",
    "mypassword1234",
    "newpassword123",
    "changeme1234",
    "changemenow!",
    "letmein12345",
    "letmeinplease",
    "welcome12345",
    "welcome123456",
    "welcometothejungle",
    "iloveyou1234",
    "iloveyou12345",
    "iloveyouforever",
    "iloveyoubaby",
    "ilovemyfamily",
    "ilovemykids1",
    "ilovemymom123",
    "princess1234",
    "sunshine1234",
    "football1234",
    "baseball1234",
    "basketball12",
    "superman1234",
    "batman123456",
    "starwars1234",
    "trustno11234",
    "monkey123456",
    "dragon123456",
    "shadow123456",
    "master123456",
    "michael12345",
    "jennifer1234",
    "abcdefghijkl",
    "abcdefg12345",
    "abc123456789",
    "abcd12345678",
    "aaaaaaaaaaaa",
    "administrator",
    "administrator1",
    "admin1234567",
    "adminadmin123",
    "computer1234",
    "internet1234",
    "whatever1234",
    "nothing12345",
    "secret123456",
    "mysecretpassword",
    "correcthorsebatterystaple",
    "correct horse battery staple",
    "thequickbrownfox",
    "letmein123456",
    "loveyou12345",
    "summer2024!!",
    "summer123456",
    "winter123456",
    "spring123456",
    "autumn123456",
    "january12345",
    "december1234",
    "patientportal",
    "patientportal1",
    "patientportal123",
    "healthcare123",
    "doctor123456",
    "hospital1234",
    "helloworld123",
    "hellohello12",
    "goodmorning1",
    "blink182blink182",
    "qazwsxedcrfv",
    "qazwsxedc123",
    "1234qwerasdf",
    "1234qwerasdfzxcv",
    "q1w2e3r4t5y6",
    "a1b2c3d4e5f6",
    "11223344556677",
    "147258369147",
    "987654321098",
    "0987654321qwerty",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(password: &str, email: Option<&str>) -> Vec<PolicyRule> {
        PasswordPolicy::default().check(password, email).failed()
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(failed("short", None), vec![PolicyRule::TooShort]);
        // 12 characters, 24 bytes: long enough.
        assert_eq!(failed("ééééééééééé1", None), Vec::<PolicyRule>::new());
        assert_eq!(failed(&"x".repeat(129), None), vec![PolicyRule::TooLong]);
        assert!(failed(&"x".repeat(128), None).is_empty());
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
    fn every_blocklist_entry_is_long_enough_to_matter() {
        for p in COMMON_PASSWORDS {
            assert!(p.chars().count() >= 12, "{p} would fail too_short anyway");
        }
    }
}
