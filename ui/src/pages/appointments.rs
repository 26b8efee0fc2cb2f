//! Appointments: upcoming and past, and one appointment with confirm, cancel (with a
//! reason), the video link, and what became of a change the practice refused.

use super::when::{date_time, time};
use super::{Route, show};
use crate::bridge;
use crate::i18n::{tr, tr_args};
use crate::live::use_view;
use crate::screens::NoticeBox;
use dioxus::prelude::*;
use portal_model::desktop::{
    AppointmentView, Delivery, Notice, PAGE_SIZE, Refused, View, ViewData,
};
use portal_model::records::{Appointment, AppointmentKind};
use portal_model::views::When;

#[component]
pub fn Appointments() -> Element {
    let mut when = use_signal(|| When::Upcoming);
    let mut limit = use_signal(|| PAGE_SIZE);
    let list = use_view(use_memo(move || View::Appointments {
        when: when(),
        limit: limit(),
    }));
    let tab = move |which: When, id: &'static str, label: &'static str| {
        rsx! {
            button {
                id: "{id}",
                role: "tab",
                aria_selected: if when() == which { "true" } else { "false" },
                class: if when() == which { "tab active" } else { "tab" },
                onclick: move |_| {
                    when.set(which);
                    limit.set(PAGE_SIZE);
                },
                {tr(label)}
            }
        }
    };
    let loaded = list.read();
    rsx! {
        section { class: "card", id: "appointments",
            h2 { {tr("appointments-title")} }
            div { role: "tablist", class: "tabs",
                {tab(When::Upcoming, "tab-upcoming", "appointments-upcoming")}
                {tab(When::Past, "tab-past", "appointments-past")}
            }
            {show(&loaded, "appointments", |data| {
                let ViewData::Appointments(page) = data else { return None };
                let empty = if when() == When::Upcoming { "appointments-none-upcoming" } else { "appointments-none-past" };
                Some(rsx! {
                    if page.items.is_empty() {
                        p { class: "empty", id: "appointments-empty", {tr(empty)} }
                    }
                    ul { class: "list", id: "appointment-list", "data-ready": "true",
                        for appointment in page.items.iter() {
                            AppointmentRow { key: "{appointment.id}", appointment: appointment.clone() }
                        }
                    }
                    if page.next.is_some() {
                        button { class: "link", id: "appointments-more",
                            onclick: move |_| limit += PAGE_SIZE,
                            {tr("show-more")}
                        }
                    }
                })
            })}
        }
    }
}

#[component]
fn AppointmentRow(appointment: Appointment) -> Element {
    rsx! {
        li { class: "row", "data-appointment": "{appointment.id}",
            Link { to: Route::AppointmentDetail { id: appointment.id.clone() },
                span { class: "row-title", "{date_time(appointment.starts_at)}" }
                span { class: "row-meta",
                    {tr_args("appointment-kind", &[("kind", appointment.kind.as_str().into())])}
                    " · "
                    span { class: "status", "data-status": "{appointment.status.as_str()}",
                        {tr_args("appointment-status", &[("status", appointment.status.as_str().into())])}
                    }
                }
            }
        }
    }
}

#[component]
pub fn AppointmentDetail(id: String) -> Element {
    let view = use_view(use_memo(use_reactive!(|id| View::Appointment { id })));
    let loaded = view.read();
    rsx! {
        section { class: "card", id: "appointment",
            Link { class: "link back", to: Route::Appointments {}, "← " {tr("back")} }
            {show(&loaded, "appointment", |data| {
                let ViewData::Appointment(view) = data else { return None };
                Some(rsx! { AppointmentBody { view: view.clone() } })
            })}
        }
    }
}

