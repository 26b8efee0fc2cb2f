//! Hello, world, in Dioxus on the web renderer: what any Dioxus app ships before its own
//! code, measured beside the desktop app's UI.

use dioxus::prelude::*;

/// The wasm entry point: mounts the hello world on `#main`.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    dioxus::launch(App);
}

#[component]
fn App() -> Element {
    rsx! {
        h1 { "Hello, world" }
    }
}
