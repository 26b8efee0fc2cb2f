//! Settings: the app's language, the idle lock, notifications, the account's password,
//! signing out of every account on this computer, the practice's address, and what the
//! app is made of.

use super::use_session;
use crate::bridge;
use crate::i18n::tr;
use crate::screens::{NoticeBox, go};
use dioxus::prelude::*;
use portal_model::desktop::Notice;

/// Which language the screens speak: the app's root is keyed on it, so that a change
/// redraws every word.
#[derive(Clone, Copy)]
pub struct LanguageChoice(pub Signal<&'static str>);

#[component]
pub fn Settings() -> Element {
    let session = use_session();
    let on_screen = session.read().on_screen;
    let about = use_resource(|| bridge::about());
    let mut leaving = use_signal(|| false);
    rsx! {
        section { id: "settings", class: "card",
            h2 { {tr("settings-title")} }
            LanguagePicker {}
            IdleLock {}
            NotificationDetail {}
            ChangePassword {}
            h3 { {tr("settings-sign-out")} }
            p { class: "muted", {tr("settings-sign-out-hint")} }
            div { class: "actions",
                button {
                    id: "sign-out-everywhere",
                    disabled: leaving(),
                    onclick: move |_| {
                        leaving.set(true);
                        go(bridge::sign_out_all(), on_screen);
                    },
                    if leaving() { {tr("signing-out")} } else { {tr("settings-sign-out-all")} }
                }
            }
            match &*about.read() {
                Some(Ok(about)) => rsx! {
                    if let Some(server) = about.server.clone() {
                        Practice { server, fixed: about.practice_fixed }
                    }
                    h3 { {tr("settings-about")} }
                    p { id: "about-version", {crate::i18n::tr_args("settings-version", &[("version", about.version.clone().into())])} }
                    p { class: "muted", {tr("settings-licence")} }
                    Components {}
                },
                Some(Err(notice)) => rsx! { NoticeBox { notice: notice.clone() } },
                None => rsx! { p { class: "muted", {tr("loading")} } },
            }
        }
    }
}

/// The practice's portal, and the way to another practice's: every account here is
/// signed out first (their copies go), then the app asks for the new address.
#[component]
fn Practice(server: String, fixed: bool) -> Element {
    let session = use_session();
    let on_screen = session.read().on_screen;
    let mut asking = use_signal(|| false);
    let mut leaving = use_signal(|| false);
    rsx! {
        h3 { {tr("settings-practice")} }
        p { class: "muted", {tr("settings-practice-hint")} }
        p { id: "about-server", strong { "{server}" } }
        if fixed {
            p { id: "practice-fixed", class: "muted", {tr("settings-practice-fixed")} }
        } else if asking() {
            div { id: "change-practice-confirm", class: "notice",
                p { {tr("settings-change-practice-warning")} }
                div { class: "actions",
                    button {
                        id: "change-practice-yes",
                        disabled: leaving(),
                        onclick: move |_| {
                            leaving.set(true);
                            go(bridge::change_practice(), on_screen);
                        },
                        if leaving() { {tr("signing-out")} } else { {tr("settings-change-practice-confirm")} }
                    }
                    button {
                        id: "change-practice-no",
                        class: "link",
                        disabled: leaving(),
                        onclick: move |_| asking.set(false),
                        {tr("settings-change-practice-keep")}
                    }
                }
            }
        } else {
            div { class: "actions",
                button {
                    id: "change-practice",
                    class: "link",
                    onclick: move |_| asking.set(true),
                    {tr("settings-change-practice")}
                }
            }
        }
    }
}

/// The third-party components and their licences, fetched from the shell when asked
/// for (a few hundred lines nobody needs on every visit).
#[component]
fn Components() -> Element {
    let mut shown = use_signal(|| false);
    let list = use_resource(move || async move {
        if shown() {
            Some(bridge::licences().await)
        } else {
            None
        }
    });
    rsx! {
        h4 { {tr("settings-components")} }
        p { class: "muted", {tr("settings-components-hint")} }
        match &*list.read() {
            Some(Some(Ok(components))) => rsx! {
                p { id: "components-count", {crate::i18n::tr_args("settings-components-count", &[("count", components.len().into())])} }
                ul { id: "components", class: "components",
                    for component in components.iter() {
                        li { key: "{component.name}-{component.version}",
                            span { class: "component-name", "{component.name} {component.version}" }
                            " "
                            span { class: "muted", "{component.licence}" }
                        }
                    }
                }
            },
            Some(Some(Err(notice))) => rsx! { NoticeBox { notice: notice.clone() } },
            Some(None) => rsx! {
                div { class: "actions",
                    button {
                        id: "show-components",
                        class: "link",
                        onclick: move |_| shown.set(true),
                        {tr("settings-components-show")}
                    }
                }
            },
            None => rsx! { p { class: "muted", {tr("loading")} } },
        }
    }
}

/// The languages the app speaks, each named in itself.
#[component]
fn LanguagePicker() -> Element {
    let LanguageChoice(mut chosen) = use_context::<LanguageChoice>();
    let mut failed = use_signal(|| None::<Notice>);
    rsx! {
        h3 { {tr("settings-language")} }
        label { r#for: "settings-language", class: "muted", {tr("settings-language-hint")} }
        select {
            id: "settings-language",
            onchange: move |event| {
                let tag = event.value();
                spawn(async move {
                    match bridge::set_language(tag.clone()).await {
                        Ok(()) => {
                            if let Some(language) = portal_i18n::by_tag(&tag) {
                                crate::i18n::set_language(language);
                                chosen.set(language.tag);
                            }
                        }
                        Err(notice) => failed.set(Some(notice)),
                    }
                });
            },
            for language in portal_i18n::LANGUAGES.iter().copied() {
                option {
                    key: "{language.tag}",
                    value: "{language.tag}",
                    selected: chosen() == language.tag,
                    lang: "{language.tag}",
                    "{language.name}"
                }
            }
        }
        if let Some(notice) = failed() {
            NoticeBox { notice }
        }
    }
}

/// The idle lock's choices, in seconds (the core allows 30 s to 24 h).
const IDLE_CHOICES: &[u64] = &[60, 300, 900, 1800, 3600, 14_400];

/// "5 minutes", "4 hours", "30 seconds".
fn idle_words(seconds: u64) -> String {
    if seconds % 3600 == 0 {
        crate::i18n::tr_args("settings-idle-hours", &[("hours", (seconds / 3600).into())])
    } else if seconds % 60 == 0 {
        crate::i18n::tr_args(
            "settings-idle-minutes",
            &[("minutes", (seconds / 60).into())],
        )
    } else {
        crate::i18n::tr_args("settings-idle-seconds", &[("seconds", seconds.into())])
    }
}

/// How long without use before the app locks.
#[component]
fn IdleLock() -> Element {
    let mut current = use_resource(|| bridge::idle_lock_seconds());
    let mut failed = use_signal(|| None::<Notice>);
    let now = match &*current.read() {
        Some(Ok(seconds)) => Some(*seconds),
        _ => None,
    };
    let mut choices = IDLE_CHOICES.to_vec();
    if let Some(seconds) = now
        && !choices.contains(&seconds)
    {
        choices.push(seconds);
        choices.sort_unstable();
    }
    rsx! {
        h3 { {tr("settings-idle-lock")} }
        label { r#for: "idle-lock", class: "muted", {tr("settings-idle-hint")} }
        select {
            id: "idle-lock",
            onchange: move |event| {
                let Ok(seconds) = event.value().parse::<u64>() else { return };
                spawn(async move {
                    match bridge::set_idle_lock_seconds(seconds).await {
                        Ok(()) => {
                            failed.set(None);
                            current.restart();
                        }
                        Err(notice) => failed.set(Some(notice)),
                    }
                });
            },
            for seconds in choices {
                option { key: "{seconds}", value: "{seconds}", selected: now == Some(seconds), {idle_words(seconds)} }
            }
        }
        if let Some(notice) = failed() {
            NoticeBox { notice }
        }
    }
}

/// Whether notifications name the sender (off by default: no health information on
/// the screen).
#[component]
fn NotificationDetail() -> Element {
    let mut shown = use_resource(|| bridge::notification_detail());
    let mut failed = use_signal(|| None::<Notice>);
    let checked = matches!(&*shown.read(), Some(Ok(true)));
    rsx! {
        h3 { {tr("settings-notifications")} }
        div { class: "address-check",
            label { r#for: "notify-sender", class: "check",
                input {
                    id: "notify-sender",
                    r#type: "checkbox",
                    checked,
                    onchange: move |event| {
                        let on = event.checked();
                        spawn(async move {
                            match bridge::set_notification_detail(on).await {
                                Ok(()) => shown.restart(),
                                Err(notice) => failed.set(Some(notice)),
                            }
                        });
                    },
                }
                " "
                {tr("settings-notify-sender")}
            }
        }
        p { class: "hint", {tr("settings-notify-hint")} }
        if let Some(notice) = failed() {
            NoticeBox { notice }
        }
    }
}

/// The current password and a new one, typed twice. The shell checks the new one
/// against the policy before anything is sent; the practice ends the other sessions.
#[component]
fn ChangePassword() -> Element {
    let mut current = use_signal(String::new);
    let mut new = use_signal(String::new);
    let mut again = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut outcome = use_signal(|| None::<Result<(), Notice>>);
    let matches = !new().is_empty() && new() == again();
    let ready = !current().is_empty() && matches && !busy();
    let onsubmit = move |event: FormEvent| {
        event.prevent_default();
        busy.set(true);
        outcome.set(None);
        spawn(async move {
            let result = bridge::change_password(current(), new()).await;
            if result.is_ok() {
                current.set(String::new());
                new.set(String::new());
                again.set(String::new());
            }
            outcome.set(Some(result));
            busy.set(false);
        });
    };
    rsx! {
        h3 { {tr("settings-password")} }
        form { id: "change-password", class: "stack", onsubmit,
            label { r#for: "current-password", {tr("settings-current-password")} }
            input { id: "current-password", r#type: "password", autocomplete: "current-password",
                value: "{current}", oninput: move |e| current.set(e.value()) }
            label { r#for: "new-password", {tr("password-new")} }
            input { id: "new-password", r#type: "password", autocomplete: "new-password",
                value: "{new}", oninput: move |e| new.set(e.value()) }
            label { r#for: "new-password-again", {tr("password-again")} }
            input { id: "new-password-again", r#type: "password", autocomplete: "new-password",
                value: "{again}", oninput: move |e| again.set(e.value()) }
            if !again().is_empty() && !matches {
                p { class: "hint", id: "new-password-mismatch", {tr("settings-password-mismatch")} }
            }
            p { class: "hint", {tr("password-hint")} }
            button { id: "change-password-submit", r#type: "submit", disabled: !ready,
                if busy() { {tr("reset-changing-password")} } else { {tr("reset-change-password")} }
            }
            match outcome() {
                Some(Ok(())) => rsx! { p { id: "password-changed", role: "status", class: "pending", {tr("settings-password-changed")} } },
                Some(Err(notice)) => rsx! { NoticeBox { notice } },
                None => rsx! {},
            }
        }
    }
}
