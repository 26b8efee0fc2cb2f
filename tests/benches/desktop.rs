//! The desktop app's two speed targets, through WebDriver like a patient's first look
//! (run by scripts/bench-desktop.sh, which builds both apps in release and provides the
//! display and the keyring):
//!
//! 1. Cold start to the first cached list: the app with 100k records in its offline copy
//!    and the server unreachable, from process start to the home's `data-ready`, over a
//!    Tauri hello world's start to its first list (`bench/hello`), median of 5 each:
//!    target ≤ 1.5.
//! 2. Opening a section with many items (50k appointments, of which the page shows the
//!    first 50), from the click to the list's `data-ready`, measured in the page: target
//!    ≤ 100 ms, on the first open after a start and again.
//! 3. Memory: the peak resident memory (`VmHWM`) summed over the app's process and its
//!    WebKit processes, on the home screen with the 100k records, over the same sum for
//!    the Tauri hello world on its list, median of 5 each: target ≤ 1.3.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark fails loudly.

use portal_e2e::desktop::*;
use portal_e2e::proxy::{Mode, Proxy};
use portal_e2e::webdriver::Session;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const RUNS: usize = 5;
/// Records in the store: appointments and messages, half each.
const RECORDS: u32 = 100_000;

/// How long each app is left on its first screen before its memory is read: the peak
/// includes what settles after the first paint (the web process's caches, the sync
/// loop's first try).
const SETTLE: Duration = Duration::from_secs(3);

/// Peak resident memory, in MiB, summed over every process running `exe` and all of
/// their descendants (the WebKit web and network processes), from `/proc`.
fn peak_rss_mib(exe: &std::path::Path) -> (f64, Vec<(String, f64)>) {
    let exe = std::fs::canonicalize(exe).unwrap();
    let mut parent = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // `pid (comm) state ppid ...`: the name may hold spaces and parentheses.
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            && let Some((_, rest)) = stat.rsplit_once(')')
            && let Some(ppid) = rest.split_whitespace().nth(1)
        {
            parent.insert(pid, ppid.parse::<u32>().unwrap_or(0));
        }
    }
    let runs_exe =
        |pid: u32| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|path| path == exe);
    let in_tree = |mut pid: u32| loop {
        if runs_exe(pid) {
            return true;
        }
        match parent.get(&pid) {
            Some(&up) if up > 1 => pid = up,
            _ => return false,
        }
    };
    let mut total = 0.0;
    let mut parts = Vec::new();
    for &pid in parent.keys() {
        if !in_tree(pid) {
            continue;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .map(|value| value.trim().to_owned())
                .unwrap_or_default()
        };
        let kib: f64 = field("VmHWM:")
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap_or(0.0);
        total += kib / 1024.0;
        parts.push((field("Name:"), kib / 1024.0));
    }
    assert!(!parts.is_empty(), "no process runs {}", exe.display());
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    (total, parts)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Like [`start_and_wait`], also giving how long after the request the page itself started
/// (its `performance.timeOrigin`, on the same wall clock): the part of a start that is
/// the process and the window rather than the page.
async fn start_to_from(driver: &str, capabilities: Value, css: &str) -> (f64, Session, f64) {
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    let (ms, session) = start_and_wait(driver, capabilities, css).await;
    let origin = session
        .execute_async(
            "arguments[arguments.length - 1](performance.timeOrigin)",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    (ms, session, origin - wall)
}

/// Milliseconds from asking the driver for a new app to `css` appearing in it, looked
/// for every 25 ms (the tests' 150 ms would round both apps up; every few ms, the
/// driver's own work takes the two cores from the app it measures).
async fn start_and_wait(driver: &str, capabilities: Value, css: &str) -> (f64, Session) {
    let started = Instant::now();
    let session = Session::start(driver, capabilities).await.unwrap();
    let deadline = started + Duration::from_secs(120);
    while session.find(css).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "'{css}' never appeared");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    (started.elapsed().as_secs_f64() * 1000.0, session)
}

/// Clicks `link` in the page and reports, from the page's own clock, how long until
/// `ready` exists.
const OPEN_SECTION: &str = r#"
const [link, ready, done] = arguments;
const started = performance.now();
document.querySelector(link).click();
const look = () => {
  if (document.querySelector(ready)) { done(performance.now() - started); }
  else { requestAnimationFrame(look); }
};
look();
"#;

/// Where the page's part of a start went: from the page's start to the UI module
/// fetched, and to now (the list drawn), in the page's own milliseconds.
const PAGE_PHASES: &str = r#"
const done = arguments[arguments.length - 1];
const first = (name) => {
  const found = performance.getEntriesByName(name, 'mark');
  return found.length ? found[0].startTime : -1;
};
done([first('ui-start'), first('ui-listening'), first('ui-first-screen'),
      first('ui-signed-in'), first('ui-view-opened'), performance.now()]);
"#;

/// The page's marks (see `ui::mark`), then now.
const PHASES: [&str; 6] = [
    "UI module running",
    "listening to the shell",
    "first screen known",
    "signed-in frame drawn",
    "first view's data in",
    "home list drawn",
];

async fn page_phases(session: &Session) -> Vec<f64> {
    let phases = session.execute_async(PAGE_PHASES, vec![]).await.unwrap();
    phases
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap_or(-1.0))
        .collect()
}

