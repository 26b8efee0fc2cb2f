//! No link yet: explain where the invitation is, and take a pasted link.

use super::{NoticeBox, go};
use crate::bridge;
use crate::i18n::tr;
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
            h1 { {tr("welcome-title")} }
            p { {tr("welcome-intro")} }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { onsubmit: open,
                label { r#for: "open-link-input", {tr("welcome-paste-label")} }
                input {
                    id: "open-link-input",
                    r#type: "url",
                    placeholder: tr("welcome-paste-placeholder"),
                    autocomplete: "off",
                    spellcheck: "false",
                    value: "{link}",
                    oninput: move |e| link.set(e.value()),
                }
                button {
                    id: "open-link-button",
                    r#type: "submit",
                    disabled: busy() || link().trim().is_empty(),
                    if busy() { {tr("welcome-opening")} } else { {tr("welcome-open")} }
                }
            }
            p { class: "hint", {tr("welcome-already-set")}, " ",
                button { id: "go-sign-in", class: "link", onclick: move |_| go(bridge::show_sign_in(), on_screen), {tr("onboarding-sign-in")} }
            }
        }
    }
}
