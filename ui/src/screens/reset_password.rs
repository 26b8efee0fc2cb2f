//! A reset link: choose a new password; or ask for a reset link.

use super::password_form::{NewPasswordForm, Purpose};
use super::{NoticeBox, start_over};
use crate::bridge;
use crate::i18n::tr;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};

#[component]
pub fn ResetPassword(
    email_hint: String,
    notice: Option<Notice>,
    on_screen: EventHandler<Screen>,
) -> Element {
    rsx! {
        section { id: "reset-password", class: "card",
            h1 { {tr("reset-title")} }
            p {
                {tr("reset-for-account")},
                " ",
                strong { "{email_hint}" },
                {tr("reset-signed-out")}
            }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            NewPasswordForm {
                submit_label: tr("reset-change-password"),
                busy_label: tr("reset-changing-password"),
                hidden: false,
                purpose: Purpose::Reset,
                on_screen,
            }
            button { class: "link", onclick: move |_| start_over(on_screen), {tr("reset-cancel")} }
        }
    }
}

#[component]
pub fn ForgotPassword(notice: Option<Notice>, on_screen: EventHandler<Screen>) -> Element {
    let mut email = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let ready = !busy() && email().contains('@');
    let submit = move |event: FormEvent| {
        event.prevent_default();
        if !ready {
            return;
        }
        busy.set(true);
        spawn(async move {
            let answer = bridge::request_reset(email()).await;
            busy.set(false);
            match answer {
                Ok(screen) => on_screen.call(screen),
                Err(notice) => on_screen.call(Screen::ForgotPassword {
                    notice: Some(notice),
                }),
            }
        });
    };
    rsx! {
        section { id: "forgot-password", class: "card",
            h1 { {tr("onboarding-forgot-password")} }
            p { {tr("forgot-intro")} }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { onsubmit: submit,
                label { r#for: "forgot-email", {tr("onboarding-email")} }
                input {
                    id: "forgot-email",
                    r#type: "email",
                    autocomplete: "username",
                    value: "{email}",
                    oninput: move |e| email.set(e.value()),
                }
                button { id: "forgot-submit", r#type: "submit", disabled: !ready,
                    if busy() { {tr("onboarding-sending")} } else { {tr("forgot-submit")} }
                }
            }
            button { class: "link", onclick: move |_| start_over(on_screen), {tr("back")} }
        }
    }
}