async fn open_section_ms(session: &Session, link: &str, ready: &str) -> f64 {
    session
        .execute_async(OPEN_SECTION, vec![json!(link), json!(ready)])
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let hello = env_path("PORTAL_HELLO_BIN");
    let server = start_practice();
    let admin = server.admin();
    let provider = admin
        .create_provider("Dr. Maya Okafor", "maya@clinic.example")
        .await;
    let created = admin
        .create_patient(json!({"first_name": "Jordan", "last_name": "Rivera",
            "email": "jordan@example.com", "primary_provider_id": provider}))
        .await;
    let patient = created.patient_id;
    let sent: Value = admin
        .post(
            "messages",
            json!({"patient_id": patient, "provider_id": provider,
                   "body": "Welcome", "subject": "Welcome"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let thread = sent["thread_id"].as_str().unwrap();
    let seeding = Instant::now();
    server.seed_appointments(&patient, &provider, "bench", RECORDS / 2);
    server.seed_messages(&patient, thread, "bench", RECORDS / 2);
    eprintln!(
        "seeded {RECORDS} records in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let invited = admin.resend_invite(&patient).await;

    let proxy = Proxy::start(server.addr()).await;
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let (_driver, driver) = start_driver_with(
        &proxy.base_url(),
        &[
            ("PORTAL_DATA_DIR", data_dir.as_str()),
            ("PORTAL_LINK_ORIGINS", server.base_url()),
        ],
    );

    // First run: the invite, a password, and the first sync of everything.
    let session = Session::start(&driver, capabilities(&[&invited.link]))
        .await
        .unwrap();
    choose_password(&session).await;
    let syncing = Instant::now();
    session
        .wait_for("#updated-at", Duration::from_secs(600))
        .await
        .unwrap();
    eprintln!(
        "first sync of {RECORDS} records shown as done after {:.1} s",
        syncing.elapsed().as_secs_f64()
    );
    session.end().await.unwrap();

    // The server out of reach from now on.
    proxy.set(Mode::Refuse);
    let mut ours = Vec::new();
    let mut phases: Vec<Vec<f64>> = vec![Vec::new(); PHASES.len()];
    let mut first_opens = Vec::new();
    let mut repeat_opens = Vec::new();
    let mut our_page_starts = Vec::new();
    let mut their_page_starts = Vec::new();
    let mut our_memory = Vec::new();
    let mut our_parts = Vec::new();
    let app = env_path("PORTAL_APP_BIN");
    for _ in 0..RUNS {
        let (ms, session, page_at) =
            start_to_from(&driver, capabilities(&[]), "#home[data-ready]").await;
        ours.push(ms);
        our_page_starts.push(page_at);
        for (at, value) in page_phases(&session).await.into_iter().enumerate() {
            phases[at].push(value);
        }
        tokio::time::sleep(SETTLE).await;
        let (mib, parts) = peak_rss_mib(&app);
        our_memory.push(mib);
        our_parts = parts;
        first_opens.push(
            open_section_ms(
                &session,
                "#nav-appointments",
                "#appointment-list[data-ready]",
            )
            .await,
        );
        open_section_ms(&session, "#nav-home", "#home[data-ready]").await;
        repeat_opens.push(
            open_section_ms(
                &session,
                "#nav-appointments",
                "#appointment-list[data-ready]",
            )
            .await,
        );
        session.end().await.unwrap();
    }
    let mut theirs = Vec::new();
    let hello_capabilities = json!({
        "browserName": "wry",
        "tauri:options": { "application": &hello, "args": [] }
    });
    let mut their_memory = Vec::new();
    let mut their_parts = Vec::new();
    for _ in 0..RUNS {
        let (ms, session, page_at) =
            start_to_from(&driver, hello_capabilities.clone(), "#list[data-ready]").await;
        theirs.push(ms);
        their_page_starts.push(page_at);
        tokio::time::sleep(SETTLE).await;
        let (mib, parts) = peak_rss_mib(&hello);
        their_memory.push(mib);
        their_parts = parts;
        session.end().await.unwrap();
    }

    println!(
        "from the request to the page's own start (process, window, webview): ours median {:.0} ms, the hello world's {:.0} ms",
        median(our_page_starts),
        median(their_page_starts)
    );
    let (ours, theirs) = (median(ours), median(theirs));
    println!("  in the page, from its start (medians):");
    for (name, values) in PHASES.iter().zip(phases) {
        println!("    {name}: {:.0} ms", median(values));
    }
    let ratio = ours / theirs;
    println!(
        "cold start to the first cached list ({RECORDS} records, server unreachable): median {ours:.0} ms"
    );
    println!("Tauri hello world to its first paint: median {theirs:.0} ms");
    println!(
        "ratio {ratio:.2} (target ≤ 1.5): {}",
        if ratio <= 1.5 { "PASS" } else { "FAIL" }
    );
    let (our_memory, their_memory) = (median(our_memory), median(their_memory));
    let describe = |parts: &[(String, f64)]| {
        parts
            .iter()
            .map(|(name, mib)| format!("{name} {mib:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "peak RSS of the app's processes, home with {RECORDS} records: median {our_memory:.0} MiB (last run: {})",
        describe(&our_parts)
    );
    println!(
        "peak RSS of the Tauri hello world's processes: median {their_memory:.0} MiB (last run: {})",
        describe(&their_parts)
    );
    let memory_ratio = our_memory / their_memory;
    println!(
        "memory ratio {memory_ratio:.2} (target ≤ 1.3): {}",
        if memory_ratio <= 1.3 { "PASS" } else { "FAIL" }
    );
    for (label, opens) in [
        (
            "first open after a start (uncached in the page)",
            first_opens,
        ),
        ("opened again", repeat_opens),
    ] {
        let ms = median(opens);
        println!(
            "a section of {} appointments, {label}: first paint median {ms:.1} ms (target ≤ 100): {}",
            RECORDS / 2,
            if ms <= 100.0 { "PASS" } else { "FAIL" }
        );
    }
}
