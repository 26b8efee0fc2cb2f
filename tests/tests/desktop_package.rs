//! The desktop package as a patient gets it: the `.deb` that scripts/package-desktop.sh
//! builds is installed into this machine with dpkg, and the installed
//! `/usr/bin/patient-portal` is started on an invite link with a fresh `HOME`, as the
//! first start after installing would be.
//!
//! Needs `PORTAL_DEB` (the package), root (or sudo without a password) for dpkg, and what
//! the other desktop tests need (see `portal_e2e::desktop`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_e2e::desktop::*;
use portal_e2e::webdriver::Session;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the package puts the app.
const INSTALLED: &str = "/usr/bin/patient-portal";
/// The scheme of the app's own links.
const SCHEME: &str = "x-scheme-handler/patientportal";

/// The package installed with dpkg for the test's length, removed when it ends (passed
/// or failed), so the machine is left as it was.
struct Installed {
    package: String,
}

impl Installed {
    fn install(deb: &Path) -> Self {
        let name = output(
            Command::new("dpkg-deb")
                .arg("--field")
                .arg(deb)
                .arg("Package"),
        );
        let package = name.trim().to_owned();
        assert!(!package.is_empty(), "{} names no package", deb.display());
        let installed = Self { package };
        as_root(&["dpkg", "--install", &deb.to_string_lossy()]);
        installed
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = root_command(&["dpkg", "--purge", &self.package]).status();
    }
}

fn root_command(args: &[&str]) -> Command {
    let root = output(Command::new("id").arg("-u")).trim() == "0";
    let mut command = if root {
        Command::new(args[0])
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("-n").arg(args[0]);
        sudo
    };
    command.args(&args[1..]);
    command
}

fn as_root(args: &[&str]) {
    let out = root_command(args).output().unwrap();
    assert!(
        out.status.success(),
        "{} failed ({}): {}{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn output(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The desktop file `xdg-mime` names as the handler of the app's links, for a person
/// whose home is `home`, and the program its `Exec` line starts (found on `PATH` when
/// the line names it without a folder).
fn link_handler(home: &Path) -> (PathBuf, PathBuf) {
    let name = output(
        Command::new("xdg-mime")
            .args(["query", "default", SCHEME])
            .env("HOME", home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_DIRS")
            .env_remove("XDG_CONFIG_DIRS"),
    );
    let name = name.trim();
    assert!(!name.is_empty(), "xdg-mime names no handler for {SCHEME}");
    let file = [
        home.join(".local/share/applications"),
        PathBuf::from("/usr/local/share/applications"),
        PathBuf::from("/usr/share/applications"),
    ]
    .into_iter()
    .map(|dir| dir.join(name))
    .find(|path| path.exists())
    .unwrap_or_else(|| panic!("the handler {name} is in no applications folder"));
    let entry = std::fs::read_to_string(&file).unwrap();
    let exec = entry
        .lines()
        .find_map(|line| line.strip_prefix("Exec="))
        .unwrap_or_else(|| panic!("{} has no Exec line:\n{entry}", file.display()));
    let program = exec
        .split_whitespace()
        .next()
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let program = if program.contains('/') {
        PathBuf::from(program)
    } else {
        let found = output(Command::new("sh").args(["-c", &format!("command -v {program}")]));
        PathBuf::from(found.trim())
    };
    assert!(
        exec.contains("%u") || exec.contains("%U"),
        "{} does not pass the link on: Exec={exec}",
        file.display()
    );
    (file, program)
}

#[tokio::test]
#[ignore = "needs the .deb (PORTAL_DEB), root, tauri-driver, a display and a keyring: run scripts/test.sh"]
async fn the_installed_package_opens_an_invite_link_with_a_fresh_home_and_handles_the_apps_links() {
    let _one = ONE_APP.lock().await;
    let deb = env_path("PORTAL_DEB");
    let installed = Installed::install(&deb);

    // What the package put in place: the program, its menu entry, its icons.
    assert!(Path::new(INSTALLED).is_file(), "{INSTALLED} is missing");
    let files = output(Command::new("dpkg").args(["--listfiles", &installed.package]));
    for size in ["32x32", "64x64", "128x128", "512x512"] {
        let icon = format!("/usr/share/icons/hicolor/{size}/apps/patient-portal.png");
        assert!(
            files.lines().any(|f| f == icon),
            "no {icon} in the package:\n{files}"
        );
    }
    let menu_entry = files
        .lines()
        .find(|f| f.starts_with("/usr/share/applications/") && f.ends_with(".desktop"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no menu entry in the package:\n{files}"));
    let entry = std::fs::read_to_string(&menu_entry).unwrap();
    assert!(
        entry.contains(SCHEME),
        "the menu entry claims no links:\n{entry}"
    );
    let validated = Command::new("desktop-file-validate")
        .arg(&menu_entry)
        .output()
        .unwrap();
    assert!(
        validated.status.success() && validated.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&validated.stdout)
    );

    // Before the first start: the system's menu entry handles the app's links.
    let home = tempfile::tempdir().unwrap();
    let (file, program) = link_handler(home.path());
    assert_eq!(file, menu_entry);
    assert_eq!(program, Path::new(INSTALLED), "handler {}", file.display());

    // The installed app, started on an invite link by someone who never ran it: the
    // first run offers the link's own practice, then the password, then home.
    let practice = start_practice();
    let invited = practice
        .admin()
        .invite_new_patient("Jordan", "jordan@example.com")
        .await;
    let (_driver, driver_url) = start_driver_at_home(home.path());
    let session = Session::start(
        &driver_url,
        capabilities_of(Path::new(INSTALLED), &[&invited.link]),
    )
    .await
    .unwrap();
    let field = session.wait_for("#server-address", WAIT).await.unwrap();
    assert_eq!(
        session.property(&field, "value").await.unwrap(),
        practice.base_url()
    );
    click_when_enabled(&session, "#choose-server-submit").await;
    choose_password(&session).await;
    session.wait_for("#home[data-ready]", WAIT).await.unwrap();
    save_screenshot(&session, "desktop-installed-home.png").await;
    session.end().await.unwrap();

    // The app kept what it learnt in the fresh home's data folder, and nowhere else.
    let data = home.path().join(".local/share/org.patientportal.desktop");
    let settings = std::fs::read_to_string(data.join("settings.json")).unwrap();
    assert!(settings.contains(practice.base_url()), "{settings}");

    // After it: the handler (the app's own registration at start-up, or the system's)
    // is still the installed program.
    let (file, program) = link_handler(home.path());
    assert_eq!(program, Path::new(INSTALLED), "handler {}", file.display());
}
