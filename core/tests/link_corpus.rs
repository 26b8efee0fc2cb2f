//! Replays the fuzzer's corpus (core/fuzz/corpus/parse_link) through the link parser
//! with the fuzz target's invariants, so every input the fuzzer found interesting stays
//! covered by the ordinary test run.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use portal_core::config::DEFAULT_SCHEME;
use portal_core::{ClientConfig, parse_link};

#[test]
fn every_corpus_input_parses_safely_and_consistently() {
    let config = ClientConfig::new(
        "https://portal.riverside.example",
        &["http://127.0.0.1:8080"],
        DEFAULT_SCHEME,
    )
    .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/parse_link");
    let mut count = 0;
    let mut accepted = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        count += 1;
        let Ok(input) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(link) = parse_link(input, &config) {
            accepted += 1;
            assert_eq!(link.token.len(), 43, "{input:?}");
            assert!(!input.contains('@') && !input.contains('%'), "{input:?}");
            assert_eq!(parse_link(input, &config), Ok(link));
        }
    }
    assert!(
        count >= 10,
        "the corpus is missing ({count} files in {})",
        dir.display()
    );
    assert!(
        accepted >= 3,
        "the seeds with valid links were not accepted"
    );
}
