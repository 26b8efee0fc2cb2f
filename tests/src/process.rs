//! Child processes that tests start, stopped when dropped, and free loopback ports.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (and reaped) when this guard drops.
pub struct Guard {
    child: Child,
    name: String,
    /// The child leads a process group of its own, ended with it (a driver and the
    /// browser or app it started).
    group: bool,
}

impl Guard {
    /// Starts `command`, naming it for messages.
    pub fn spawn(name: &str, command: &mut Command) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Self {
            child,
            name: name.to_owned(),
            group: false,
        }
    }

    /// Like [`Guard::spawn`], in a process group of its own: when the guard drops,
    /// whatever the child started (a driver's browser or app, even one a failed test
    /// left open) ends too, so that it cannot stand in the next test's way.
    pub fn spawn_group(name: &str, command: &mut Command) -> Self {
        use std::os::unix::process::CommandExt;
        let mut guard = Self::spawn(name, command.process_group(0));
        guard.group = true;
        guard
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the child to exit (killing it after `timeout`) and returns its status.
    pub fn wait(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Ok(None) => panic!("{} did not exit within {timeout:?}", self.name),
                Err(e) => panic!("{}: {e}", self.name),
            }
        }
    }

    /// Reads the child's stdout until, for each of `prefixes`, a line has started with
    /// it; returns the rest of each line, in the order of `prefixes`.
    pub fn wait_for_lines(&mut self, prefixes: &[&str], timeout: Duration) -> Vec<String> {
        let stdout = self
            .child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("{}: stdout is not piped", self.name));
        let (tx, rx) = std::sync::mpsc::channel();
        let wanted: Vec<String> = prefixes.iter().map(|p| (*p).to_owned()).collect();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The longest prefix that matches, so that one prefix of another does
                // not take its line.
                let found = wanted
                    .iter()
                    .enumerate()
                    .filter(|(_, prefix)| line.starts_with(prefix.as_str()))
                    .max_by_key(|(_, prefix)| prefix.len());
                if let Some((index, prefix)) = found {
                    let _ = tx.send((index, line[prefix.len()..].trim().to_owned()));
                }
            }
        });
        let deadline = std::time::Instant::now() + timeout;
        let mut found: Vec<Option<String>> = vec![None; prefixes.len()];
        while found.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let (index, rest) = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "{} did not print {prefixes:?} within {timeout:?}",
                    self.name
                )
            });
            found[index].get_or_insert(rest);
        }
        found.into_iter().flatten().collect()
    }

    /// Reads the child's stdout until a line starts with `prefix`; returns the rest.
    pub fn wait_for_line(&mut self, prefix: &str, timeout: Duration) -> String {
        let stdout = self
            .child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("{}: stdout is not piped", self.name));
        let (tx, rx) = std::sync::mpsc::channel();
        let wanted = prefix.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix(&wanted) {
                    let _ = tx.send(rest.trim().to_owned());
                }
            }
        });
        rx.recv_timeout(timeout)
            .unwrap_or_else(|_| panic!("{} did not print '{prefix}' within {timeout:?}", self.name))
    }
}

impl Drop for Guard {
    /// SIGTERM first, so a driver can stop what it started (tauri-driver ends its
    /// WebKitWebDriver only then); SIGKILL if it has not exited within 5 seconds; then,
    /// for a group, SIGKILL to whatever of the group is left.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if self.group {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nothing listens on port {port} after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs a command to completion and returns its exit status, killing it after `timeout`.
pub fn run_with_timeout(
    name: &str,
    command: &mut Command,
    timeout: Duration,
) -> std::process::ExitStatus {
    let mut child = command
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{name}: {e}")) {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
