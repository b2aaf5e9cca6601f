//! Running the `baobei` binary in a temporary directory, and what several modules share.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// A temporary directory to run `baobei` in.
pub struct Harness {
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub fn new() -> Self {
        Harness {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baobei"));
        cmd.current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null());
        // The language comes from --lang, not from whoever runs the tests.
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            cmd.env_remove(var);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs `baobei` and asserts that it succeeded, showing its stderr if it did not.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert_exit(&o, 0);
        o
    }

    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Asserts the exit code, showing stderr if it is another.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Writes the built-in sample files into the harness directory.
pub fn samples(h: &Harness) {
    baobei::sample::write_all(h.dir.path()).unwrap();
}

pub fn close(v: &serde_json::Value, expected: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - expected).abs() < 1e-9 * expected.abs().max(1.0))
}

/// Starts a writer, waits until it holds the workspace lock (its pid is in the lock file) and
/// has worked a little, then kills it with SIGKILL.
pub fn kill_mid_run(h: &Harness, args: &[&str]) {
    kill_after(h, args, std::time::Duration::from_millis(300));
}

/// Starts `baobei args`, waits until it holds the workspace lock, lets it work for `delay`,
/// then kills it with SIGKILL (it must not have finished by then).
pub fn kill_after(h: &Harness, args: &[&str], delay: std::time::Duration) {
    use std::time::{Duration, Instant};
    let mut child = h
        .cmd(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = format!("pid {} ", child.id());
    let started = Instant::now();
    while !std::fs::read_to_string(h.path("baobei-workspace/.lock"))
        .unwrap_or_default()
        .starts_with(&pid)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{args:?} never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        None,
        "killed mid-way, not finished: {status:?}"
    );
}

pub fn index_stats(h: &Harness) -> std::collections::BTreeMap<String, String> {
    let o = h.ok(&["index", "stats", "--format", "json"]);
    stdout(&o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["name"].as_str().unwrap().to_owned(),
                v["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The sample's market listings in the harness workspace.
pub fn sample_index(h: &Harness) {
    samples(h);
    h.ok(&["index", "add", "listings.csv"]);
}

/// A workspace from the built-in sample: its keyword export imported, its listings indexed.
pub fn market_workspace() -> Harness {
    let h = Harness::new();
    samples(&h);
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-09"]);
    h.ok(&["index", "add", "listings.csv"]);
    h
}

pub const RESCORE: &[&str] = &[
    "rescore",
    "--listings",
    "own_items.csv",
    "--competitors",
    "listings.csv",
    "--keywords",
    "keywords.csv",
    "--ads",
    "ztc_report.csv",
];

pub fn rescore(h: &Harness, date: &str) -> Output {
    let mut args = RESCORE.to_vec();
    args.extend(["--date", date]);
    h.run(&args)
}

pub const CREAM: &str = "初禾玻色因紧致面霜50g淡纹抗皱补水保湿修护乳霜秋冬女";

/// The cells of a CSV file baobei wrote (after its byte-order mark), header row first.
pub fn csv_cells(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}
