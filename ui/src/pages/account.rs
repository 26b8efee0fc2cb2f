//! Signed in: who you are, whom you are looking at (a guardian picks a child), the other
//! accounts on this computer, and locking or signing out.

use super::{NoticeBox, go};
use crate::bridge::Command;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};
use portal_model::{AccountSummary, InviteRole, ProfileSummary};

#[component]
pub fn SignedIn(
    account: AccountSummary,
    profiles: Vec<ProfileSummary>,
    current_profile_id: Option<String>,
    other_accounts: Vec<AccountSummary>,
    offline: bool,
    notice: Option<Notice>,
    on_screen: EventHandler<Screen>,
) -> Element {
    let mut leaving = use_signal(|| false);
    let current = current_profile_id
        .as_deref()
        .and_then(|id| profiles.iter().find(|p| p.patient_id == id))
        .cloned();
    let greeting = match &current {
        Some(profile) if profile.role == InviteRole::Patient => {
            format!("You're all set, {}", profile.first_name)
        }
        Some(profile) => format!("Looking after {}", profile.first_name),
        None => "You're all set".to_owned(),
    };
    rsx! {
        section { id: "signed-in", class: "card",
            h1 { id: "signed-in-title", "{greeting}" }
            p { "You are signed in on this computer as ",
                strong { id: "signed-in-email", "{account.email}" }, "." }
            if offline {
                p { id: "offline", class: "notice", "You are offline. What you see was saved on this computer; it updates when the connection is back." }
            }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            h2 { "Your profiles" }
            if profiles.is_empty() {
                p { id: "no-profiles", "Your practice has not linked any patient to this account yet. Ask them to send you an invitation." }
            }
            ul { class: "profiles",
                for profile in profiles {
                    ProfileRow {
                        key: "{profile.patient_id}",
                        is_current: current_profile_id.as_deref() == Some(profile.patient_id.as_str()),
                        profile: profile.clone(),
                        on_screen,
                    }
                }
            }
            h2 { "Accounts on this computer" }
            ul { class: "profiles", id: "accounts",
                li { class: "current-account",
                    span { class: "profile-name", "{account.email}" }
                    span { class: "profile-meta", "In use" }
                }
                for other in other_accounts {
                    li { key: "{other.id}",
                        span { class: "profile-name", "{other.email}" }
                        button {
                            class: "link switch-account",
                            "data-account": "{other.email}",
                            onclick: {
                                let id = other.id.clone();
                                move |_| go(Command::SwitchAccount { account_id: id.clone() }, on_screen)
                            },
                            "Switch to this account"
                        }
                    }
                }
            }
            button { id: "add-account", class: "link", onclick: move |_| go(Command::AddAccount, on_screen), "Add another account" }
            div { class: "actions",
                button { id: "lock-now", onclick: move |_| go(Command::LockNow, on_screen), "Lock" }
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
                if profile.role == InviteRole::Guardian { "Guardian · " } else { "" }
                "{profile.practice.name}"
            }
            if is_current {
                span { class: "profile-meta viewing", "Viewing" }
            } else {
                button {
                    class: "link view-profile",
                    onclick: move |_| go(Command::SelectProfile { patient_id: id.clone() }, on_screen),
                    "View"
                }
            }
        }
    }
}
