//! Forms: the intake forms the practice asked for, each filled in field by field, saved
//! as a draft (kept on this computer, offline too, and across restarts) and submitted;
//! a refused submission shows the practice's words at the fields it named, with the
//! answers as they were typed.

use super::appointments::delivery_word;
use super::when::date_time;
use super::{Route, show};
use crate::bridge;
use crate::i18n::{tr, tr_args};
use crate::live::use_view;
use crate::screens::NoticeBox;
use dioxus::prelude::*;
use portal_model::desktop::{FormView, Notice, PAGE_SIZE, View, ViewData};
use portal_model::records::{FieldType, FormAnswer, FormField, ResponseStatus};
use portal_model::views::FormItem;

#[component]
pub fn Forms() -> Element {
    let mut limit = use_signal(|| PAGE_SIZE);
    let list = use_view(use_memo(move || View::Forms { limit: limit() }));
    let loaded = list.read();
    rsx! {
        section { class: "card", id: "forms",
            h2 { {tr("forms-title")} }
            {show(&loaded, "forms", |data| {
                let ViewData::Forms(page) = data else { return None };
                Some(rsx! {
                    if page.items.is_empty() {
                        p { class: "empty", id: "forms-empty", {tr("forms-none")} }
                    }
                    ul { class: "list", id: "form-list", "data-ready": "true",
                        for item in page.items.iter() {
                            FormRow { key: "{item.form.id}", item: item.clone() }
                        }
                    }
                    if page.next.is_some() {
                        button { class: "link", id: "forms-more", onclick: move |_| limit += PAGE_SIZE, {tr("show-more")} }
                    }
                })
            })}
        }
    }
}

fn response_word(item_status: Option<&ResponseStatus>) -> &'static str {
    match item_status {
        None => "new",
        Some(ResponseStatus::Submitted) => "submitted",
        Some(_) => "draft",
    }
}

#[component]
fn FormRow(item: FormItem) -> Element {
    let state = response_word(item.response.as_ref().map(|r| &r.status));
    rsx! {
        li { class: "row", "data-form": "{item.form.title}",
            Link { to: Route::FormPage { id: item.form.id.clone() },
                span { class: "row-title", "{item.form.title}" }
                span { class: "row-meta", "data-state": state,
                    {tr_args("form-state", &[("state", state.into())])}
                    if let Some(due) = item.form.due_at { " · " {tr_args("form-due", &[("due", date_time(due).into())])} }
                }
            }
        }
    }
}

#[component]
pub fn FormPage(id: String) -> Element {
    let view = use_view(use_memo(use_reactive!(|id| View::Form { id })));
    let loaded = view.read();
    rsx! {
        section { class: "card", id: "form",
            Link { class: "link back", to: Route::Forms {}, "← " {tr("back")} }
            {show(&loaded, "form", |data| {
                let ViewData::Form(view) = data else { return None };
                Some(rsx! { FormBody { view: view.clone() } })
            })}
        }
    }
}

