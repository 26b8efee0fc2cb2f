//! Search across messages, conversations and documents, on this computer (offline
//! too).

use super::Route;
use crate::bridge;
use crate::i18n::{tr, tr_args};
use crate::screens::NoticeBox;
use dioxus::prelude::*;
use portal_model::records::RecordKind;
use portal_model::views::SearchHit;

#[component]
pub fn Search() -> Element {
    let mut query = use_signal(String::new);
    let mut hits = use_signal(|| None::<Result<Vec<SearchHit>, portal_model::desktop::Notice>>);
    let onsubmit = move |event: FormEvent| {
        event.prevent_default();
        let typed = query().trim().to_owned();
        if typed.is_empty() {
            return;
        }
        spawn(async move {
            hits.set(Some(bridge::search(typed).await));
        });
    };
    rsx! {
        section { class: "card", id: "search",
            h2 { {tr("search-title")} }
            form { class: "search-form", role: "search", onsubmit,
                label { r#for: "search-query", {tr("search-label")} }
                input { id: "search-query", r#type: "search", value: "{query}", oninput: move |e| query.set(e.value()) }
                button { r#type: "submit", id: "search-go", class: "primary", {tr("search-go")} }
            }
            p { class: "hint", {tr("search-hint")} }
            match hits() {
                None => rsx! {},
                Some(Err(notice)) => rsx! { NoticeBox { notice } },
                Some(Ok(found)) if found.is_empty() => rsx! {
                    p { class: "empty", id: "search-none", {tr_args("search-none", &[("query", query().into())])} }
                },
                Some(Ok(found)) => rsx! {
                    ul { class: "list", id: "search-results", "data-ready": "true",
                        for hit in found {
                            Hit { key: "{hit.kind.as_str()}-{hit.id}", hit }
                        }
                    }
                },
            }
        }
    }
}

#[component]
fn Hit(hit: SearchHit) -> Element {
    let to = match (&hit.kind, &hit.thread_id) {
        (RecordKind::Message | RecordKind::Thread, Some(thread)) => {
            Route::Conversation { id: thread.clone() }
        }
        _ => Route::Documents {},
    };
    rsx! {
        li { class: "row hit", "data-kind": "{hit.kind.as_str()}",
            Link { to,
                span { class: "row-title", "{hit.title}" }
                span { class: "row-meta", {tr_args("search-kind", &[("kind", hit.kind.as_str().into())])} }
                span { class: "row-meta snippet", "{hit.snippet}" }
            }
        }
    }
}
