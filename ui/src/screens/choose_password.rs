//! A valid invite: show whose it is and take a new password, with live feedback.

use super::password_form::{NewPasswordForm, Purpose};
use super::{NoticeBox, go, start_over};
use crate::bridge;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};
use portal_model::{InviteInfo, InviteRole};

fn expiry_text(invite: &InviteInfo) -> String {
    let local = invite.expires_at.with_timezone(&chrono::Local);
    local.format("%A, %B %-d at %-I:%M %p").to_string()
}

#[component]
pub fn ChoosePassword(
    invite: InviteInfo,
    notice: Option<Notice>,
    on_screen: EventHandler<Screen>,
) -> Element {
    let heading = match invite.role {
        InviteRole::Patient => format!("Welcome, {}", invite.patient_first_name),
        InviteRole::Guardian => format!("Set up access for {}", invite.patient_first_name),
    };
    rsx! {
        section { id: "choose-password", class: "card",
            h1 { id: "invite-heading", "{heading}" }
            p { id: "invite-practice",
                strong { "{invite.practice.name}" }
                " invited you to its patient portal. Choose a password to finish setting up your account for "
                strong { "{invite.email_hint}" } "."
            }
            p { id: "invite-expiry", class: "hint", "This invitation works until {expiry_text(&invite)}." }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            if invite.account_exists {
                div { id: "account-exists", class: "notice",
                    p { "You already have an account with this email address. Sign in, and {invite.patient_first_name} will be added to it." }
                    button { id: "sign-in-to-claim", onclick: move |_| go(bridge::show_sign_in(), on_screen), "Sign in" }
                }
            }
            NewPasswordForm {
                submit_label: "Set password and sign in",
                busy_label: "Setting your password…",
                hidden: invite.account_exists,
                purpose: Purpose::Invite,
                on_screen,
            }
            button { class: "link", onclick: move |_| start_over(on_screen), "This isn't me — open a different link" }
        }
    }
}
