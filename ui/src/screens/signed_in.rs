//! Signed in: who you are and whom you can act for.

use super::{NoticeBox, go};
use crate::bridge::Command;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};
use portal_model::{AccountSummary, InviteRole, ProfileSummary};

#[component]
pub fn SignedIn(
    account: AccountSummary,
    profiles: Vec<ProfileSummary>,
    offline: bool,
    notice: Option<Notice>,
    on_screen: EventHandler<Screen>,
) -> Element {
    let mut leaving = use_signal(|| false);
    let first_name = profiles
        .iter()
        .find(|p| p.role == InviteRole::Patient)
        .map(|p| p.first_name.clone());
    let greeting = match first_name {
        Some(name) => format!("You're all set, {name}"),
        None => "You're all set".to_owned(),
    };
    rsx! {
        section { id: "signed-in", class: "card",
            h1 { "{greeting}" }
            p { "You are signed in on this computer as ",
                strong { id: "signed-in-email", "{account.email}" }, "." }
            if offline {
                p { id: "offline", class: "notice", "You are offline. What you see was saved on this computer; it updates when the connection is back." }
            }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            h2 { "Your profiles" }
            ul { class: "profiles",
                for profile in profiles {
                    li { key: "{profile.patient_id}",
                        span { class: "profile-name", "{profile.first_name} {profile.last_name}" }
                        span { class: "profile-meta",
                            if profile.role == InviteRole::Guardian { "Guardian · " } else { "" }
                            "{profile.practice.name}"
                        }
                    }
                }
            }
            button {
                id: "sign-out",
                disabled: leaving(),
                onclick: move |_| {
                    leaving.set(true);
                    go(Command::SignOut, on_screen);
                },
                if leaving() { "Signing out…" } else { "Sign out" }
            }
        }
    }
}
