//! The desktop shell: builds the Tauri app, routes deep links to core, and exposes
//! commands the Dioxus UI calls. Business rules live in `portal-core`.

mod alerts;
mod commands;
mod config;
mod files;
mod licences;
mod notices;
mod pages;
mod settings;
mod shell;
mod status;
mod words;

use portal_core::config::DEFAULT_SCHEME;
use shell::Shell;
use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;

/// The one link argument a launch may carry: `patient-portal LINK`.
fn link_argument<I: IntoIterator<Item = String>>(args: I) -> Option<String> {
    let mut args = args.into_iter().skip(1).filter(|a| !a.starts_with('-'));
    let link = args.next()?;
    // More than one positional argument is not a link launch.
    if args.next().is_some() {
        return None;
    }
    Some(link)
}

/// True for links the deep-link plugin delivers itself (the app's own scheme); the shell
/// handles every other argument, such as an https invite link, so each is handled once.
fn is_custom_scheme(link: &str) -> bool {
    link.get(..DEFAULT_SCHEME.len() + 1)
        .is_some_and(|head| head.eq_ignore_ascii_case(&format!("{DEFAULT_SCHEME}:")))
}

/// The handler of every command of `portal_model::desktop_commands!`, each implemented
/// as `commands::name`.
macro_rules! command_handler {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $answer:ty;)*) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

/// Builds and runs the app until its last window closes.
pub fn run() {
    // The deep-link plugin logs unrecognised arguments in full, and an https invite
    // link is one: keep its chatter out of the log whatever RUST_LOG says.
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "{filter},tauri_plugin_deep_link=off"
        )))
        .with_writer(std::io::stderr)
        .init();

    let config = config::DesktopConfig::from_env();
    let result = tauri::Builder::default()
        // First, so that a second launch hands its link over and exits early.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
            // patientportal:// links were already forwarded to the deep-link plugin.
            if let Some(link) = link_argument(argv).filter(|l| !is_custom_scheme(l)) {
                shell::open_link_in_background(app.clone(), link);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(portal_model::desktop_commands!(command_handler))
        .setup(move |app| {
            // The offline copies go to the app's data directory unless configured: the
            // shell is made here, once Tauri knows where that is.
            let mut config = config;
            if config.data_dir.is_none() {
                match app.path().app_data_dir() {
                    Ok(dir) => config.data_dir = Some(dir),
                    Err(error) => {
                        tracing::warn!(%error, "no data directory: nothing is kept offline");
                    }
                }
            }
            let kept = settings::load(config.data_dir.as_deref());
            let language = words::choose(kept.language.as_deref(), config.language.as_deref());
            // PORTAL_SERVER_URL first (the demo, managed installs), else the first run's
            // choice; with neither, the app asks.
            if config.server_url.is_none() {
                config.server_url = kept.server_url;
            }
            words::set(language);
            tracing::info!(language = language.tag, "language");
            app.manage(Shell::new(config));
            // Off the start-up's path: on Linux it runs update-desktop-database and
            // xdg-mime (a shell script) at every start, tens of milliseconds the window
            // need not wait for.
            #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
            {
                let handle = app.handle().clone();
                std::thread::spawn(move || {
                    if let Err(error) = handle.deep_link().register_all() {
                        tracing::warn!(%error, "could not register the patientportal:// link handler");
                    }
                });
            }
            // The deep-link plugin delivers patientportal:// links: as events on macOS,
            // and on Linux and Windows from the arguments of this or a second launch.
            // Look for a kept session first; a link opened at launch supersedes it.
            shell::forward_screens(app.handle().clone());
            alerts::watch(app.handle().clone());
            status::forward_sync(app.handle().clone());
            shell::restore_in_background(app.handle().clone());
            shell::watch_idle_lock(app.handle().clone());
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    shell::open_link_in_background(handle.clone(), url.to_string());
                }
            });
            let at_launch = app
                .deep_link()
                .get_current()
                .ok()
                .flatten()
                .unwrap_or_default();
            for url in at_launch {
                shell::open_link_in_background(app.handle().clone(), url.to_string());
            }
            if let Some(link) = link_argument(std::env::args()).filter(|l| !is_custom_scheme(l)) {
                shell::open_link_in_background(app.handle().clone(), link);
            }
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = result {
        tracing::error!(%error, "the app stopped with an error");
        eprintln!("Patient Portal could not run: {error}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::{is_custom_scheme, link_argument};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_apps_own_scheme_is_left_to_the_deep_link_plugin() {
        assert!(is_custom_scheme("patientportal://invite/x"));
        assert!(is_custom_scheme("PatientPortal://invite/x"));
        assert!(!is_custom_scheme("https://portal.example/invite/x"));
        assert!(!is_custom_scheme("patientportalx://invite/x"));
        assert!(!is_custom_scheme("p"));
    }

    /// The UI's rights are exactly the command list and the event listener: the
    /// capability file build.rs writes names nothing more (no `core:default`).
    #[test]
    fn the_window_may_call_the_commands_and_listen_and_nothing_else() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json");
        let capability: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let mut expected: Vec<String> = portal_model::desktop::COMMANDS
            .iter()
            .map(|name| format!("allow-{}", name.replace('_', "-")))
            .chain(std::iter::once("core:event:allow-listen".to_owned()))
            .collect();
        granted.sort();
        expected.sort();
        assert_eq!(granted, expected);
        assert_eq!(capability["windows"], serde_json::json!(["main"]));
    }

    /// The webview runs no plugin objects, keeps its base URL and posts no forms, and
    /// has no global Tauri object.
    #[test]
    fn the_webview_is_held_to_a_strict_policy() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tauri.conf.json");
        let conf: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let csp = conf["app"]["security"]["csp"].as_str().unwrap();
        for directive in [
            "default-src 'self' ipc: http://ipc.localhost",
            "script-src 'self' 'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ] {
            assert!(
                csp.split("; ").any(|d| d == directive),
                "{directive} in {csp}"
            );
        }
        assert!(!csp.split([' ', ';']).any(|token| token == "'unsafe-eval'"));
        assert_ne!(conf["app"]["withGlobalTauri"], serde_json::json!(true));
    }

    #[test]
    fn one_positional_argument_is_the_link() {
        assert_eq!(
            link_argument(args(&["app", "patientportal://invite/x"])).as_deref(),
            Some("patientportal://invite/x")
        );
        assert_eq!(
            link_argument(args(&["app", "--flag", "https://h/invite/x"])).as_deref(),
            Some("https://h/invite/x")
        );
        assert_eq!(link_argument(args(&["app"])), None);
        assert_eq!(link_argument(args(&["app", "a", "b"])), None);
    }
}
