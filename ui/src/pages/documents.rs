//! Documents: what the practice shared and what the patient sent, each with where its
//! bytes are (download with progress, keep for offline use, open in the system's
//! viewer), and sending a file picked from this computer.

use super::show;
use super::when::date_time;
use crate::bridge;
use crate::i18n::{tr, tr_args};
use crate::live::{Downloads, use_view};
use crate::screens::NoticeBox;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, PAGE_SIZE, PickedFile, View, ViewData};
use portal_model::views::{DocumentItem, DocumentStatus};

#[component]
pub fn Documents() -> Element {
    let mut limit = use_signal(|| PAGE_SIZE);
    let list = use_view(use_memo(move || View::Documents { limit: limit() }));
    let loaded = list.read();
    rsx! {
        section { class: "card", id: "documents",
            h2 { {tr("documents-title")} }
            {show(&loaded, "documents", |data| {
                let ViewData::Documents(page) = data else { return None };
                Some(rsx! {
                    if page.items.is_empty() {
                        p { class: "empty", id: "documents-empty", {tr("documents-none")} }
                    }
                    ul { class: "list", id: "document-list", "data-ready": "true",
                        for item in page.items.iter() {
                            DocumentRow { key: "{item.document.id}", item: item.clone() }
                        }
                    }
                    if page.next.is_some() {
                        button { class: "link", id: "documents-more", onclick: move |_| limit += PAGE_SIZE, {tr("show-more")} }
                    }
                })
            })}
            Upload {}
        }
    }
}

/// Download, keep and open, with progress and words for every failure: shared by the
/// documents list and the superbills of the billing page.
#[component]
pub fn DocumentActions(id: String, status: DocumentStatus) -> Element {
    let downloads = use_context::<Downloads>();
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<Notice>);
    let run =
        move |call: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Notice>>>>| {
            spawn(async move {
                busy.set(true);
                failure.set(call.await.err());
                busy.set(false);
            });
        };
    let progress = downloads.read().get(&id).copied();
    let here = matches!(status, DocumentStatus::Available | DocumentStatus::Pinned);
    let (open_id, download_id, pin_id, unpin_id) = (id.clone(), id.clone(), id.clone(), id.clone());
    rsx! {
        div { class: "document-actions",
            span { class: "offline-state", "data-state": state_word(status),
                {tr_args("document-state", &[("state", state_word(status).into())])}
            }
            if let (false, DocumentStatus::Partial { received, total }) = (busy(), status) {
                progress { class: "download", max: "{total}", value: "{received}",
                    aria_label: tr("document-partial"),
                }
                span { class: "muted", "{percent(received, total)} %" }
            }
            if busy() {
                if let Some(progress) = progress.filter(|p| p.total > 0 && p.received < p.total) {
                    progress { class: "download", max: "{progress.total}", value: "{progress.received}",
                        aria_label: tr("document-downloading"),
                    }
                    span { class: "muted", "{percent(progress.received, progress.total)} %" }
                } else {
                    span { class: "muted", role: "status", {tr("document-working")} }
                }
            }
            div { class: "actions",
                button { class: "open-document", disabled: busy(),
                    onclick: move |_| {
                        let id = open_id.clone();
                        run(Box::pin(async move {
                            bridge::download_document(id.clone()).await?;
                            bridge::open_document(id).await
                        }))
                    },
                    {tr("document-open")}
                }
                if !here {
                    button { class: "download-document", disabled: busy(),
                        onclick: move |_| {
                            let id = download_id.clone();
                            run(Box::pin(async move { bridge::download_document(id).await.map(drop) }))
                        },
                        {tr("document-download")}
                    }
                }
                if status == DocumentStatus::Pinned {
                    button { class: "unpin-document", disabled: busy(),
                        onclick: move |_| {
                            let id = unpin_id.clone();
                            run(Box::pin(async move { bridge::unpin_document(id).await }))
                        },
                        {tr("document-unpin")}
                    }
                } else {
                    button { class: "pin-document", disabled: busy(),
                        onclick: move |_| {
                            let id = pin_id.clone();
                            run(Box::pin(async move { bridge::pin_document(id).await.map(drop) }))
                        },
                        {tr("document-pin")}
                    }
                }
            }
            if let Some(notice) = failure() {
                NoticeBox { notice }
            }
        }
    }
}

