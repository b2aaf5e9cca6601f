//! Shared test helpers: where the real data lives, and refusing to pass silently without it.
#![allow(dead_code)]

pub mod judge;

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

/// What headless Chromium made of a page.
pub struct PageLoad {
    /// The DOM after scripts ran.
    pub dom: String,
    /// Console messages (`console.*`, uncaught errors, failed loads), one per line.
    pub console: Vec<String>,
}

/// Debian's Chromium, or `None` (with a note) where it is not installed; CI installs it and
/// sets `BAOBEI_REQUIRE_CHROMIUM`, so there a missing browser fails instead of skipping.
pub fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("BAOBEI_REQUIRE_CHROMIUM").is_none(),
            "chromium missing: CI requires it (BAOBEI_REQUIRE_CHROMIUM is set)"
        );
        eprintln!("SKIPPED: chromium not installed (apt-get install chromium)");
    }
    found
}

/// Loads `page` in headless Chromium: once to read the DOM and the console, once to take a
/// screenshot into `screenshot`. No network is reachable, as the report must need none.
pub fn load_in_chromium(
    chromium: &std::path::Path,
    page: &std::path::Path,
    screenshot: &std::path::Path,
) -> PageLoad {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let base = |cmd: &mut std::process::Command| {
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    };
    let mut dump = std::process::Command::new(chromium);
    base(&mut dump);
    let out = dump
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Failed to load"))
        .map(str::to_owned)
        .collect();
    let mut shot = std::process::Command::new(chromium);
    base(&mut shot);
    let out = shot
        .args(["--window-size=1280,2400"])
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PageLoad { dom, console }
}
