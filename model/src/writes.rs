//! Typed arguments of the patient's writes that carry more than ids: a change of
//! contact details and a form's answers. The core turns them into a mutation's `args`
//! (PROTOCOL.md, "Mutations"); apps never build JSON.

use crate::records::FormAnswer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One contact field in a change: left as it is, cleared, or set to new text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "change", content = "text", rename_all = "snake_case")]
pub enum FieldChange {
    #[default]
    Keep,
    Clear,
    Set(String),
}

impl FieldChange {
    /// The field set to `text`; blank text clears it (as the server reads it).
    pub fn set(text: &str) -> Self {
        if text.trim().is_empty() {
            Self::Clear
        } else {
            Self::Set(text.trim().to_owned())
        }
    }
}

/// A change of the patient's contact details. The email address is not among them: it
/// signs the patient in, and only the practice changes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ContactChange {
    pub phone: FieldChange,
    pub address: FieldChange,
    pub preferred_name: FieldChange,
}

/// The longest text a contact field takes (the server refuses longer).
pub const MAX_CONTACT_FIELD_CHARS: usize = 500;

impl ContactChange {
    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        [&self.phone, &self.address, &self.preferred_name]
            .iter()
            .all(|field| **field == FieldChange::Keep)
    }

    /// The names of fields longer than the server takes, if any.
    pub fn too_long(&self) -> Vec<&'static str> {
        self.named()
            .filter_map(|(name, field)| match field {
                FieldChange::Set(text) if text.chars().count() > MAX_CONTACT_FIELD_CHARS => {
                    Some(name)
                }
                _ => None,
            })
            .collect()
    }

    /// The mutation's `fields`: each changed field, `null` for a cleared one.
    pub fn fields(&self) -> Map<String, Value> {
        self.named()
            .filter_map(|(name, field)| match field {
                FieldChange::Keep => None,
                FieldChange::Clear => Some((name.to_owned(), Value::Null)),
                FieldChange::Set(text) => Some((name.to_owned(), Value::String(text.clone()))),
            })
            .collect()
    }

    /// The change a mutation's `fields` stand for (the inverse of
    /// [`ContactChange::fields`]); fields it does not know are left out.
    pub fn from_fields(fields: &Map<String, Value>) -> Self {
        let read = |name: &str| match fields.get(name) {
            None => FieldChange::Keep,
            Some(Value::String(text)) => FieldChange::set(text),
            Some(_) => FieldChange::Clear,
        };
        Self {
            phone: read("phone"),
            address: read("address"),
            preferred_name: read("preferred_name"),
        }
    }

    fn named(&self) -> impl Iterator<Item = (&'static str, &FieldChange)> {
        [
            ("phone", &self.phone),
            ("address", &self.address),
            ("preferred_name", &self.preferred_name),
        ]
        .into_iter()
    }
}

/// A form's answers, by field id.
pub type FormAnswers = BTreeMap<String, FormAnswer>;

/// The mutation's `answers`: each field's answer as the feed carries it.
pub fn answers_json(answers: &FormAnswers) -> Value {
    Value::Object(
        answers
            .iter()
            .map(|(field, answer)| {
                let value = match answer {
                    FormAnswer::Checked(checked) => Value::Bool(*checked),
                    FormAnswer::Text(text) => Value::String(text.clone()),
                    FormAnswer::Choices(choices) => {
                        Value::Array(choices.iter().cloned().map(Value::String).collect())
                    }
                    FormAnswer::Empty => Value::Null,
                };
                (field.clone(), value)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_change_reads_back_from_its_fields() {
        let change = ContactChange {
            phone: FieldChange::Set("555-0100".to_owned()),
            address: FieldChange::Clear,
            preferred_name: FieldChange::Keep,
        };
        assert_eq!(ContactChange::from_fields(&change.fields()), change);
        assert_eq!(
            ContactChange::from_fields(&Map::new()),
            ContactChange::default()
        );
    }

    #[test]
    fn a_contact_change_names_only_the_fields_it_changes() {
        let change = ContactChange {
            phone: FieldChange::set(" 555 0100 "),
            address: FieldChange::set("   "),
            ..ContactChange::default()
        };
        assert!(!change.is_empty());
        assert!(ContactChange::default().is_empty());
        let fields = change.fields();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields["phone"], "555 0100");
        assert_eq!(fields["address"], Value::Null);
        let long = ContactChange {
            preferred_name: FieldChange::Set("x".repeat(501)),
            ..ContactChange::default()
        };
        assert_eq!(long.too_long(), ["preferred_name"]);
    }

    #[test]
    fn answers_read_back_as_the_same_answers() {
        let answers: FormAnswers = [
            ("allergies".to_owned(), FormAnswer::Text("None".into())),
            ("consent".to_owned(), FormAnswer::Checked(true)),
            (
                "symptoms".to_owned(),
                FormAnswer::Choices(vec!["cough".into(), "fever".into()]),
            ),
            ("notes".to_owned(), FormAnswer::Empty),
        ]
        .into_iter()
        .collect();
        let json = answers_json(&answers);
        let back: FormAnswers = serde_json::from_value(json).unwrap();
        assert_eq!(back, answers);
    }
}
