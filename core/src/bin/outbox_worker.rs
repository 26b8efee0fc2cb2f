//! Test support, not shipped: a patient's app for the crash tests in `tests/crash_safety.rs`: it picks up the
//! session kept on this device, writes messages, sends and pulls, and says on stdout
//! each write that was stored — until the test kills it with SIGKILL at a random point.
//!
//! Arguments: server URL, data directory, keychain service, run number, messages.

use portal_core::{ClientConfig, KeyringStore, MessageTo, PortalClient, Restored};
use std::io::Write;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, server, data, keychain, run, count] = args.as_slice() else {
        return Err("usage: outbox_worker SERVER DATA_DIR KEYCHAIN RUN COUNT".into());
    };
    let count: u32 = count.parse()?;
    let config = ClientConfig::new(server, &[], "patientportal")?
        .with_data_dir(data)
        // This worker sends by hand and counts what it sent.
        .with_background_sync(false)
        .with_sync_page_limit(2);
    let client = PortalClient::new(config, Arc::new(KeyringStore::new(keychain)))?;
    let signed_in = match client.auth().restore().await? {
        Restored::Cached(s) => s,
        other => return Err(format!("no session: {other:?}").into()),
    };
    // As an app that has run a moment: the server has had its say on the session.
    let check = client.auth().session_checked().await;
    if let portal_core::SessionCheck::Ended { code, .. } = check {
        return Err(format!("the session ended: {}", code.as_str()).into());
    }
    let profile = signed_in.profiles[0].patient_id.clone();
    let provider = std::env::var("PORTAL_PROVIDER")?;
    let mut out = std::io::stdout();
    for i in 0..count {
        let body = format!("run {run} message {i}");
        client
            .outbox()
            .send_message(
                &profile,
                MessageTo::NewThread {
                    provider_id: provider.clone(),
                    subject: format!("run {run}"),
                },
                &body,
            )
            .await?;
        // Stored: from here on the write must reach the server exactly once.
        writeln!(out, "queued {body}")?;
        out.flush()?;
        // Send and pull while the test may kill us at any point.
        let _ = client.sync().sync_now(|_| {}).await;
    }
    writeln!(out, "done")?;
    Ok(())
}
