//! Messages: conversations with the care team, one conversation with where each of
//! the patient's messages is on its way (kept, sending, sent, refused: retry or
//! discard), writing online or offline, and a new conversation to a chosen provider.

use super::appointments::{RefusedChange, delivery_word};
use super::documents::{DocumentActions, read_picked};
use super::when::date_time;
use super::{Route, show};
use crate::bridge;
use crate::i18n::{tr, tr_args};
use crate::live::use_view;
use crate::screens::NoticeBox;
use dioxus::prelude::*;
use portal_model::desktop::{
    MessageRow, MessageTo, Notice, PAGE_SIZE, PickedFile, ThreadView, View, ViewData,
};
use portal_model::views::ThreadItem;

#[component]
pub fn Messages() -> Element {
    let mut limit = use_signal(|| PAGE_SIZE);
    let list = use_view(use_memo(move || View::Threads { limit: limit() }));
    let loaded = list.read();
    rsx! {
        section { class: "card", id: "messages",
            div { class: "title-row",
                h2 { {tr("messages-title")} }
                Link { class: "button primary", id: "new-message", to: Route::NewMessage {}, {tr("messages-new")} }
            }
            {show(&loaded, "threads", |data| {
                let ViewData::Threads(page) = data else { return None };
                Some(rsx! {
                    if page.items.is_empty() {
                        p { class: "empty", id: "threads-empty", {tr("messages-none")} }
                    }
                    ul { class: "list", id: "thread-list", "data-ready": "true",
                        for item in page.items.iter() {
                            ThreadRow { key: "{item.thread.id}", item: item.clone() }
                        }
                    }
                    if page.next.is_some() {
                        button { class: "link", id: "threads-more", onclick: move |_| limit += PAGE_SIZE, {tr("show-more")} }
                    }
                })
            })}
        }
    }
}

#[component]
fn ThreadRow(item: ThreadItem) -> Element {
    let unread = item.thread.unread_count;
    let preview = item
        .last_message
        .as_ref()
        .map(|m| m.body.chars().take(120).collect::<String>())
        .unwrap_or_default();
    rsx! {
        li { class: if unread > 0 { "row unread" } else { "row" }, "data-thread": "{item.thread.subject}",
            Link { to: Route::Conversation { id: item.thread.id.clone() },
                span { class: "row-title", "{item.thread.subject}" }
                if unread > 0 {
                    span { class: "badge", aria_label: tr_args("unread-badge", &[("count", unread.into())]), "{unread}" }
                }
                span { class: "row-meta", "{preview}" }
                if let Some(at) = item.thread.last_message_at {
                    span { class: "row-meta", "{date_time(at)}" }
                }
            }
        }
    }
}

#[component]
pub fn Conversation(id: String) -> Element {
    let view = use_view(use_memo(use_reactive!(|id| View::Thread { id })));
    let loaded = view.read();
    rsx! {
        section { class: "card", id: "conversation",
            Link { class: "link back", to: Route::Messages {}, "← " {tr("back")} }
            {show(&loaded, "conversation", |data| {
                let ViewData::Thread(view) = data else { return None };
                Some(rsx! { ConversationBody { id: id.clone(), view: view.clone() } })
            })}
        }
    }
}

#[component]
fn ConversationBody(id: String, view: ThreadView) -> Element {
    // Reading the conversation marks it read, once per newest message.
    let newest_unread = view
        .messages
        .iter()
        .rev()
        .find(|row| row.message.is_unread())
        .map(|row| row.message.id.clone());
    let thread_for_read = id.clone();
    use_effect(use_reactive!(|newest_unread| {
        if let Some(up_to) = newest_unread {
            let thread = thread_for_read.clone();
            spawn(async move {
                // Not marked now is marked the next time the conversation opens.
                let _ = bridge::mark_read(thread, up_to).await;
            });
        }
    }));
    let Some(thread) = view.thread.clone() else {
        return rsx! { p { class: "empty", id: "conversation-gone", {tr("conversation-gone")} } };
    };
    rsx! {
        h2 { id: "conversation-subject", "{thread.subject}" }
        if view.more {
            p { class: "muted", {tr("conversation-older")} }
        }
        ol { class: "messages", id: "message-list", "data-ready": "true",
            for row in view.messages.iter() {
                MessageBubble { key: "{row.message.id}", row: row.clone() }
            }
        }
        for refused in view.refused.iter().cloned() {
            RefusedChange { key: "{refused.write_id}", refused }
        }
        Compose { to: MessageTo::Thread { thread_id: id } }
    }
}

