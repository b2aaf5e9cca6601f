//! Shared test helpers: where the real data lives, and refusing to pass silently without it.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/data` beside the checkout, or `$BAOBEI_SHARED_DATA`.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("BAOBEI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("BAOBEI_REQUIRE_SHARED_DATA").is_none(),
        "real data missing at {}: CI requires it (BAOBEI_REQUIRE_SHARED_DATA is set)",
        dir.display()
    );
    eprintln!("SKIPPED: real data not found at {}", dir.display());
    None
}
