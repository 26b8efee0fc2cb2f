//! `form` (an intake form given to the patient) and `form_response` (the patient's
//! answers: a draft, then submitted).

use super::open_enum::open_enum;
use super::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

open_enum! {
    /// The kinds of field a form can have.
    pub enum FieldType {
        Text = "text",
        Textarea = "textarea",
        /// `YYYY-MM-DD`.
        Date = "date",
        /// One of `options`.
        Choice = "choice",
        /// Any of `options`.
        MultiChoice = "multi_choice",
        Checkbox = "checkbox",
        /// The typed name.
        Signature = "signature",
    }
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FormField {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    /// The choices of `choice` and `multi_choice` fields.
    #[serde(default)]
    pub options: Vec<String>,
}

/// A form the patient is asked to fill in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Form {
    pub id: String,
    pub profile_id: String,
    /// Set by the feed.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    /// The practice's template this form was made from.
    #[serde(default)]
    pub template_id: Option<String>,
    pub title: String,
    pub fields: Vec<FormField>,
    #[serde(default, with = "time::option")]
    pub due_at: Option<DateTime<Utc>>,
}

open_enum! {
    /// Where the patient's answers to a form stand.
    pub enum ResponseStatus {
        Draft = "draft",
        Submitted = "submitted",
    }
}

/// One answer: text (`text`, `textarea`, `date`, `choice`, `signature`), the chosen
/// options (`multi_choice`), a tick (`checkbox`), or nothing yet (`null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(untagged)]
pub enum FormAnswer {
    Checked(bool),
    Text(String),
    Choices(Vec<String>),
    Empty,
}

impl FormAnswer {
    /// Nothing given: no text, no option chosen, or not ticked.
    pub fn is_blank(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(text) => text.trim().is_empty(),
            Self::Choices(choices) => choices.is_empty(),
            Self::Checked(checked) => !checked,
        }
    }
}

/// The patient's answers to a form (one per form, id `rsp_{form id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FormResponse {
    pub id: String,
    pub profile_id: String,
    /// Set by the feed.
    pub rev: i64,
    /// Set by the feed.
    #[serde(with = "time")]
    pub updated_at: DateTime<Utc>,
    pub form_id: String,
    pub status: ResponseStatus,
    /// Field id → answer.
    #[serde(default)]
    pub answers: BTreeMap<String, FormAnswer>,
    #[serde(default, with = "time::option")]
    pub submitted_at: Option<DateTime<Utc>>,
}

impl FormResponse {
    /// The id of the response to a form.
    pub fn id_for(form_id: &str) -> String {
        format!("rsp_{form_id}")
    }
}
