//! The desktop app's screens, in Dioxus, compiled to wasm32 and loaded by Tauri.
//!
//! The UI holds no business rules: it draws the [`Screen`] the shell sends, and once
//! signed in the routed pages (`pages`) draw live views of the offline copy; it passes
//! on what the person typed. The one rule it evaluates itself is the password policy's
//! live checklist, with the policy the shell fetched from the server.

mod bridge;
mod i18n;
mod live;
mod pages;
mod screens;

use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen, SyncBar};
use std::rc::Rc;

/// The wasm entry point: mounts the app on `#main`, with the pages' routes kept in
/// memory (a desktop window has no address bar to keep them in).
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    mark("ui-start");
    // The page's own line for while the wasm loads goes: the screens speak from here on,
    // in the app's language.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".boot").ok().flatten())
    {
        boot.remove();
    }
    dioxus::LaunchBuilder::new()
        .with_context_provider(|| {
            Box::new(Rc::new(dioxus_history::MemoryHistory::default())
                as Rc<dyn dioxus_history::History>)
        })
        .launch(App);
}

/// Marks a step of the start-up on the page's timeline (`performance.mark`), where the
/// desktop benchmark reads where the time went.
pub fn mark(step: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        // A mark that cannot be set only leaves the benchmark's breakdown shorter.
        let _ = performance.mark(step);
    }
}

/// Waits `ms` milliseconds (the browser's timer); at once if there is no window.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduled = web_sys::window().map(|window| {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
        });
        if !matches!(scheduled, Some(Ok(_))) {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The root component: follows the shell's screen and draws it.
#[component]
fn App() -> Element {
    let mut current = use_signal(|| None::<Screen>);
    let mut bridge_error = use_signal(|| None::<Notice>);
    let sync = use_context_provider(|| Signal::new(SyncBar::default()));
    let downloads: live::Downloads = use_context_provider(|| Signal::new(Default::default()));
    let open_thread = use_context_provider(|| live::OpenThread(Signal::new(None)));
    let pages::settings::LanguageChoice(mut language) =
        use_context_provider(|| pages::settings::LanguageChoice(Signal::new(i18n::language().tag)));

    use_hook(move || {
        spawn(async move {
            // Listen first, then ask: a change in between is not lost.
            let screens_heard =
                bridge::listen(portal_model::desktop::SCREEN_EVENT, move |next: Screen| {
                    current.set(Some(next));
                });
            let listening = futures_util::future::try_join(
                screens_heard,
                live::listen(sync, downloads, open_thread),
            );
            // The shell's language (its setting, else the system's), asked for while
            // the listeners are set up: it is needed before the first screen (whose
            // notices come in it), and nothing it says can be missed.
            let (listening, tag) =
                futures_util::future::join(listening, bridge::ui_language()).await;
            if let Err(notice) = listening {
                bridge_error.set(Some(notice));
                return;
            }
            mark("ui-listening");
            if let Ok(tag) = tag
                && let Some(chosen) = portal_i18n::by_tag(&tag)
            {
                i18n::set_language(chosen);
                language.set(chosen.tag);
            }
            spawn(live::refresh_sync(sync));
            match bridge::app_status().await {
                Ok(screen) => {
                    mark("ui-first-screen");
                    current.set(Some(screen));
                }
                Err(notice) => bridge_error.set(Some(notice)),
            }
        });
    });

    let body = match (bridge_error(), current()) {
        (Some(notice), _) => rsx! { screens::Fatal { notice } },
        (None, None) => rsx! { screens::Starting {} },
        (None, Some(screen)) => rsx! {
            screens::Current { screen, on_screen: move |next| current.set(Some(next)) }
        },
    };
    // Use of the app pushes the idle lock back; tell the shell at most every 20 seconds.
    let last_touch = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(0.0_f64)));
    let touched = move || {
        let now = js_sys::Date::now();
        if now - last_touch.get() >= 20_000.0 {
            last_touch.set(now);
            spawn(async move {
                // A failure here only means the lock timer is not pushed back.
                let _ = bridge::touch().await;
            });
        }
    };
    let on_key = {
        let touched = touched.clone();
        move |_: KeyboardEvent| touched()
    };
    // Keyed on the language: a change of language draws every screen anew in it.
    rsx! {
        for tag in std::iter::once(language()) {
            div { key: "{tag}", class: "app", onkeydown: on_key.clone(), onmousedown: {
                    let touched = touched.clone();
                    move |_| touched()
                },
                header { class: "brand",
                    span { class: "brand-mark", "+" }
                    span { class: "brand-name", "Patient Portal" }
                }
                main { class: "content", {body.clone()} }
            }
        }
    }
}
