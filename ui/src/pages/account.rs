//! The account page: whom the patient is looking at (a guardian picks a child), the
//! other accounts on this computer, and adding one.

use super::use_session;
use crate::bridge;
use crate::i18n::tr;
use crate::screens::go;
use dioxus::prelude::*;
use portal_model::desktop::Screen;
use portal_model::{InviteRole, ProfileSummary};

#[component]
pub fn Account() -> Element {
    let session = use_session();
    let s = session.read().clone();
    let on_screen = s.on_screen;
    rsx! {
        section { id: "account", class: "card",
            h2 { {tr("account-profiles")} }
            if s.profiles.is_empty() {
                p { id: "no-profiles", {tr("no-profiles")} }
            }
            ul { class: "profiles",
                for profile in s.profiles.iter().cloned() {
                    ProfileRow {
                        key: "{profile.patient_id}",
                        is_current: s.current_profile_id.as_deref() == Some(profile.patient_id.as_str()),
                        profile,
                        on_screen,
                    }
                }
            }
            h2 { {tr("account-accounts")} }
            ul { class: "profiles", id: "accounts",
                li { class: "current-account",
                    span { class: "profile-name", "{s.account.email}" }
                    span { class: "profile-meta", {tr("account-in-use")} }
                }
                for other in s.other_accounts.iter().cloned() {
                    li { key: "{other.id}",
                        span { class: "profile-name", "{other.email}" }
                        button {
                            class: "link switch-account",
                            "data-account": "{other.email}",
                            onclick: move |_| go(bridge::switch_account(other.id.clone()), on_screen),
                            {tr("account-switch")}
                        }
                    }
                }
            }
            button { id: "add-account", class: "link", onclick: move |_| go(bridge::add_account(), on_screen), {tr("account-add")} }
        }
    }
}

/// One profile, with a way to make it the one in use.
#[component]
fn ProfileRow(
    profile: ProfileSummary,
    is_current: bool,
    on_screen: EventHandler<Screen>,
) -> Element {
    let id = profile.patient_id.clone();
    rsx! {
        li { class: if is_current { "profile current" } else { "profile" },
            "data-profile": "{profile.first_name}",
            span { class: "profile-name", "{profile.first_name} {profile.last_name}" }
            span { class: "profile-meta",
                if profile.role == InviteRole::Guardian { {tr("account-guardian")} " · " }
                "{profile.practice.name}"
            }
            if is_current {
                span { class: "profile-meta viewing", {tr("account-viewing")} }
            } else {
                button {
                    class: "link view-profile",
                    onclick: move |_| go(bridge::select_profile(id.clone()), on_screen),
                    {tr("account-view")}
                }
            }
        }
    }
}
