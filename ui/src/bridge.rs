//! The bridge to the Tauri shell, through the IPC that Tauri always injects
//! (`window.__TAURI_INTERNALS__`), so the app needs no global API (`withGlobalTauri`).
//! One typed async function per desktop command is generated from the one command list
//! (`portal_model::desktop_commands!`); events arrive through `listen`.

use portal_model::desktop::Notice;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
    async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// Registers a callback the shell can call by number (events).
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = transformCallback)]
    fn transform_callback(callback: &Closure<dyn FnMut(JsValue)>, once: bool) -> u32;
}

fn bridge_notice(detail: String) -> Notice {
    Notice {
        code: "bridge".to_owned(),
        title: crate::i18n::tr("bridge-failed"),
        detail,
    }
}

/// Calls the shell's command `name` with `args` (an object of camelCase fields). A
/// failure arrives as the shell's [`Notice`].
async fn invoke<T: DeserializeOwned>(name: &str, args: &impl Serialize) -> Result<T, Notice> {
    let args = args
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| bridge_notice(format!("Encoding a request failed: {e}")))?;
    match tauri_invoke(name, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value)
            .map_err(|e| bridge_notice(format!("The shell's answer was not understood: {e}"))),
        Err(error) => Err(serde_wasm_bindgen::from_value::<Notice>(error.clone())
            .unwrap_or_else(|_| bridge_notice(format!("{error:?}")))),
    }
}

/// One `pub async fn name(args) -> Result<Answer, Notice>` per desktop command.
macro_rules! command_calls {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $answer:ty;)*) => {
        $(
            #[allow(dead_code, clippy::unused_unit)]
            pub async fn $name($($arg: $ty),*) -> Result<$answer, Notice> {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Args {
                    $($arg: $ty),*
                }
                invoke(stringify!($name), &Args { $($arg),* }).await
            }
        )*
    };
}

portal_model::desktop_commands!(command_calls);

/// Calls `on_event` with the payload of every `event` the shell emits, for the life of
/// the page.
pub async fn listen<T: DeserializeOwned + 'static>(
    event: &str,
    mut on_event: impl FnMut(T) + 'static,
) -> Result<(), Notice> {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload = js_sys::Reflect::get(&event, &JsValue::from_str("payload"))
            .ok()
            .and_then(|p| serde_wasm_bindgen::from_value::<T>(p).ok());
        if let Some(payload) = payload {
            on_event(payload);
        }
    });
    #[derive(Serialize)]
    struct Target {
        kind: &'static str,
    }
    #[derive(Serialize)]
    struct Listen<'a> {
        event: &'a str,
        target: Target,
        handler: u32,
    }
    let args = Listen {
        event,
        target: Target { kind: "Any" },
        handler: transform_callback(&handler, false),
    };
    invoke::<u32>("plugin:event|listen", &args)
        .await
        .map_err(|n| bridge_notice(format!("Listening for updates failed: {}", n.detail)))?;
    // The listener lives as long as the page.
    handler.forget();
    Ok(())
}
