//! Locked after the idle timeout: the password unlocks, or the person signs out.

use super::{NoticeBox, go};
use crate::bridge;
use crate::i18n::tr;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};

#[component]
pub fn Locked(email: String, notice: Option<Notice>, on_screen: EventHandler<Screen>) -> Element {
    let mut password = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let ready = !busy() && !password().is_empty();
    let submit = move |event: FormEvent| {
        event.prevent_default();
        if !ready {
            return;
        }
        busy.set(true);
        spawn(async move {
            let answer = bridge::unlock(password()).await;
            busy.set(false);
            password.set(String::new());
            match answer {
                Ok(screen) => on_screen.call(screen),
                Err(notice) => on_screen.call(Screen::Welcome {
                    notice: Some(notice),
                }),
            }
        });
    };
    rsx! {
        section { id: "locked", class: "card",
            h1 { {tr("locked-title")} }
            p {
                {tr("locked-enter-password")},
                " ",
                strong { id: "locked-email", "{email}" },
                " ",
                {tr("locked-to-continue")}
            }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { onsubmit: submit,
                label { r#for: "unlock-password", {tr("onboarding-password")} }
                input {
                    id: "unlock-password",
                    r#type: "password",
                    autocomplete: "current-password",
                    autofocus: true,
                    value: "{password}",
                    oninput: move |e| password.set(e.value()),
                }
                button { id: "unlock-submit", r#type: "submit", disabled: !ready,
                    if busy() { {tr("locked-checking")} } else { {tr("locked-unlock")} }
                }
            }
            p { class: "hint",
                button { id: "locked-forgot", class: "link", onclick: move |_| go(bridge::show_forgot_password(), on_screen), {tr("onboarding-forgot-password")} }
            }
            button { id: "locked-sign-out", class: "link", onclick: move |_| go(bridge::sign_out(), on_screen), {tr("locked-sign-out")} }
        }
    }
}
