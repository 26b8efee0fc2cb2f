//! The desktop commands, declared once: the shell's handler list, its build script's
//! permissions and capability, and the UI's typed calls are all generated from
//! [`desktop_commands!`](crate::desktop_commands).

/// Calls the macro named `$then` with every desktop command, one per line:
/// `name(argument: Type, ...) -> Answer;`. The shell implements each as
/// `commands::name`; the UI calls it as `bridge::name(...)`, with the arguments sent in
/// camelCase (Tauri's convention) and the answer or a `Notice` back.
#[macro_export]
macro_rules! desktop_commands {
    ($then:ident) => {
        $then! {
            // Onboarding and the session (the core's flow).
            app_status() -> $crate::desktop::Screen;
            choose_server(address: String) -> $crate::desktop::Screen;
            ui_language() -> String;
            open_link(link: String) -> $crate::desktop::Screen;
            password_policy() -> $crate::PasswordPolicy;
            check_password(password: String) -> $crate::PasswordCheck;
            accept_invite(password: String) -> $crate::desktop::Screen;
            start_over() -> $crate::desktop::Screen;
            renew_invite() -> $crate::desktop::Screen;
            show_sign_in() -> $crate::desktop::Screen;
            sign_in(email: String, password: String) -> $crate::desktop::Screen;
            sign_out() -> $crate::desktop::Screen;
            complete_reset(password: String) -> $crate::desktop::Screen;
            show_forgot_password() -> $crate::desktop::Screen;
            request_reset(email: String) -> $crate::desktop::Screen;
            submit_join(details: $crate::JoinRequest) -> $crate::desktop::Screen;
            unlock(password: String) -> $crate::desktop::Screen;
            touch() -> ();
            lock_now() -> $crate::desktop::Screen;
            select_profile(patient_id: String) -> $crate::desktop::Screen;
            switch_account(account_id: String) -> $crate::desktop::Screen;
            add_account() -> $crate::desktop::Screen;
            // Settings.
            set_language(tag: String) -> ();
            change_password(current: String, new: String) -> ();
            sign_out_all() -> $crate::desktop::Screen;
            change_practice() -> $crate::desktop::Screen;
            about() -> $crate::desktop::About;
            licences() -> Vec<$crate::desktop::Component>;
            notification_detail() -> bool;
            set_notification_detail(show_sender: bool) -> ();
            idle_lock_seconds() -> u64;
            set_idle_lock_seconds(seconds: u64) -> ();
            // The signed-in pages: live views of the offline copy, and the writes.
            open_view(view: $crate::desktop::View) -> $crate::desktop::ViewUpdate;
            close_view(watch: u64) -> ();
            sync_status() -> $crate::desktop::SyncBar;
            sync_now() -> $crate::desktop::SyncBar;
            send_message(to: $crate::desktop::MessageTo, body: String, files: Vec<$crate::desktop::PickedFile>) -> $crate::desktop::Sent;
            retry_write(id: String) -> ();
            discard_write(id: String) -> ();
            mark_read(thread_id: String, up_to: String) -> ();
            cancel_appointment(id: String, reason: Option<String>) -> ();
            confirm_appointment(id: String) -> ();
            join_telehealth(appointment_id: String) -> ();
            download_document(id: String) -> $crate::views::DocumentStatus;
            pin_document(id: String) -> $crate::views::DocumentStatus;
            unpin_document(id: String) -> ();
            open_document(id: String) -> ();
            upload_document(title: String, file: $crate::desktop::PickedFile) -> ();
            save_form(form_id: String, answers: $crate::writes::FormAnswers, submit: bool) -> ();
            update_contact(change: $crate::writes::ContactChange) -> ();
            keep_my_contact(write_id: String) -> ();
            search(query: String) -> Vec<$crate::views::SearchHit>;
        }
    };
}

macro_rules! command_names {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $answer:ty;)*) => {
        /// The name of every desktop command, in declaration order.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

crate::desktop_commands!(command_names);

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    #[test]
    fn every_command_is_named_once_in_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for name in COMMANDS {
            assert!(seen.insert(name), "{name} is declared twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
        }
        assert!(COMMANDS.contains(&"app_status") && COMMANDS.contains(&"open_view"));
    }
}
