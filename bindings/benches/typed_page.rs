//! The Rust side of the binding benchmark (scripts/bench-bindings.sh): one typed page of
//! 50 appointments through `portal_ffi::PortalClient::appointment_page`, called from
//! Rust, where the Python and Kotlin runs call the same function through the FFI. Signs
//! in to the server and account the script set up (`PORTAL_BENCH_SERVER`,
//! `PORTAL_BENCH_EMAIL`, `PORTAL_BENCH_PASSWORD`), syncs once, then times the call.
//! Prints `rust page50 median_us=… p90_us=…`, then the same for the blocking read
//! (`rust blocking page50 …`), called from a thread outside any runtime.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark fails loudly.

use portal_ffi::{ClientOptions, PortalClient, SecretStore, SecretStoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Secrets in memory, as the other languages' runs keep them.
#[derive(Default)]
struct Memory(Mutex<HashMap<String, String>>);

impl SecretStore for Memory {
    fn get(&self, key: String) -> Result<Option<String>, SecretStoreError> {
        Ok(self.0.lock().unwrap().get(&key).cloned())
    }
    fn set(&self, key: String, value: String) -> Result<(), SecretStoreError> {
        self.0.lock().unwrap().insert(key, value);
        Ok(())
    }
    fn delete(&self, key: String) -> Result<(), SecretStoreError> {
        self.0.lock().unwrap().remove(&key);
        Ok(())
    }
}

fn setting(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run scripts/bench-bindings.sh"))
}

fn main() {
    let data = tempfile::tempdir().unwrap();
    let portal = PortalClient::new(
        ClientOptions {
            server_url: setting("PORTAL_BENCH_SERVER"),
            extra_link_origins: Vec::new(),
            extra_roots_pem: None,
            idle_timeout_seconds: None,
            data_dir: Some(data.path().display().to_string()),
            device_name: Some("rust bench".to_owned()),
            request_timeout_seconds: None,
            background_sync: false,
        },
        Arc::new(Memory::default()),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let profile = runtime.block_on(async {
        let account = portal
            .login(
                setting("PORTAL_BENCH_EMAIL"),
                setting("PORTAL_BENCH_PASSWORD"),
                "rust bench".to_owned(),
            )
            .await
            .unwrap();
        portal.sync_now(None).await.unwrap();
        let profile = account.current_profile_id.unwrap();
        for size in [50, 1] {
            let mut times = Vec::new();
            for round in 0..600 {
                let started = Instant::now();
                let page = portal
                    .appointment_page(profile.clone(), true, size, None)
                    .await
                    .unwrap();
                let took = started.elapsed();
                assert_eq!(page.items.len(), size as usize, "the page is not full");
                if round >= 100 {
                    times.push(took.as_secs_f64() * 1e6);
                }
            }
            report("rust page", size, times);
        }
        profile
    });
    // The blocking reads, from a thread outside any runtime (as a host's background
    // thread calls them).
    for size in [50, 1] {
        let mut times = Vec::new();
        for round in 0..600 {
            let started = Instant::now();
            let page = portal
                .appointment_page_blocking(profile.clone(), true, size, None)
                .unwrap();
            let took = started.elapsed();
            assert_eq!(page.items.len(), size as usize, "the page is not full");
            if round >= 100 {
                times.push(took.as_secs_f64() * 1e6);
            }
        }
        report("rust blocking page", size, times);
    }
    runtime.block_on(async { portal.logout().await.unwrap() });
}

fn report(what: &str, size: u32, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "{what}{size} median_us={:.1} p90_us={:.1}",
        times[times.len() / 2],
        times[times.len() * 9 / 10]
    );
}
