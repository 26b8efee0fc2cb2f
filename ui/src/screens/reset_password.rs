//! A reset link: choose a new password; or ask for a reset link.

use super::password_form::{NewPasswordForm, Purpose};
use super::{NoticeBox, start_over};
use crate::bridge;
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
            h1 { "Choose a new password" }
            p { "For your patient portal account ", strong { "{email_hint}" }, ". Every device will be signed out." }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            NewPasswordForm {
                submit_label: "Change password",
                busy_label: "Changing your password…",
                hidden: false,
                purpose: Purpose::Reset,
                on_screen,
            }
            button { class: "link", onclick: move |_| start_over(on_screen), "Cancel" }
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
            h1 { "Forgot your password?" }
            p { "Give the email address your practice has on file. We will email you a link to choose a new password (or, if your account was never set up, a new invitation)." }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { onsubmit: submit,
                label { r#for: "forgot-email", "Email address" }
                input {
                    id: "forgot-email",
                    r#type: "email",
                    autocomplete: "username",
                    value: "{email}",
                    oninput: move |e| email.set(e.value()),
                }
                button { id: "forgot-submit", r#type: "submit", disabled: !ready,
                    if busy() { "Sending…" } else { "Email me a link" }
                }
            }
            button { class: "link", onclick: move |_| start_over(on_screen), "Back" }
        }
    }
}
