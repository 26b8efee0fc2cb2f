//! Signed in: who you are and whom you can act for.

use dioxus::prelude::*;
use portal_model::{AccountSummary, InviteRole, ProfileSummary};

#[component]
pub fn SignedIn(account: AccountSummary, profiles: Vec<ProfileSummary>) -> Element {
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
            p { "Your password is saved and you are signed in on this computer as ",
                strong { id: "signed-in-email", "{account.email}" }, "." }
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
            p { class: "hint", "Next time, open Patient Portal and sign in with your email and this password." }
        }
    }
}
