//! Intake forms: templates, and assigning them to patients.

use super::client::{AdminApi, naming};
use super::input;
use super::output::{Output, local, text};
use chrono::{DateTime, Utc};
use portal_server::error::ServerError;
use serde_json::{Value, json};
use std::path::PathBuf;

/// `admin form …`
#[derive(clap::Subcommand)]
pub enum FormCommand {
    /// Create a form template from --field lines or a JSON file.
    #[command(
        after_help = "Field types: text, textarea, date, choice, multi_choice, checkbox, \
        signature.\nExample: --field 'allergies:textarea:Any allergies?' \
        --field 'consent*:checkbox:I agree to the practice policies' \
        --field 'reason*:choice:Reason for the visit=Check-up|Illness|Other'"
    )]
    Add {
        /// The title patients see, such as "New patient intake".
        #[arg(long, required_unless_present = "from_file")]
        title: Option<String>,
        /// A field, ID:TYPE:LABEL ('ID*' = required; 'LABEL=A|B' = a choice's options).
        #[arg(long = "field", value_parser = input::form_field)]
        fields: Vec<Value>,
        /// A JSON file with {"title", "fields": [{"id","label","type","required","options"}]}.
        #[arg(long, conflicts_with = "fields")]
        from_file: Option<PathBuf>,
    },
    /// Give a form to a patient to fill in.
    Assign {
        /// The form template id (ftp_…).
        form: String,
        /// The patient id (pat_…).
        #[arg(long)]
        patient: String,
        /// When it should be done: 2026-07-31 or a time.
        #[arg(long, value_parser = input::due)]
        due: Option<DateTime<Utc>>,
    },
}

/// Runs `admin form …`.
pub async fn form(api: &AdminApi, out: Output, command: FormCommand) -> Result<(), ServerError> {
    match command {
        FormCommand::Add {
            title,
            fields,
            from_file,
        } => {
            let body = template(title, fields, from_file).await?;
            let answer = api.post(&["forms"], &body).await?;
            let form_id = text(&answer, "form_id");
            out.show(&answer, || {
                vec![
                    format!("Added form \"{}\": {form_id}", text(&body, "title")),
                    format!(
                        "Assign it with: portal-server admin form assign {form_id} --patient PATIENT_ID"
                    ),
                ]
            });
        }
        FormCommand::Assign { form, patient, due } => {
            let answer = api
                .post(
                    &["forms", &form, "assign"],
                    &json!({"patient_id": patient, "due_at": due}),
                )
                .await
                .map_err(naming(&form))?;
            out.show(&answer, || {
                let due = due
                    .map(|d| format!(", due {}", local(d)))
                    .unwrap_or_default();
                vec![format!("Assigned form {form} to {patient}{due}.")]
            });
        }
    }
    Ok(())
}

/// The template's request body, from the flags or the file (a --title overrides the
/// file's).
async fn template(
    title: Option<String>,
    fields: Vec<Value>,
    from_file: Option<PathBuf>,
) -> Result<Value, ServerError> {
    let Some(path) = from_file else {
        if fields.is_empty() {
            return Err(ServerError::Command(
                "a form needs fields: give --field ID:TYPE:LABEL (one per field) or --from-file FILE."
                    .to_owned(),
            ));
        }
        return Ok(json!({"title": title, "fields": fields}));
    };
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| ServerError::Command(format!("cannot read {}: {e}", path.display())))?;
    let mut body: Value = serde_json::from_str(&text)
        .map_err(|e| ServerError::Command(format!("{} is not valid JSON: {e}", path.display())))?;
    if !body.is_object() {
        return Err(ServerError::Command(format!(
            "{} must hold an object with \"title\" and \"fields\".",
            path.display()
        )));
    }
    if let Some(title) = title {
        body["title"] = json!(title);
    }
    Ok(body)
}
