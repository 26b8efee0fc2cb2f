//! An invite that cannot be used, each case with its own way forward.

use super::{go, start_over};
use crate::bridge;
use dioxus::prelude::*;
use portal_model::InviteProblem;
use portal_model::desktop::Screen;

fn words(problem: InviteProblem) -> (&'static str, &'static str, &'static str) {
    match problem {
        InviteProblem::Expired => (
            "invite-expired",
            "This invitation has expired",
            "Invitations work for a few days. Ask for a new one here: it goes to the email address your practice has on file.",
        ),
        InviteProblem::Used => (
            "invite-used",
            "This invitation was already used",
            "A password has already been set with this invitation, so your account is ready. Sign in with your email and password.",
        ),
        InviteProblem::Revoked => (
            "invite-revoked",
            "A newer invitation was sent",
            "Your practice sent you a newer invitation, which replaces this one. Check your email for the most recent message and open its link.",
        ),
        InviteProblem::NotFound => (
            "invite-not-found",
            "We could not find this invitation",
            "The link may be incomplete. Open it again straight from the email, or copy the whole link and paste it here.",
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
                button { id: "go-sign-in", onclick: move |_| go(bridge::show_sign_in(), on_screen), "Sign in" }
            }
            if problem == InviteProblem::Expired {
                button { id: "renew-invite", disabled: asking(), onclick: renew,
                    if asking() { "Asking for a new invitation…" } else { "Send me a new invitation" }
                }
            }
            div {
                button { id: "start-over", class: "link", onclick: move |_| start_over(on_screen), "Open a different link" }
            }
        }
    }
}

/// A new invitation was asked for.
#[component]
pub fn InviteRenewed(provider_notified: bool, on_screen: EventHandler<Screen>) -> Element {
    let (title, detail) = if provider_notified {
        (
            "Your care team was told",
            "Your practice sends new invitations itself. We let your care team know, and they will email you a new invitation. Open the link in that email to choose your password.",
        )
    } else {
        (
            "Check your email",
            "A new invitation is on its way to the email address your practice has on file. Open the link in it to choose your password; the old link no longer works.",
        )
    };
    rsx! {
        section { id: "invite-renewed", class: "card", "data-provider-notified": "{provider_notified}",
            h1 { "{title}" }
            p { "{detail}" }
            button { id: "start-over", class: "link", onclick: move |_| start_over(on_screen), "Open a different link" }
        }
    }
}
