//! An invite that cannot be used, each case with its own way forward.

use super::{go, start_over};
use crate::bridge;
use crate::i18n::tr;
use dioxus::prelude::*;
use portal_model::InviteProblem;
use portal_model::desktop::Screen;

/// The section's element id, its title and its explanation.
fn words(problem: InviteProblem) -> (&'static str, String, String) {
    match problem {
        InviteProblem::Expired => (
            "invite-expired",
            tr("invite-expired-title"),
            tr("invite-expired-detail"),
        ),
        InviteProblem::Used => (
            "invite-used",
            tr("invite-used-title"),
            tr("invite-used-detail"),
        ),
        InviteProblem::Revoked => (
            "invite-revoked",
            tr("invite-revoked-title"),
            tr("invite-revoked-detail"),
        ),
        InviteProblem::NotFound => (
            "invite-not-found",
            tr("invite-not-found-title"),
            tr("invite-not-found-detail"),
        ),
    }
}

#[component]
pub fn InviteUnusable(problem: InviteProblem, on_screen: EventHandler<Screen>) -> Element {
    let (id, title, detail) = words(problem);
    let mut asking = use_signal(|| false);
    let renew = move |_| {
        if asking() {
            return;
        }
        asking.set(true);
        spawn(async move {
            let answer = bridge::renew_invite().await;
            asking.set(false);
            match answer {
                Ok(screen) => on_screen.call(screen),
                Err(notice) => on_screen.call(Screen::Welcome {
                    notice: Some(notice),
                }),
            }
        });
    };
    rsx! {
        section { id: "{id}", class: "card",
            h1 { "{title}" }
            p { "{detail}" }
            if problem == InviteProblem::Used {
                button { id: "go-sign-in", onclick: move |_| go(bridge::show_sign_in(), on_screen), {tr("onboarding-sign-in")} }
            }
            if problem == InviteProblem::Expired {
                button { id: "renew-invite", disabled: asking(), onclick: renew,
                    if asking() { {tr("invite-renewing")} } else { {tr("invite-renew")} }
                }
            }
            div {
                button { id: "start-over", class: "link", onclick: move |_| start_over(on_screen), {tr("onboarding-open-different-link")} }
            }
        }
    }
}

/// A new invitation was asked for.
#[component]
pub fn InviteRenewed(provider_notified: bool, on_screen: EventHandler<Screen>) -> Element {
    let (title, detail) = if provider_notified {
        (
            tr("invite-renewed-notified-title"),
            tr("invite-renewed-notified-detail"),
        )
    } else {
        (tr("invite-renewed-title"), tr("invite-renewed-detail"))
    };
    rsx! {
        section { id: "invite-renewed", class: "card", "data-provider-notified": "{provider_notified}",
            h1 { "{title}" }
            p { "{detail}" }
            button { id: "start-over", class: "link", onclick: move |_| start_over(on_screen), {tr("onboarding-open-different-link")} }
        }
    }
}
