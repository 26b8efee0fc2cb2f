//! Choosing a new password, with the policy's rules checked live: used for an invite
//! and for a reset link.

use crate::bridge;
use crate::i18n::{tr, tr_args};
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};
use portal_model::{PasswordPolicy, PolicyRule};

/// What the new password is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Accepting an invite.
    Invite,
    /// Completing a reset link.
    Reset,
}

impl Purpose {
    async fn submit(self, password: String) -> Result<Screen, Notice> {
        match self {
            Self::Invite => bridge::accept_invite(password).await,
            Self::Reset => bridge::complete_reset(password).await,
        }
    }
}

/// What `rule` asks for, in the person's language. The checklist's `data-rule` keeps the
/// model's English sentence, which tests and the shell name rules by.
fn rule_text(rule: PolicyRule, policy: &PasswordPolicy) -> String {
    match rule {
        PolicyRule::TooShort => tr_args(
            "password-rule-too-short",
            &[("count", policy.min_length.into())],
        ),
        PolicyRule::TooLong => tr_args(
            "password-rule-too-long",
            &[("count", policy.max_length.into())],
        ),
        PolicyRule::Common => tr("password-rule-common"),
        PolicyRule::EqualsEmail => tr("password-rule-equals-email"),
    }
}

/// The password fields, the live checklist and the submit button; the shell's answer to
/// the purpose's command is the next screen.
#[component]
pub fn NewPasswordForm(
    submit_label: String,
    busy_label: String,
    hidden: bool,
    /// True while the screen around the form still waits for something (the invite's
    /// address confirmed): the button stays disabled.
    #[props(default)]
    held_back: bool,
    purpose: Purpose,
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
            match bridge::password_policy().await {
                Ok(fetched) => policy.set(fetched),
                Err(_) => policy_note.set(Some(tr("password-rules-unavailable"))),
            }
        });
    });

    // Whether the password is a common one comes from the shell, which has the list;
    // until its answer for the text now typed arrives, that rule is not yet passed. When
    // the shell cannot check, the server's answer on submit says what is missing.
    let mut common_answer = use_signal(|| None::<(String, bool)>);
    use_effect(move || {
        let typed = password();
        spawn(async move {
            let answer = bridge::check_password(typed.clone()).await;
            // Answers can come back out of order: keep only the one for the text now
            // typed, so that a late answer for older text never hides it.
            if *password.peek() != typed {
                return;
            }
            match answer {
                Ok(check) => {
                    let common = check.failed().contains(&PolicyRule::Common);
                    common_answer.set(Some((typed, common)));
                }
                // The server checks it again on submit and says what it needs.
                Err(_) => {
                    common_answer.set(Some((typed, false)));
                    policy_note.set(Some(tr("password-rules-unavailable")));
                }
            }
        });
    });
    let common = match common_answer() {
        Some((checked, common)) if checked == password() => common,
        _ => true,
    };
    let check = policy.read().check_with(&password(), None, common);
    let matches = !password().is_empty() && password() == confirm();
    let ready = check.is_acceptable() && matches && !submitting() && !held_back;
    let submit = move |event: FormEvent| {
        event.prevent_default();
        if !ready {
            return;
        }
        submitting.set(true);
        spawn(async move {
            let answer = purpose.submit(password()).await;
            submitting.set(false);
            match answer {
                Ok(screen) => on_screen.call(screen),
                Err(notice) => policy_note.set(Some(notice.detail)),
            }
        });
    };

    let policy_now = policy.read().clone();
    rsx! {
        form { hidden, onsubmit: submit,
            label { r#for: "password", {tr("password-new")} }
            input {
                id: "password",
                r#type: "password",
                autocomplete: "new-password",
                value: "{password}",
                oninput: move |e| password.set(e.value()),
            }
            label { r#for: "password-confirm", {tr("password-again")} }
            input {
                id: "password-confirm",
                r#type: "password",
                autocomplete: "new-password",
                value: "{confirm}",
                oninput: move |e| confirm.set(e.value()),
            }
            ul { id: "password-rules", class: "rules", aria_live: "polite",
                for outcome in check.outcomes.iter().filter(|o| o.rule != PolicyRule::EqualsEmail) {
                    li {
                        class: if outcome.passed { "rule passed" } else { "rule" },
                        "data-rule": "{outcome.rule.requirement(&policy_now)}",
                        span { class: "mark", if outcome.passed { "✓" } else { "•" } }
                        {rule_text(outcome.rule, &policy_now)}
                    }
                }
                li { class: if matches { "rule passed" } else { "rule" },
                    span { class: "mark", if matches { "✓" } else { "•" } }
                    {tr("password-match")}
                }
            }
            p { class: "hint", {tr("password-hint")} }
            if let Some(note) = policy_note() {
                p { class: "notice", role: "alert", "{note}" }
            }
            button { id: "set-password", r#type: "submit", disabled: !ready,
                if submitting() { "{busy_label}" } else { "{submit_label}" }
            }
        }
    }
}
