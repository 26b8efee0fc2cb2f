//! An invite that cannot be used, each case with its own way forward.

use super::start_over;
use dioxus::prelude::*;
use portal_model::InviteProblem;
use portal_model::desktop::Screen;

fn words(problem: InviteProblem) -> (&'static str, &'static str, &'static str) {
    match problem {
        InviteProblem::Expired => (
            "invite-expired",
            "This invitation has expired",
            "Invitations work for 4 days. Ask your practice to send you a new invitation, then open the link in the newest email.",
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
    rsx! {
        section { id: "{id}", class: "card",
            h1 { "{title}" }
            p { "{detail}" }
            button { id: "start-over", onclick: move |_| start_over(on_screen), "Open a different link" }
        }
    }
}
