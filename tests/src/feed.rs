//! The sync feed as a device sees it, read straight from the server: what tests compare
//! the device's copy and the writes it sent against.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support: fail loudly.

use serde_json::Value;

/// Every change of the feed of the session behind `access_token`, in commit order,
/// page by page from the start.
pub async fn whole_feed(base: &str, access_token: &str) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut feed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor
            .as_deref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page: Value = http
            .get(format!("{base}/v1/sync?limit=1000{query}"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        feed.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_str().map(str::to_owned);
        if page["has_more"] != true {
            return feed;
        }
    }
}