#[component]
fn MessageBubble(row: MessageRow) -> Element {
    let mine = row.from.is_none();
    let from = row.from.clone().unwrap_or_else(|| tr("message-you"));
    rsx! {
        li { class: if mine { "message mine" } else { "message theirs" },
            "data-message": "{row.message.id}",
            p { class: "message-meta", "{from} · {date_time(row.message.sent_at)}" }
            p { class: "message-body", "{row.message.body}" }
            for item in row.attachments.iter() {
                div { class: "attachment", key: "{item.document.id}", "data-attachment": "{item.document.title}",
                    span { class: "row-title", "📎 {item.document.title}" }
                    DocumentActions { id: item.document.id.clone(), status: item.offline }
                }
            }
            if let Some(state) = row.delivery {
                p { class: "delivery", role: "status", "data-delivery": delivery_word(state),
                    {tr_args("message-delivery", &[("state", delivery_word(state).into())])}
                }
            }
        }
    }
}

/// Writing: the text is kept by the core at once (offline too), then sent.
#[component]
fn Compose(to: MessageTo) -> Element {
    let mut body = use_signal(String::new);
    let mut files = use_signal(Vec::<PickedFile>::new);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<Notice>);
    let on_files = move |event: FormEvent| {
        let picked = event.files();
        spawn(async move {
            match read_picked(picked).await {
                Ok(read) => files.set(read),
                Err(notice) => failure.set(Some(notice)),
            }
        });
    };
    let navigator = use_navigator();
    let new_thread = matches!(to, MessageTo::NewThread { .. });
    let ready = !body().trim().is_empty() && !busy();
    let onsubmit = move |event: FormEvent| {
        event.prevent_default();
        if !ready {
            return;
        }
        busy.set(true);
        let to = to.clone();
        spawn(async move {
            let answer = bridge::send_message(to, body(), files()).await;
            busy.set(false);
            match answer {
                Ok(sent) => {
                    body.set(String::new());
                    files.set(Vec::new());
                    failure.set(None);
                    if new_thread {
                        navigator.replace(Route::Conversation { id: sent.thread_id });
                    }
                }
                Err(notice) => failure.set(Some(notice)),
            }
        });
    };
    rsx! {
        form { class: "compose", id: "compose", onsubmit,
            if let Some(notice) = failure() {
                NoticeBox { notice }
            }
            label { r#for: "compose-body", {tr("compose-label")} }
            textarea {
                id: "compose-body",
                placeholder: tr("compose-placeholder"),
                value: "{body}",
                oninput: move |e| body.set(e.value()),
            }
            label { r#for: "compose-files", {tr("compose-attach")} }
            input { id: "compose-files", r#type: "file", multiple: true,
                accept: "application/pdf,image/png,image/jpeg", onchange: on_files }
            for file in files.read().iter() {
                p { class: "muted picked", key: "{file.name}", "📎 {file.name}" }
            }
            button { r#type: "submit", id: "compose-send", class: "primary", disabled: !ready,
                if busy() { {tr("compose-sending")} } else { {tr("compose-send")} }
            }
        }
    }
}

/// A new conversation: whom to, a subject, and the first message.
#[component]
pub fn NewMessage() -> Element {
    let team = use_view(use_memo(|| View::CareTeam));
    let mut provider = use_signal(String::new);
    let mut subject = use_signal(String::new);
    let loaded = team.read();
    rsx! {
        section { class: "card", id: "new-conversation",
            Link { class: "link back", to: Route::Messages {}, "← " {tr("back")} }
            h2 { {tr("messages-new")} }
            {show(&loaded, "care-team", |data| {
                let ViewData::CareTeam(team) = data else { return None };
                if team.is_empty() {
                    return Some(rsx! { p { class: "empty", id: "no-care-team", {tr("compose-no-team")} } });
                }
                Some(rsx! {
                    label { r#for: "compose-to", {tr("compose-to")} }
                    select { id: "compose-to", "data-ready": "true",
                        onchange: move |e| provider.set(e.value()),
                        option { value: "", {tr("compose-choose")} }
                        for member in team.iter() {
                            option { key: "{member.id}", value: "{member.id}",
                                "{member.name}"
                                if let Some(title) = &member.title { " ({title})" }
                            }
                        }
                    }
                    label { r#for: "compose-subject", {tr("compose-subject")} }
                    input { id: "compose-subject", value: "{subject}", oninput: move |e| subject.set(e.value()) }
                    if !provider().is_empty() && !subject().trim().is_empty() {
                        Compose { to: MessageTo::NewThread { provider_id: provider(), subject: subject().trim().to_owned() } }
                    }
                })
            })}
        }
    }
}
