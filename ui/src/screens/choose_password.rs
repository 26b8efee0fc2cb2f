//! A valid invite: show whose it is and take a new password, with live feedback.

use super::password_form::{NewPasswordForm, Purpose};
use super::{NoticeBox, go, start_over};
use crate::bridge;
use crate::i18n::{tr, tr_args};
use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};
use portal_model::{HintOnDevice, InviteInfo, InviteRole};

fn expiry_text(invite: &InviteInfo) -> String {
    crate::pages::when::long_date_time(invite.expires_at)
}

#[component]
pub fn ChoosePassword(
    invite: InviteInfo,
    hint_on_device: HintOnDevice,
    notice: Option<Notice>,
    on_screen: EventHandler<Screen>,
) -> Element {
    // The person confirms the invite's address is theirs before choosing a password:
    // an invite can be sent to the sender's own account.
    let mut confirmed = use_signal(|| false);
    let name = invite.patient_first_name.as_str();
    let heading = match invite.role {
        InviteRole::Patient => tr_args("invite-welcome", &[("name", name.into())]),
        InviteRole::Guardian => tr_args("invite-guardian-heading", &[("name", name.into())]),
    };
    rsx! {
        section { id: "choose-password", class: "card",
            h1 { id: "invite-heading", "{heading}" }
            p { id: "invite-practice",
                strong { "{invite.practice.name}" }
                " "
                {tr("invite-practice-invited")}
                " "
                strong { "{invite.email_hint}" }
                {tr("invite-practice-end")}
            }
            p { id: "invite-expiry", class: "hint",
                {tr_args("invite-expiry", &[("date", expiry_text(&invite).into())])}
            }
            div { id: "invite-address", class: "address-check",
                p {
                    {tr("invite-address-intro")}
                    " "
                    strong { id: "invite-address-hint", "{invite.email_hint}" }
                }
                if hint_on_device == HintOnDevice::MatchesNone {
                    p { id: "invite-address-unknown", class: "notice", role: "alert",
                        {tr("invite-address-unknown")}
                    }
                }
                if !invite.account_exists {
                    label { r#for: "confirm-address", class: "check",
                        input {
                            id: "confirm-address",
                            r#type: "checkbox",
                            checked: confirmed(),
                            onchange: move |e| confirmed.set(e.checked()),
                        }
                        " "
                        {tr("invite-address-confirm")}
                    }
                }
            }
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            if invite.account_exists {
                div { id: "account-exists", class: "notice",
                    p { {tr_args("invite-account-exists", &[("name", invite.patient_first_name.as_str().into())])} }
                    button { id: "sign-in-to-claim", onclick: move |_| go(bridge::show_sign_in(), on_screen), {tr("onboarding-sign-in")} }
                }
            }
            NewPasswordForm {
                submit_label: tr("invite-set-password"),
                busy_label: tr("invite-setting-password"),
                hidden: invite.account_exists,
                held_back: !confirmed(),
                purpose: Purpose::Invite,
                on_screen,
            }
            button { class: "link", onclick: move |_| start_over(on_screen), {tr("invite-not-me")} }
        }
    }
}