#[component]
fn AppointmentBody(view: AppointmentView) -> Element {
    let mut cancelling = use_signal(|| false);
    let mut reason = use_signal(String::new);
    let mut failure = use_signal(|| None::<Notice>);
    let Some(appointment) = view.appointment.clone() else {
        return rsx! { p { class: "empty", id: "appointment-gone", {tr("appointment-gone")} } };
    };
    let provider = view
        .provider
        .as_ref()
        .map_or_else(|| tr("appointment-provider-unknown"), |p| p.name.clone());
    let upcoming = appointment.ends_at > chrono::Utc::now();
    let can_change = upcoming && appointment.status.is_active() && view.pending.is_none();
    // Once the practice said it is too late, asking again would only be refused again.
    let refused_late = view.refused.iter().any(|r| r.reason.code == "too_late");
    let id = appointment.id.clone();
    let run =
        move |call: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Notice>>>>| {
            spawn(async move {
                failure.set(call.await.err());
            });
        };
    rsx! {
        h2 { id: "appointment-title", "data-ready": "true",
            "{date_time(appointment.starts_at)} – {time(appointment.ends_at)}"
        }
        p { {tr_args("appointment-with", &[("name", provider.into())])} }
        p { class: "status", id: "appointment-status", "data-status": "{appointment.status.as_str()}",
            {tr_args("appointment-status", &[("status", appointment.status.as_str().into())])}
        }
        dl {
            dt { {tr("appointment-where")} }
            dd {
                {tr_args("appointment-kind", &[("kind", appointment.kind.as_str().into())])}
                if let Some(location) = &appointment.location { ": {location}" }
            }
        }
        if let Some(state) = view.pending {
            p { class: "pending", id: "appointment-pending", role: "status",
                {tr_args("appointment-pending", &[("state", delivery_word(state).into())])}
            }
        }
        for refused in view.refused.iter().cloned() {
            RefusedChange { key: "{refused.write_id}", refused }
        }
        if let Some(notice) = failure() {
            NoticeBox { notice }
        }
        if can_change {
            div { class: "actions",
                if appointment.kind == AppointmentKind::Telehealth && appointment.telehealth_url.is_some() {
                    button { id: "join-video", class: "primary",
                        onclick: {
                            let id = id.clone();
                            move |_| run(Box::pin(bridge::join_telehealth(id.clone())))
                        },
                        {tr("appointment-join")}
                    }
                }
                if appointment.status.as_str() == "scheduled" {
                    button { id: "confirm-appointment",
                        onclick: {
                            let id = id.clone();
                            move |_| run(Box::pin(bridge::confirm_appointment(id.clone())))
                        },
                        {tr("appointment-confirm")}
                    }
                }
                if !cancelling() && !refused_late {
                    button { id: "cancel-appointment", onclick: move |_| cancelling.set(true), {tr("appointment-cancel")} }
                }
            }
            if cancelling() {
                form { class: "cancel-form", id: "cancel-form",
                    onsubmit: {
                        let id = id.clone();
                        move |event: FormEvent| {
                            event.prevent_default();
                            cancelling.set(false);
                            let why = Some(reason()).filter(|r| !r.trim().is_empty());
                            run(Box::pin(bridge::cancel_appointment(id.clone(), why)));
                        }
                    },
                    p { class: "muted", {tr_args("appointment-late-hint", &[("deadline", date_time(appointment.cancellable_until).into())])} }
                    label { r#for: "cancel-reason", {tr("appointment-cancel-reason")} }
                    textarea { id: "cancel-reason", value: "{reason}", oninput: move |e| reason.set(e.value()) }
                    div { class: "actions",
                        button { r#type: "submit", id: "cancel-send", class: "danger", {tr("appointment-cancel-send")} }
                        button { r#type: "button", id: "cancel-keep", onclick: move |_| cancelling.set(false), {tr("appointment-cancel-keep")} }
                    }
                }
            }
        }
    }
}

/// A change the practice refused: why, and retry or discard it; a cancellation that
/// came too late points to the care team instead.
#[component]
pub fn RefusedChange(refused: Refused) -> Element {
    let retry_id = refused.write_id.clone();
    let discard_id = refused.write_id.clone();
    rsx! {
        div { class: "notice refused", role: "alert", "data-code": "{refused.reason.code}",
            strong { "{refused.what}: {refused.reason.title}" }
            p { "{refused.reason.detail}" }
            div { class: "actions",
                if refused.reason.code == "too_late" {
                    Link { class: "button", id: "message-practice", to: Route::NewMessage {}, {tr("appointment-message-practice")} }
                } else {
                    button { class: "retry",
                        onclick: move |_| { let id = retry_id.clone(); spawn(async move { let _ = bridge::retry_write(id).await; }); },
                        {tr("message-retry")}
                    }
                }
                button { class: "discard",
                    onclick: move |_| { let id = discard_id.clone(); spawn(async move { let _ = bridge::discard_write(id).await; }); },
                    {tr("message-discard")}
                }
            }
        }
    }
}

/// The catalogue's word for where a write is.
pub fn delivery_word(state: Delivery) -> &'static str {
    match state {
        Delivery::Queued => "queued",
        Delivery::Sending => "sending",
        Delivery::Sent => "sent",
    }
}
