//! The frame around every signed-in page: who is signed in and whom they are looking
//! at, the sections (with the unread count), the sync line, and lock and sign-out.

use super::{Route, use_session};
use crate::bridge;
use crate::i18n::{tr, tr_args};
use crate::live::{Loaded, use_view};
use crate::screens::{NoticeBox, go};
use dioxus::prelude::*;
use portal_model::InviteRole;
use portal_model::desktop::{SyncBar, View, ViewData};

/// The live home view the frame keeps open for every page.
#[derive(Clone, Copy)]
pub struct SharedHome(pub Signal<Loaded>);

#[component]
pub fn Frame() -> Element {
    let session = use_session();
    let mut leaving = use_signal(|| false);
    // The home's numbers (the unread badge here, and the home page itself): one view.
    let home = use_view(use_memo(|| View::Home));
    use_context_provider(|| SharedHome(home));
    // A clicked notification's conversation, once signed in (after an unlock too).
    let crate::live::OpenThread(mut open_thread) = use_context::<crate::live::OpenThread>();
    let navigator = use_navigator();
    use_effect(move || {
        if let Some(id) = open_thread() {
            open_thread.set(None);
            navigator.push(Route::Conversation { id });
        }
    });
    let unread = match &*home.read() {
        Loaded::Ready(ViewData::Home(view)) => view.home.unread_messages,
        _ => 0,
    };
    let current = session.read().current_profile().cloned();
    let greeting = match &current {
        Some(profile) if profile.role == InviteRole::Patient => tr_args(
            "greeting-self",
            &[("name", profile.first_name.clone().into())],
        ),
        Some(profile) => tr_args(
            "greeting-other",
            &[("name", profile.first_name.clone().into())],
        ),
        None => tr("greeting-none"),
    };
    let (email, notice, on_screen) = {
        let s = session.read();
        (s.account.email.clone(), s.notice.clone(), s.on_screen)
    };
    rsx! {
        section { id: "signed-in", class: "signed-in",
            header { class: "page-header",
                div {
                    h1 { id: "signed-in-title", "{greeting}" }
                    p { class: "muted", {tr("signed-in-as")}, " ", strong { id: "signed-in-email", "{email}" } }
                }
                div { class: "actions",
                    button { id: "lock-now", onclick: move |_| go(bridge::lock_now(), on_screen), {tr("lock")} }
                    button {
                        id: "sign-out",
                        disabled: leaving(),
                        onclick: move |_| {
                            leaving.set(true);
                            go(bridge::sign_out(), on_screen);
                        },
                        if leaving() { {tr("signing-out")} } else { {tr("sign-out")} }
                    }
                }
            }
            nav { class: "sections", aria_label: tr("nav-label"),
                Link { id: "nav-home", to: Route::Home {}, active_class: "active", {tr("nav-home")} }
                Link { id: "nav-appointments", to: Route::Appointments {}, active_class: "active", {tr("nav-appointments")} }
                Link { id: "nav-messages", to: Route::Messages {}, active_class: "active",
                    {tr("nav-messages")}
                    if unread > 0 {
                        span { class: "badge", id: "unread-badge",
                            aria_label: tr_args("unread-badge", &[("count", unread.into())]),
                            "{unread}"
                        }
                    }
                }
                Link { id: "nav-billing", to: Route::Billing {}, active_class: "active", {tr("nav-billing")} }
                Link { id: "nav-documents", to: Route::Documents {}, active_class: "active", {tr("nav-documents")} }
                Link { id: "nav-forms", to: Route::Forms {}, active_class: "active", {tr("nav-forms")} }
                Link { id: "nav-profile", to: Route::Profile {}, active_class: "active", {tr("nav-profile")} }
                Link { id: "nav-search", to: Route::Search {}, active_class: "active", {tr("nav-search")} }
                Link { id: "nav-account", to: Route::Account {}, active_class: "active", {tr("nav-account")} }
                Link { id: "nav-settings", to: Route::Settings {}, active_class: "active", {tr("nav-settings")} }
            }
            SyncLine {}
            if let Some(notice) = notice {
                NoticeBox { notice }
            }
            div { class: "page", Outlet::<Route> {} }
        }
    }
}

/// Offline, updating, or when the copy was last brought up to date; a first sync's
/// progress.
#[component]
fn SyncLine() -> Element {
    let bar = use_context::<Signal<SyncBar>>();
    let session = use_session();
    // "N minutes ago" moves on by itself.
    let mut now = use_signal(chrono::Utc::now);
    use_future(move || async move {
        loop {
            crate::sleep_ms(30_000).await;
            now.set(chrono::Utc::now());
        }
    });
    let bar = bar.read().clone();
    let offline = bar.offline || session.read().offline;
    rsx! {
        div { class: "sync-line", id: "sync-line", role: "status",
            if offline {
                div { id: "offline", class: "offline-banner",
                    span { {tr("offline-banner")} }
                    button { class: "link", id: "try-now",
                        onclick: move |_| { spawn(async move { let _ = bridge::sync_now().await; }); },
                        {tr("offline-try-now")}
                    }
                }
            }
            if let Some(count) = bar.first_sync {
                div { class: "first-sync", id: "first-sync",
                    p { {tr_args("first-sync", &[("count", count.into())])} }
                    progress { aria_label: tr_args("first-sync", &[("count", count.into())]) }
                }
            } else if bar.syncing {
                span { class: "muted", id: "updating", {tr("updating")} }
            } else if let Some(at) = bar.updated_at {
                span { class: "muted", id: "updated-at", {super::when::updated_ago(at, now())} }
            } else {
                span { class: "muted", id: "not-updated", {tr("not-updated-yet")} }
            }
        }
    }
}
