//! Registering through a practice's group join link: name, date of birth, email and an
//! optional phone. The practice answers by email (an invitation, or a way to sign in),
//! so the next screen always says "check your email".

use super::{NoticeBox, start_over};
use crate::bridge;
use crate::i18n::{tr, tr_args};
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};
use portal_model::{JoinInfo, JoinRequest};

#[component]
pub fn Join(info: JoinInfo, notice: Option<Notice>, on_screen: EventHandler<Screen>) -> Element {
    let mut first_name = use_signal(String::new);
    let mut last_name = use_signal(String::new);
    let mut day = use_signal(String::new);
    let mut month = use_signal(String::new);
    let mut year = use_signal(String::new);
    let mut email = use_signal(String::new);
    let mut phone = use_signal(String::new);
    let mut busy = use_signal(|| false);
    // Three plain fields, as for any date someone knows by heart (no picker to scroll).
    let birth = match (
        day().trim().parse::<u32>(),
        month().trim().parse::<u32>(),
        year().trim().parse::<i32>(),
    ) {
        (Ok(d), Ok(m), Ok(y)) if (1900..=2100).contains(&y) => {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
        }
        _ => None,
    };
    let birth_typed = !day().is_empty() && !month().is_empty() && year().len() == 4;
    let ready = !busy()
        && !first_name().trim().is_empty()
        && !last_name().trim().is_empty()
        && birth.is_some()
        && email().contains('@');
    let submit = move |event: FormEvent| {
        event.prevent_default();
        let Some(date_of_birth) = birth else {
            return;
        };
        if !ready {
            return;
        }
        busy.set(true);
        spawn(async move {
            let phone = phone().trim().to_owned();
            let details = JoinRequest {
                first_name: first_name().trim().to_owned(),
                last_name: last_name().trim().to_owned(),
                date_of_birth,
                email: email().trim().to_owned(),
                phone: (!phone.is_empty()).then_some(phone),
            };
            let answer = bridge::submit_join(details).await;
            busy.set(false);
            match answer {
                Ok(screen) => on_screen.call(screen),
                Err(notice) => on_screen.call(Screen::Welcome {
                    notice: Some(notice),
                }),
            }
        });
    };
    let practice = info.practice.name.clone();
    let group = info.group.name.clone();
    let intake_forms = info
        .intake_forms
        .iter()
        .map(|f| f.title.clone())
        .collect::<Vec<_>>()
        .join(", ");
    rsx! {
        section { id: "join", class: "card",
            h1 { {tr_args("join-title", &[("practice", practice.as_str().into())])} }
            p { {tr_args("join-intro", &[("practice", practice.as_str().into()), ("group", group.as_str().into())])} }
            if !info.intake_forms.is_empty() {
                p { class: "hint",
                    {tr_args("join-intake", &[("forms", intake_forms.as_str().into())])}
                }
            }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { onsubmit: submit,
                label { r#for: "join-first-name", {tr("join-first-name")} }
                input { id: "join-first-name", autocomplete: "given-name", value: "{first_name}",
                    oninput: move |e| first_name.set(e.value()) }
                label { r#for: "join-last-name", {tr("join-last-name")} }
                input { id: "join-last-name", autocomplete: "family-name", value: "{last_name}",
                    oninput: move |e| last_name.set(e.value()) }
                fieldset { class: "date",
                    legend { {tr("join-dob")} }
                    p { class: "hint", id: "join-dob-hint", {tr("join-dob-hint")} }
                    label { r#for: "join-dob-day", {tr("join-dob-day")} }
                    input { id: "join-dob-day", inputmode: "numeric", autocomplete: "bday-day",
                        aria_describedby: "join-dob-hint", size: "2", value: "{day}",
                        oninput: move |e| day.set(e.value()) }
                    label { r#for: "join-dob-month", {tr("join-dob-month")} }
                    input { id: "join-dob-month", inputmode: "numeric", autocomplete: "bday-month",
                        aria_describedby: "join-dob-hint", size: "2", value: "{month}",
                        oninput: move |e| month.set(e.value()) }
                    label { r#for: "join-dob-year", {tr("join-dob-year")} }
                    input { id: "join-dob-year", inputmode: "numeric", autocomplete: "bday-year",
                        aria_describedby: "join-dob-hint", size: "4", value: "{year}",
                        oninput: move |e| year.set(e.value()) }
                    if birth_typed && birth.is_none() {
                        p { class: "field-error", role: "alert", id: "join-dob-error",
                            {tr("join-dob-error")} }
                    }
                }
                label { r#for: "join-email", {tr("onboarding-email")} }
                input { id: "join-email", r#type: "email", autocomplete: "email", value: "{email}",
                    oninput: move |e| email.set(e.value()) }
                label { r#for: "join-phone", {tr("join-phone")} }
                input { id: "join-phone", r#type: "tel", autocomplete: "tel", value: "{phone}",
                    oninput: move |e| phone.set(e.value()) }
                button { id: "join-submit", r#type: "submit", disabled: !ready,
                    if busy() { {tr("onboarding-sending")} } else { {tr("join-submit")} }
                }
            }
            button { class: "link", onclick: move |_| start_over(on_screen), {tr("back")} }
        }
    }
}
