//! Fuzzes the deep-link parser: it must never panic, and whatever it accepts must be
//! a link of the configured origins with a well-formed token that parses again to the
//! same result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portal_core::config::DEFAULT_SCHEME;
use portal_core::{ClientConfig, parse_link};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let Ok(config) = ClientConfig::new(
        "https://portal.riverside.example",
        &["http://127.0.0.1:8080"],
        DEFAULT_SCHEME,
    ) else {
        return;
    };
    if let Ok(link) = parse_link(input, &config) {
        assert_eq!(link.token.len(), 43);
        assert!(link.token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(!input.contains('@') && !input.contains('%'));
        assert_eq!(parse_link(input, &config), Ok(link));
    }
});
