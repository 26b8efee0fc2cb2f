//! Sign in with email and password.

use super::{NoticeBox, start_over};
use crate::bridge;
use crate::i18n::{tr, tr_args};
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};

#[component]
pub fn SignIn(
    notice: Option<Notice>,
    email: Option<String>,
    claim_for: Option<String>,
    on_screen: EventHandler<Screen>,
) -> Element {
    let mut email_value = use_signal(|| email.clone().unwrap_or_default());
    let mut password = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let ready = !busy() && email_value().contains('@') && !password().is_empty();
    let submit = move |event: FormEvent| {
        event.prevent_default();
        if !ready {
            return;
        }
        busy.set(true);
        spawn(async move {
            let answer = bridge::sign_in(email_value(), password()).await;
            busy.set(false);
            match answer {
                Ok(screen) => on_screen.call(screen),
                Err(notice) => on_screen.call(Screen::Welcome {
                    notice: Some(notice),
                }),
            }
        });
    };
    rsx! {
        section { id: "sign-in", class: "card",
            h1 { {tr("onboarding-sign-in")} }
            if let Some(name) = claim_for {
                p { id: "claim-note",
                    {tr_args("sign-in-claim-note", &[("name", name.as_str().into())])}
                }
            } else {
                p { {tr("sign-in-intro")} }
            }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { onsubmit: submit,
                label { r#for: "sign-in-email", {tr("onboarding-email")} }
                input {
                    id: "sign-in-email",
                    r#type: "email",
                    autocomplete: "username",
                    value: "{email_value}",
                    oninput: move |e| email_value.set(e.value()),
                }
                label { r#for: "sign-in-password", {tr("onboarding-password")} }
                input {
                    id: "sign-in-password",
                    r#type: "password",
                    autocomplete: "current-password",
                    value: "{password}",
                    oninput: move |e| password.set(e.value()),
                }
                button { id: "sign-in-submit", r#type: "submit", disabled: !ready,
                    if busy() { {tr("sign-in-busy")} } else { {tr("onboarding-sign-in")} }
                }
            }
            p { class: "hint",
                button { id: "go-forgot", class: "link", onclick: move |_| super::go(bridge::show_forgot_password(), on_screen), {tr("onboarding-forgot-password")} }
            }
            p { class: "hint",
                button { id: "go-other-practice", class: "link", onclick: move |_| super::go(bridge::change_practice(), on_screen), {tr("sign-in-other-practice")} }
            }
            button { class: "link", onclick: move |_| start_over(on_screen), {tr("back")} }
        }
    }
}
