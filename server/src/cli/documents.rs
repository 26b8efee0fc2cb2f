//! Documents (files) shared with a patient.

use super::client::{AdminApi, naming};
use super::output::{Output, text};
use portal_server::error::ServerError;
use serde_json::json;
use std::path::{Path, PathBuf};

/// What kind of document it is for the patient.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Category {
    Shared,
    Superbill,
    Invoice,
    FormPdf,
}

impl Category {
    fn wire(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::Superbill => "superbill",
            Self::Invoice => "invoice",
            Self::FormPdf => "form_pdf",
        }
    }
}

/// `admin document …`
#[derive(clap::Subcommand)]
pub enum DocumentCommand {
    /// Upload a file to a patient's documents.
    Upload {
        /// The file to share.
        file: PathBuf,
        /// The patient id (pat_…).
        #[arg(long)]
        patient: String,
        /// The title the patient sees [default: the file's name].
        #[arg(long)]
        title: Option<String>,
        /// Where the patient finds it.
        #[arg(long, value_enum, default_value = "shared")]
        category: Category,
        /// The file's media type [default: from its extension].
        #[arg(long)]
        content_type: Option<String>,
    },
    /// Remove a document shared by mistake.
    Delete {
        /// The document id (doc_…).
        document: String,
    },
}

/// Runs `admin document …`.
pub async fn document(
    api: &AdminApi,
    out: Output,
    command: DocumentCommand,
) -> Result<(), ServerError> {
    match command {
        DocumentCommand::Upload {
            file,
            patient,
            title,
            category,
            content_type,
        } => {
            let bytes = tokio::fs::read(&file).await.map_err(|e| {
                ServerError::Command(format!("cannot read {}: {e}", file.display()))
            })?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "document".to_owned());
            let title = title.unwrap_or_else(|| name.clone());
            let content_type = content_type.unwrap_or_else(|| guess_type(&file).to_owned());
            let size = bytes.len();
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(name)
                .mime_str(&content_type)
                .map_err(|_| {
                    ServerError::Command(format!(
                        "'{content_type}' is not a media type; write it as application/pdf"
                    ))
                })?;
            let form = reqwest::multipart::Form::new()
                .text("patient_id", patient.clone())
                .text("title", title.clone())
                .text("category", category.wire())
                .part("file", part);
            let answer = api.post_form(&["documents"], form).await?;
            out.show(&answer, || {
                vec![format!(
                    "Shared \"{title}\" ({size} bytes, {content_type}) with {patient}: {}",
                    text(&answer, "document_id")
                )]
            });
        }
        DocumentCommand::Delete { document } => {
            api.delete(&["documents", &document])
                .await
                .map_err(naming(&document))?;
            let answer = json!({"document_id": document, "deleted": true});
            out.show(&answer, || vec![format!("Deleted document {document}.")]);
        }
    }
    Ok(())
}

/// The media type of the files a practice shares, by extension.
fn guess_type(file: &Path) -> &'static str {
    let extension = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "heic" => "image/heic",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}
