//! Home: the next appointment, unread messages, the balance due, new documents and
//! forms waiting, each opening its section where there is one.

use super::when::{date_time, money};
use super::{Route, show};
use crate::i18n::{tr, tr_args};
use dioxus::prelude::*;
use portal_model::desktop::ViewData;

#[component]
pub fn Home() -> Element {
    let home = use_context::<super::frame::SharedHome>().0;
    let loaded = home.read();
    show(&loaded, "home", |data| {
        let ViewData::Home(view) = data else {
            return None;
        };
        let home = &view.home;
        let provider = view
            .next_provider
            .as_ref()
            .map_or_else(|| tr("appointment-provider-unknown"), |p| p.name.clone());
        Some(rsx! {
            div { id: "home", class: "home-grid", "data-ready": "true",
                section { class: "card tile", id: "home-next-appointment",
                    h2 { {tr("home-next-appointment")} }
                    if let Some(next) = &home.next_appointment {
                        p { class: "big", "{date_time(next.starts_at)}" }
                        p { {tr_args("appointment-with", &[("name", provider.clone().into())])} }
                        Link { class: "button", to: Route::AppointmentDetail { id: next.id.clone() },
                            {tr("home-see-appointments")}
                        }
                    } else {
                        p { class: "muted", {tr("home-no-appointment")} }
                        Link { class: "link", to: Route::Appointments {}, {tr("home-see-appointments")} }
                    }
                }
                section { class: "card tile", id: "home-messages",
                    h2 { {tr("home-messages")} }
                    p { class: if home.unread_messages > 0 { "big" } else { "muted" },
                        {tr_args("home-unread", &[("count", home.unread_messages.into())])}
                    }
                    Link { class: "link", to: Route::Messages {}, {tr("home-open-messages")} }
                }
                section { class: "card tile", id: "home-balance",
                    h2 { {tr("home-balance")} }
                    if home.balance_due.is_empty() {
                        p { class: "muted", {tr("home-no-balance")} }
                    }
                    for due in home.balance_due.iter() {
                        p { class: "big", key: "{due.currency}", "{money(&due.currency, due.amount)}" }
                    }
                    Link { class: "link", to: Route::Billing {}, {tr("home-open-billing")} }
                }
                section { class: "card tile", id: "home-documents",
                    h2 { {tr("home-documents")} }
                    p { {tr_args("home-documents-new", &[("count", home.documents_unopened.into())])} }
                    Link { class: "link", to: Route::Documents {}, {tr("home-open-documents")} }
                }
                section { class: "card tile", id: "home-forms",
                    h2 { {tr("home-forms")} }
                    p { {tr_args("home-forms-waiting", &[("count", home.forms_waiting.into())])} }
                    Link { class: "link", to: Route::Forms {}, {tr("home-open-forms")} }
                }
            }
        })
    })
}