fn percent(received: u64, total: u64) -> u64 {
    received.saturating_mul(100) / total.max(1)
}

/// The catalogue's word for where a document's bytes are.
fn state_word(status: DocumentStatus) -> &'static str {
    match status {
        DocumentStatus::NotDownloaded => "none",
        DocumentStatus::Partial { .. } => "partial",
        DocumentStatus::Available => "available",
        DocumentStatus::Pinned => "pinned",
    }
}

#[component]
fn DocumentRow(item: DocumentItem) -> Element {
    let document = &item.document;
    rsx! {
        li { class: "row document", "data-document": "{document.title}",
            div { class: "row-body",
                span { class: "row-title", "{document.title}" }
                span { class: "row-meta",
                    {tr_args("document-category", &[("category", document.category.as_str().into())])}
                    " · {date_time(document.created_at)} · {size(document.size)}"
                }
            }
            DocumentActions { id: document.id.clone(), status: item.offline }
        }
    }
}

/// "1.2 MB".
fn size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    if bytes >= 1_000_000.0 {
        format!("{:.1} MB", bytes / 1_000_000.0)
    } else {
        format!("{} kB", (bytes / 1000.0).ceil() as i64)
    }
}

/// The files picked in a file input, read for the IPC (their bytes in base64).
pub async fn read_picked(files: Vec<dioxus::html::FileData>) -> Result<Vec<PickedFile>, Notice> {
    use base64::Engine as _;
    let mut picked = Vec::with_capacity(files.len());
    for file in files {
        let bytes = file.read_bytes().await.map_err(|_| Notice {
            code: "unreadable_file".to_owned(),
            title: tr("upload-unreadable"),
            detail: tr("upload-unreadable-detail"),
        })?;
        picked.push(PickedFile {
            name: file.name(),
            content_type: file
                .content_type()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
        });
    }
    Ok(picked)
}

/// Sending a file: a title, the file picked from this computer, then the outbox.
#[component]
fn Upload() -> Element {
    let mut title = use_signal(String::new);
    let mut picked = use_signal(|| None::<PickedFile>);
    let mut busy = use_signal(|| false);
    let mut outcome = use_signal(|| None::<Result<(), Notice>>);
    let on_file = move |event: FormEvent| {
        let files = event.files();
        spawn(async move {
            match read_picked(files).await {
                Ok(mut read) => picked.set(read.pop()),
                Err(notice) => outcome.set(Some(Err(notice))),
            }
        });
    };
    let ready = picked.read().is_some() && !busy();
    let onsubmit = move |event: FormEvent| {
        event.prevent_default();
        let Some(file) = picked() else { return };
        busy.set(true);
        spawn(async move {
            let sent = bridge::upload_document(title(), file).await;
            busy.set(false);
            if sent.is_ok() {
                title.set(String::new());
                picked.set(None);
            }
            outcome.set(Some(sent));
        });
    };
    rsx! {
        form { class: "upload", id: "upload", onsubmit,
            h3 { {tr("upload-title")} }
            label { r#for: "upload-name", {tr("upload-name")} }
            input { id: "upload-name", value: "{title}", oninput: move |e| title.set(e.value()) }
            label { r#for: "upload-file", {tr("upload-file")} }
            input { id: "upload-file", r#type: "file", accept: "application/pdf,image/png,image/jpeg", onchange: on_file }
            button { r#type: "submit", id: "upload-send", class: "primary", disabled: !ready,
                if busy() { {tr("compose-sending")} } else { {tr("upload-send")} }
            }
            match outcome() {
                Some(Ok(())) => rsx! { p { class: "pending", id: "upload-kept", role: "status", {tr("upload-kept")} } },
                Some(Err(notice)) => rsx! { NoticeBox { notice } },
                None => rsx! {},
            }
        }
    }
}
