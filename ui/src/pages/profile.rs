//! The patient's contact details: read from the offline copy, changed through the
//! outbox (offline too); a change that met the practice's own change shows both
//! versions, and the patient chooses which to keep. Nothing typed is lost.

use super::appointments::{RefusedChange, delivery_word};
use super::show;
use crate::bridge;
use crate::i18n::{tr, tr_args};
use crate::live::use_view;
use crate::screens::NoticeBox;
use dioxus::prelude::*;
use portal_model::desktop::{ContactConflict, Notice, ProfileView, View, ViewData};
use portal_model::writes::{ContactChange, FieldChange};

#[component]
pub fn Profile() -> Element {
    let view = use_view(use_memo(|| View::Profile));
    let loaded = view.read();
    rsx! {
        section { class: "card", id: "profile",
            h2 { {tr("profile-title")} }
            {show(&loaded, "profile", |data| {
                let ViewData::Profile(view) = data else { return None };
                Some(rsx! { ProfileBody { view: view.clone() } })
            })}
        }
    }
}

/// What a field holds now, for an input.
fn shown(value: Option<&String>) -> String {
    value.cloned().unwrap_or_default()
}

/// The change from `before` to `now` for one field.
fn change(before: &str, now: &str) -> FieldChange {
    if before.trim() == now.trim() {
        FieldChange::Keep
    } else {
        FieldChange::set(now)
    }
}

#[component]
fn ProfileBody(view: ProfileView) -> Element {
    let before = view.profile.as_ref().map_or_else(Default::default, |p| {
        (
            shown(p.phone.as_ref()),
            shown(p.address.as_ref()),
            shown(p.preferred_name.as_ref()),
        )
    });
    let mut phone = use_signal(|| before.0.clone());
    let mut address = use_signal(|| before.1.clone());
    let mut preferred = use_signal(|| before.2.clone());
    let mut failure = use_signal(|| None::<Notice>);
    let Some(profile) = view.profile.clone() else {
        return rsx! { p { class: "empty", id: "profile-gone", {tr("profile-gone")} } };
    };
    let edit = ContactChange {
        phone: change(&before.0, &phone()),
        address: change(&before.1, &address()),
        preferred_name: change(&before.2, &preferred()),
    };
    let ready = !edit.is_empty() && view.pending.is_none();
    let onsubmit = move |event: FormEvent| {
        event.prevent_default();
        let edit = edit.clone();
        spawn(async move {
            failure.set(bridge::update_contact(edit).await.err());
        });
    };
    rsx! {
        dl { class: "facts",
            dt { {tr("profile-name")} }
            dd { id: "profile-name", "{profile.first_name} {profile.last_name}" }
            if let Some(born) = profile.date_of_birth {
                dt { {tr("profile-born")} }
                dd { "{born}" }
            }
            dt { {tr("profile-email")} }
            dd { id: "profile-email", {profile.email.clone().unwrap_or_default()} }
        }
        p { class: "hint", {tr("profile-email-hint")} }
        if let Some(state) = view.pending {
            p { class: "pending", id: "profile-pending", role: "status",
                {tr_args("appointment-pending", &[("state", delivery_word(state).into())])}
            }
        }
        for conflict in view.conflicts.iter().cloned() {
            Conflict { key: "{conflict.write_id}", conflict }
        }
        for refused in view.refused.iter().cloned() {
            RefusedChange { key: "{refused.write_id}", refused }
        }
        if let Some(notice) = failure() {
            NoticeBox { notice }
        }
        form { class: "contact", id: "contact-form", onsubmit,
            label { r#for: "contact-phone", {tr("profile-phone")} }
            input { id: "contact-phone", r#type: "tel", value: "{phone}", oninput: move |e| phone.set(e.value()) }
            label { r#for: "contact-address", {tr("profile-address")} }
            textarea { id: "contact-address", value: "{address}", oninput: move |e| address.set(e.value()) }
            label { r#for: "contact-preferred", {tr("profile-preferred")} }
            input { id: "contact-preferred", value: "{preferred}", oninput: move |e| preferred.set(e.value()) }
            button { r#type: "submit", id: "contact-save", class: "primary", disabled: !ready, {tr("profile-save")} }
        }
    }
}

/// Both versions of each field, and the choice between them.
#[component]
fn Conflict(conflict: ContactConflict) -> Element {
    let mine_id = conflict.write_id.clone();
    let theirs_id = conflict.write_id.clone();
    let empty = tr("profile-empty");
    rsx! {
        div { class: "notice conflict", role: "alert", id: "contact-conflict",
            strong { {tr("conflict-title")} }
            p { {tr("conflict-detail")} }
            table { class: "lines",
                thead { tr {
                    th { scope: "col", {tr("conflict-field")} }
                    th { scope: "col", {tr("conflict-mine")} }
                    th { scope: "col", {tr("conflict-theirs")} }
                } }
                tbody {
                    for field in conflict.fields.iter() {
                        tr { key: "{field.name}", "data-field": "{field.name}",
                            th { scope: "row", {tr_args("contact-field", &[("field", field.name.clone().into())])} }
                            td { class: "mine", {field.mine.clone().unwrap_or_else(|| empty.clone())} }
                            td { class: "theirs", {field.theirs.clone().unwrap_or_else(|| empty.clone())} }
                        }
                    }
                }
            }
            div { class: "actions",
                button { id: "keep-mine",
                    onclick: move |_| { let id = mine_id.clone(); spawn(async move { let _ = bridge::keep_my_contact(id).await; }); },
                    {tr("conflict-keep-mine")}
                }
                button { id: "keep-theirs",
                    onclick: move |_| { let id = theirs_id.clone(); spawn(async move { let _ = bridge::discard_write(id).await; }); },
                    {tr("conflict-keep-theirs")}
                }
            }
        }
    }
}
