//! One component per screen the shell can ask for.

mod choose_password;
mod choose_server;
mod invite_unusable;
mod join;
mod locked;
mod password_form;
mod reset_password;
mod sign_in;
mod welcome;

use crate::bridge;
use crate::i18n::tr;
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};

pub use choose_password::ChoosePassword;
pub use choose_server::ChooseServer;
pub use invite_unusable::{InviteRenewed, InviteUnusable};
pub use join::Join;
pub use locked::Locked;
pub use reset_password::{ForgotPassword, ResetPassword};
pub use sign_in::SignIn;
pub use welcome::Welcome;

/// Draws the shell's current screen; `on_screen` takes the screen a command returns.
#[component]
pub fn Current(screen: Screen, on_screen: EventHandler<Screen>) -> Element {
    match screen {
        Screen::Welcome { notice } => rsx! { Welcome { notice, on_screen } },
        Screen::ChooseServer { suggested, notice } => {
            rsx! { ChooseServer { suggested, notice, on_screen } }
        }
        Screen::CheckingInvite => rsx! {
            Busy { id: "checking-invite", text: tr("onboarding-checking-invite") }
        },
        Screen::ChoosePassword {
            invite,
            hint_on_device,
            notice,
        } => {
            rsx! { ChoosePassword { invite, hint_on_device, notice, on_screen } }
        }
        Screen::InviteUnusable { problem } => rsx! { InviteUnusable { problem, on_screen } },
        Screen::InviteRenewed { provider_notified } => {
            rsx! { InviteRenewed { provider_notified, on_screen } }
        }
        Screen::ResetPassword { email_hint, notice } => {
            rsx! { ResetPassword { email_hint, notice, on_screen } }
        }
        Screen::ForgotPassword { notice } => rsx! { ForgotPassword { notice, on_screen } },
        Screen::Join { info, notice } => rsx! { Join { info, notice, on_screen } },
        Screen::Restoring => rsx! {
            Busy { id: "restoring", text: tr("onboarding-restoring") }
        },
        Screen::SignIn {
            notice,
            email,
            claim_for,
        } => {
            rsx! { SignIn { notice, email, claim_for, on_screen } }
        }
        Screen::SignedIn {
            account,
            profiles,
            current_profile_id,
            other_accounts,
            offline,
            notice,
        } => {
            let session = crate::pages::Session {
                account,
                profiles,
                current_profile_id,
                other_accounts,
                offline,
                notice,
                on_screen,
            };
            rsx! { crate::pages::SignedInArea { session } }
        }
        Screen::Locked { email, notice } => rsx! { Locked { email, notice, on_screen } },
    }
}

/// Shown for the instant before the shell answers.
#[component]
pub fn Starting() -> Element {
    rsx! { Busy { id: "starting", text: tr("onboarding-starting") } }
}

/// Work in progress, always with words.
#[component]
pub fn Busy(id: String, text: String) -> Element {
    rsx! {
        section { id: "{id}", class: "card busy", role: "status",
            div { class: "spinner", aria_hidden: "true" }
            p { "{text}" }
        }
    }
}

/// The bridge to the shell failed: nothing else can work, so say so plainly.
#[component]
pub fn Fatal(notice: Notice) -> Element {
    rsx! {
        section { id: "fatal", class: "card",
            h1 { "{notice.title}" }
            p { {tr("fatal-detail")} }
            details { summary { {tr("fatal-technical")} } p { class: "detail", "{notice.detail}" } }
        }
    }
}

/// A problem with what to do next.
#[component]
pub fn NoticeBox(notice: Notice) -> Element {
    rsx! {
        div { class: "notice", role: "alert", "data-code": "{notice.code}",
            strong { "{notice.title}" }
            p { "{notice.detail}" }
        }
    }
}

/// Asks the shell to go back to the start, and shows where it lands.
pub fn start_over(on_screen: EventHandler<Screen>) {
    go(bridge::start_over(), on_screen);
}

/// Runs a command that leads to another screen; a failure lands on the welcome screen
/// with the reason.
pub fn go(
    command: impl std::future::Future<Output = Result<Screen, Notice>> + 'static,
    on_screen: EventHandler<Screen>,
) {
    spawn(async move {
        match command.await {
            Ok(screen) => on_screen.call(screen),
            Err(notice) => on_screen.call(Screen::Welcome {
                notice: Some(notice),
            }),
        }
    });
}
