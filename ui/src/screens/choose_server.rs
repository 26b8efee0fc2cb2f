//! The first run, with no practice configured: the practice's portal address, offered
//! from an invite link when one was opened (the person confirms it is theirs).

use super::NoticeBox;
use crate::bridge;
use crate::i18n::tr;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};

#[component]
pub fn ChooseServer(
    suggested: Option<String>,
    notice: Option<Notice>,
    on_screen: EventHandler<Screen>,
) -> Element {
    let from_link = suggested.is_some();
    let mut address = use_signal(|| suggested.clone().unwrap_or_default());
    let mut busy = use_signal(|| false);
    let ready = !address().trim().is_empty() && !busy();
    let onsubmit = move |event: FormEvent| {
        event.prevent_default();
        busy.set(true);
        spawn(async move {
            let typed = address();
            let next = match bridge::choose_server(typed.clone()).await {
                Ok(screen) => screen,
                Err(notice) => Screen::ChooseServer {
                    suggested: Some(typed),
                    notice: Some(notice),
                },
            };
            busy.set(false);
            on_screen.call(next);
        });
    };
    rsx! {
        section { id: "choose-server", class: "card",
            h1 { {tr("choose-server-title")} }
            p { {tr("choose-server-intro")} }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            form { class: "stack", onsubmit,
                label { r#for: "server-address", {tr("choose-server-label")} }
                input {
                    id: "server-address",
                    r#type: "url",
                    inputmode: "url",
                    autocomplete: "url",
                    spellcheck: "false",
                    placeholder: "https://portal.example-practice.org",
                    value: "{address}",
                    oninput: move |e| address.set(e.value()),
                }
                p { class: "hint", id: "server-address-hint",
                    if from_link { {tr("choose-server-from-link")} } else { {tr("choose-server-hint")} }
                }
                button { id: "choose-server-submit", r#type: "submit", class: "primary", disabled: !ready,
                    if busy() { {tr("choose-server-checking")} } else { {tr("choose-server-continue")} }
                }
            }
        }
    }
}
