//! The signed-in area: one routed page per section, inside a frame with the sections,
//! who is signed in and whom they are looking at, and the sync line. Every page reads a
//! live view of the offline copy (`crate::live`) and shows words for every state.

mod account;
mod appointments;
mod billing;
mod documents;
mod forms;
mod frame;
mod home;
mod messages;
mod profile;
mod search;
pub(crate) mod settings;
pub(crate) mod when;

use crate::i18n::tr;
use crate::live::Loaded;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen, ViewData};
use portal_model::{AccountSummary, ProfileSummary};

use account::Account;
use appointments::{AppointmentDetail, Appointments};
use billing::Billing;
use documents::Documents;
use forms::{FormPage, Forms};
use frame::Frame;
use home::Home;
use messages::{Conversation, Messages, NewMessage};
use profile::Profile;
use search::Search;
use settings::Settings;

/// The signed-in pages.
#[rustfmt::skip]
#[derive(Routable, Clone, PartialEq, Debug)]
pub enum Route {
    #[layout(Frame)]
        #[route("/")]
        Home {},
        #[route("/appointments")]
        Appointments {},
        #[route("/appointments/:id")]
        AppointmentDetail { id: String },
        #[route("/messages")]
        Messages {},
        #[route("/messages/new")]
        NewMessage {},
        #[route("/messages/:id")]
        Conversation { id: String },
        #[route("/billing")]
        Billing {},
        #[route("/documents")]
        Documents {},
        #[route("/forms")]
        Forms {},
        #[route("/forms/:id")]
        FormPage { id: String },
        #[route("/profile")]
        Profile {},
        #[route("/search")]
        Search {},
        #[route("/account")]
        Account {},
        #[route("/settings")]
        Settings {},
}

/// Who is signed in, as the shell's signed-in screen says: shared with every page.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub account: AccountSummary,
    pub profiles: Vec<ProfileSummary>,
    pub current_profile_id: Option<String>,
    pub other_accounts: Vec<AccountSummary>,
    pub offline: bool,
    pub notice: Option<Notice>,
    pub on_screen: EventHandler<Screen>,
}

impl Session {
    pub fn current_profile(&self) -> Option<&ProfileSummary> {
        let id = self.current_profile_id.as_deref()?;
        self.profiles.iter().find(|p| p.patient_id == id)
    }
}

/// The signed-in area: the shell's screen in, the routed pages out.
#[component]
pub fn SignedInArea(session: Session) -> Element {
    use_hook(|| crate::mark("ui-signed-in"));
    let mut shared = use_context_provider(|| Signal::new(session.clone()));
    if *shared.peek() != session {
        shared.set(session);
    }
    rsx! { Router::<Route> {} }
}

/// The signed-in session, from any page.
pub fn use_session() -> Signal<Session> {
    use_context::<Signal<Session>>()
}

/// Draws a view's data with `ready`, or words while it loads or when it failed.
pub fn show(
    loaded: &Loaded,
    id: &str,
    ready: impl FnOnce(&ViewData) -> Option<Element>,
) -> Element {
    match loaded {
        Loaded::Loading => rsx! {
            p { class: "loading", role: "status", id: "{id}-loading", {tr("loading")} }
        },
        Loaded::Failed(notice) => rsx! {
            div { class: "notice", role: "alert", id: "{id}-failed", "data-code": "{notice.code}",
                strong { "{notice.title}" }
                p { "{notice.detail}" }
            }
        },
        Loaded::Ready(data) => ready(data).unwrap_or_else(|| rsx! {}),
    }
}
