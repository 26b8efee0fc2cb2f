//! The desktop app's screens, in Dioxus, compiled to wasm32 and loaded by Tauri.
//!
//! The UI holds no business rules: it draws the [`Screen`] the shell sends and passes on
//! what the person typed. The one rule it evaluates itself is the password policy's live
//! checklist, with the policy the shell fetched from the server.

mod bridge;
mod screens;

use dioxus::prelude::*;
use portal_model::desktop::{Notice, Screen};

/// The wasm entry point: mounts the app on `#main`.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    dioxus::launch(App);
}

/// The root component: follows the shell's screen and draws it.
#[component]
fn App() -> Element {
    let mut current = use_signal(|| None::<Screen>);
    let mut bridge_error = use_signal(|| None::<Notice>);

    use_hook(move || {
        spawn(async move {
            // Listen first, then ask: a change in between is not lost.
            if let Err(notice) = bridge::listen_screens(move |next| current.set(Some(next))).await {
                bridge_error.set(Some(notice));
                return;
            }
            match bridge::invoke::<Screen>(bridge::Command::AppStatus).await {
                Ok(screen) => current.set(Some(screen)),
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
                let _ = bridge::invoke::<()>(bridge::Command::Touch).await;
            });
        }
    };
    let on_key = {
        let touched = touched.clone();
        move |_: KeyboardEvent| touched()
    };
    rsx! {
        div { class: "app", onkeydown: on_key, onmousedown: move |_| touched(),
            header { class: "brand",
                span { class: "brand-mark", "+" }
                span { class: "brand-name", "Patient Portal" }
            }
            main { class: "content", {body} }
        }
    }
}
