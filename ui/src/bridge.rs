//! The bridge to the Tauri shell: commands (`window.__TAURI__.core.invoke`) and the
//! screen event (`window.__TAURI__.event.listen`).

use portal_model::desktop::{Notice, SCREEN_EVENT, Screen};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// The shell's commands, with their arguments.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Command {
    AppStatus,
    OpenLink {
        link: String,
    },
    PasswordPolicy,
    AcceptInvite {
        password: String,
    },
    StartOver,
    RenewInvite,
    ShowSignIn,
    SignIn {
        email: String,
        password: String,
    },
    SignOut,
    CompleteReset {
        password: String,
    },
    ShowForgotPassword,
    RequestReset {
        email: String,
    },
    SubmitJoin {
        details: portal_model::JoinRequest,
    },
    Unlock {
        password: String,
    },
    Touch,
    LockNow,
    SelectProfile {
        #[serde(rename = "patientId")]
        patient_id: String,
    },
    SwitchAccount {
        #[serde(rename = "accountId")]
        account_id: String,
    },
    AddAccount,
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Self::AppStatus => "app_status",
            Self::OpenLink { .. } => "open_link",
            Self::PasswordPolicy => "password_policy",
            Self::AcceptInvite { .. } => "accept_invite",
            Self::StartOver => "start_over",
            Self::RenewInvite => "renew_invite",
            Self::ShowSignIn => "show_sign_in",
            Self::SignIn { .. } => "sign_in",
            Self::SignOut => "sign_out",
            Self::CompleteReset { .. } => "complete_reset",
            Self::ShowForgotPassword => "show_forgot_password",
            Self::RequestReset { .. } => "request_reset",
            Self::SubmitJoin { .. } => "submit_join",
            Self::Unlock { .. } => "unlock",
            Self::Touch => "touch",
            Self::LockNow => "lock_now",
            Self::SelectProfile { .. } => "select_profile",
            Self::SwitchAccount { .. } => "switch_account",
            Self::AddAccount => "add_account",
        }
    }
}

fn bridge_notice(detail: String) -> Notice {
    Notice {
        code: "bridge".to_owned(),
        title: "The app could not start properly".to_owned(),
        detail,
    }
}

/// Calls a shell command. A failure arrives as the shell's [`Notice`].
pub async fn invoke<T: DeserializeOwned>(command: Command) -> Result<T, Notice> {
    let args = match &command {
        Command::AppStatus
        | Command::PasswordPolicy
        | Command::StartOver
        | Command::RenewInvite
        | Command::Touch
        | Command::LockNow
        | Command::AddAccount => JsValue::from(js_sys::Object::new()),
        other => serde_wasm_bindgen::to_value(other)
            .map_err(|e| bridge_notice(format!("Encoding a request failed: {e}")))?,
    };
    match tauri_invoke(command.name(), args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value)
            .map_err(|e| bridge_notice(format!("The shell's answer was not understood: {e}"))),
        Err(error) => Err(serde_wasm_bindgen::from_value::<Notice>(error.clone())
            .unwrap_or_else(|_| bridge_notice(format!("{error:?}")))),
    }
}

/// Calls `on_screen` with every screen the shell announces, for the app's lifetime.
pub async fn listen_screens(mut on_screen: impl FnMut(Screen) + 'static) -> Result<(), Notice> {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload = js_sys::Reflect::get(&event, &JsValue::from_str("payload"))
            .ok()
            .and_then(|p| serde_wasm_bindgen::from_value::<Screen>(p).ok());
        if let Some(screen) = payload {
            on_screen(screen);
        }
    });
    tauri_listen(SCREEN_EVENT, &handler)
        .await
        .map_err(|e| bridge_notice(format!("Listening for updates failed: {e:?}")))?;
    // The listener lives as long as the page.
    handler.forget();
    Ok(())
}
