//! A valid invite: show whose it is and take a new password, with live feedback.

use super::{NoticeBox, go, start_over};
use crate::bridge::{self, Command};
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};
use portal_model::{InviteInfo, InviteRole, PasswordPolicy};

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
    let mut password = use_signal(String::new);
    let mut confirm = use_signal(String::new);
    let mut submitting = use_signal(|| false);
    let mut policy_note = use_signal(|| None::<String>);
    // The server's policy, fetched by the shell; the built-in default until it arrives
    // (they are the same rules unless the practice changed its server).
    let mut policy = use_signal(PasswordPolicy::default);
    use_hook(move || {
        spawn(async move {
            match bridge::invoke::<PasswordPolicy>(Command::PasswordPolicy).await {
                Ok(fetched) => policy.set(fetched),
                Err(_) => policy_note.set(Some(
                    "The password rules could not be loaded from your practice; the usual rules are shown, and your practice checks them again when you continue.".to_owned(),
                )),
            }
        });
    });

    let check = policy.read().check(&password(), None);
    let matches = !password().is_empty() && password() == confirm();
    let ready = check.is_acceptable() && matches && !submitting();
    let submit = move |event: FormEvent| {
        event.prevent_default();
        if !ready {
            return;
        }
        submitting.set(true);
        spawn(async move {
            let answer = bridge::invoke::<Screen>(Command::AcceptInvite {
                password: password(),
            })
            .await;
            submitting.set(false);
            match answer {
                Ok(screen) => on_screen.call(screen),
                Err(notice) => policy_note.set(Some(notice.detail)),
            }
        });
    };

    let heading = match invite.role {
        InviteRole::Patient => format!("Welcome, {}", invite.patient_first_name),
        InviteRole::Guardian => format!("Set up access for {}", invite.patient_first_name),
    };
    let policy_now = policy.read().clone();
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
                    button { id: "sign-in-to-claim", onclick: move |_| go(Command::ShowSignIn, on_screen), "Sign in" }
                }
            }
            form { hidden: invite.account_exists, onsubmit: submit,
                label { r#for: "password", "New password" }
                input {
                    id: "password",
                    r#type: "password",
                    autocomplete: "new-password",
                    value: "{password}",
                    oninput: move |e| password.set(e.value()),
                }
                label { r#for: "password-confirm", "Type it again" }
                input {
                    id: "password-confirm",
                    r#type: "password",
                    autocomplete: "new-password",
                    value: "{confirm}",
                    oninput: move |e| confirm.set(e.value()),
                }
                ul { id: "password-rules", class: "rules", aria_live: "polite",
                    for outcome in check.outcomes.iter().filter(|o| o.rule != portal_model::PolicyRule::EqualsEmail) {
                        li {
                            class: if outcome.passed { "rule passed" } else { "rule" },
                            "data-rule": "{outcome.rule.requirement(&policy_now)}",
                            span { class: "mark", if outcome.passed { "✓" } else { "•" } }
                            "{outcome.rule.requirement(&policy_now)}"
                        }
                    }
                    li { class: if matches { "rule passed" } else { "rule" },
                        span { class: "mark", if matches { "✓" } else { "•" } }
                        "Both entries match"
                    }
                }
                p { class: "hint", "A few unrelated words make a strong password that is easy to remember. It can't be your email address." }
                if let Some(note) = policy_note() {
                    p { class: "notice", role: "alert", "{note}" }
                }
                button { id: "set-password", r#type: "submit", disabled: !ready,
                    if submitting() { "Setting your password…" } else { "Set password and sign in" }
                }
            }
            button { class: "link", onclick: move |_| start_over(on_screen), "This isn't me — open a different link" }
        }
    }
}
