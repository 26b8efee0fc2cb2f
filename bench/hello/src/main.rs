//! A Tauri hello world: one window with one list, marked ready as soon as it is drawn.
//! The desktop start-up benchmark compares the app's first cached list with this
//! window's first paint, both built in release on the same machine.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("the hello world could not run: {error}");
        std::process::exit(1);
    }
}