#[component]
fn FormBody(view: FormView) -> Element {
    // What the patient typed: from a refused submission, else the saved answers. Kept
    // here while the page is open; the view's later changes do not overwrite it.
    let initial = view
        .refused
        .as_ref()
        .map(|r| r.answers.clone())
        .or_else(|| view.response.as_ref().map(|r| r.answers.clone()))
        .unwrap_or_default();
    let mut answers = use_signal(|| initial);
    let mut failure = use_signal(|| None::<Notice>);
    let mut saved = use_signal(|| false);
    let Some(form) = view.form.clone() else {
        return rsx! { p { class: "empty", id: "form-gone", {tr("form-gone")} } };
    };
    let submitted = view
        .response
        .as_ref()
        .is_some_and(|r| r.status == ResponseStatus::Submitted)
        && view.refused.is_none();
    let flagged: Vec<String> = view
        .refused
        .as_ref()
        .map(|r| r.fields.clone())
        .unwrap_or_default();
    let form_id = form.id.clone();
    let save = move |submit: bool| {
        let form_id = form_id.clone();
        spawn(async move {
            let result = bridge::save_form(form_id, answers(), submit).await;
            saved.set(result.is_ok() && !submit);
            failure.set(result.err());
        });
    };
    let save_draft = save.clone();
    rsx! {
        h2 { id: "form-title", "data-ready": "true", "{form.title}" }
        if submitted && view.pending.is_none() {
            p { class: "pending", id: "form-submitted", role: "status",
                {tr("form-submitted")}
            }
        }
        if let Some(state) = view.pending {
            p { class: "pending", id: "form-pending", role: "status",
                {tr_args("form-pending", &[("state", delivery_word(state).into())])}
            }
        }
        if let Some(refused) = &view.refused {
            div { class: "notice refused", role: "alert", "data-code": "{refused.reason.code}",
                strong { "{refused.reason.title}" }
                p { "{refused.reason.detail}" }
            }
        }
        if let Some(notice) = failure() {
            NoticeBox { notice }
        }
        form { class: "intake", id: "intake",
            onsubmit: move |event: FormEvent| {
                event.prevent_default();
                save(true);
            },
            for field in form.fields.iter().cloned() {
                Field {
                    key: "{field.id}",
                    flagged: flagged.contains(&field.id),
                    disabled: submitted,
                    answer: answers.read().get(&field.id).cloned().unwrap_or(FormAnswer::Empty),
                    on_answer: {
                        let id = field.id.clone();
                        move |answer: FormAnswer| {
                            saved.set(false);
                            answers.write().insert(id.clone(), answer);
                        }
                    },
                    field,
                }
            }
            if !submitted {
                div { class: "actions",
                    button { r#type: "button", id: "form-save", onclick: move |_| save_draft(false), {tr("form-save")} }
                    button { r#type: "submit", id: "form-submit", class: "primary", {tr("form-submit")} }
                }
                if saved() {
                    p { class: "muted", id: "form-saved", role: "status", {tr("form-saved")} }
                }
            }
        }
    }
}

/// One field, drawn for its type; a field the practice's portal named says so.
#[component]
fn Field(
    field: FormField,
    answer: FormAnswer,
    flagged: bool,
    disabled: bool,
    on_answer: EventHandler<FormAnswer>,
) -> Element {
    let input_id = format!("field-{}", field.id);
    let text = match &answer {
        FormAnswer::Text(text) => text.clone(),
        _ => String::new(),
    };
    let label = if field.required {
        format!("{} *", field.label)
    } else {
        field.label.clone()
    };
    let control = match field.kind {
        FieldType::Textarea => rsx! {
            textarea { id: "{input_id}", disabled, value: "{text}", aria_invalid: flagged,
                oninput: move |e| on_answer.call(FormAnswer::Text(e.value())) }
        },
        FieldType::Date => rsx! {
            input { id: "{input_id}", r#type: "date", disabled, value: "{text}", aria_invalid: flagged,
                oninput: move |e| on_answer.call(FormAnswer::Text(e.value())) }
        },
        FieldType::Checkbox => rsx! {
            input { id: "{input_id}", r#type: "checkbox", class: "check", disabled,
                checked: answer == FormAnswer::Checked(true), aria_invalid: flagged,
                onchange: move |e| on_answer.call(FormAnswer::Checked(e.checked())) }
        },
        FieldType::Choice => rsx! {
            select { id: "{input_id}", disabled, aria_invalid: flagged,
                onchange: move |e| on_answer.call(FormAnswer::Text(e.value())),
                option { value: "", selected: text.is_empty(), {tr("form-choose")} }
                for choice in field.options.iter() {
                    option { key: "{choice}", value: "{choice}", selected: *choice == text, "{choice}" }
                }
            }
        },
        FieldType::MultiChoice => {
            let chosen = match &answer {
                FormAnswer::Choices(list) => list.clone(),
                _ => Vec::new(),
            };
            rsx! {
                div { id: "{input_id}", role: "group", class: "choices",
                    for choice in field.options.iter().cloned() {
                        label { key: "{choice}", class: "choice",
                            input { r#type: "checkbox", disabled, checked: chosen.contains(&choice),
                                onchange: {
                                    let (chosen, choice) = (chosen.clone(), choice.clone());
                                    move |e: FormEvent| {
                                        let mut next: Vec<String> = chosen.iter().filter(|c| **c != choice).cloned().collect();
                                        if e.checked() { next.push(choice.clone()); }
                                        on_answer.call(FormAnswer::Choices(next));
                                    }
                                },
                            }
                            " {choice}"
                        }
                    }
                }
            }
        }
        // Text, a signature (the typed name), and kinds this version does not know.
        _ => rsx! {
            input { id: "{input_id}", disabled, value: "{text}", aria_invalid: flagged,
                oninput: move |e| on_answer.call(FormAnswer::Text(e.value())) }
        },
    };
    rsx! {
        div { class: if flagged { "field flagged" } else { "field" }, "data-field": "{field.id}",
            label { r#for: "{input_id}", "{label}" }
            if field.kind == FieldType::Signature {
                p { class: "hint", {tr("form-signature-hint")} }
            }
            {control}
            if flagged {
                p { class: "field-error", role: "alert", {tr("form-field-flagged")} }
            }
        }
    }
}
