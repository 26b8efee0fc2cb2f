//! No link yet: explain where the invitation is, and take a pasted link.

use super::{NoticeBox, go};
use crate::bridge;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};

#[component]
pub fn Welcome(notice: Option<Notice>, on_screen: EventHandler<Screen>) -> Element {
    let mut link = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let open = move |event: FormEvent| {
        event.prevent_default();
        if busy() || link().trim().is_empty() {
            return;
        }
        busy.set(true);
        spawn(async move {
            let answer = bridge::open_link(link()).await;
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
        section { id: "welcome", class: "card",
            h1 { "Welcome to your patient portal" }
            p { "Your practice sends you an invitation by email. Open the link in that email on this computer, and Patient Portal takes you to the next step." }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { onsubmit: open,
                label { r#for: "open-link-input", "Or paste the link from the email here" }
                input {
                    id: "open-link-input",
                    r#type: "url",
                    placeholder: "https://…/invite/…",
                    autocomplete: "off",
                    spellcheck: "false",
                    value: "{link}",
                    oninput: move |e| link.set(e.value()),
                }
                button {
                    id: "open-link-button",
                    r#type: "submit",
                    disabled: busy() || link().trim().is_empty(),
                    if busy() { "Opening…" } else { "Open link" }
                }
            }
            p { class: "hint", "Already set your password? ",
                button { id: "go-sign-in", class: "link", onclick: move |_| go(bridge::show_sign_in(), on_screen), "Sign in" }
            }
        }
    }
}
