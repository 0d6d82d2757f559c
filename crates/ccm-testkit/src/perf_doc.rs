//! Shared by the benchmarks: a line describing the machine, and replacing one benchmark's section of
//! `docs/performance.md` while keeping the others.

use std::path::{Path, PathBuf};

/// `"{cores} cores (`nproc` = {cores}), {cpu}, {rustc --version}"`.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "rustc (unknown version)".into());
    format!("{cores} cores (`nproc` = {cores}), {cpu}, {rustc}")
}

/// Replaces the section that starts with `heading` (up to the next `## `) in the repository's
/// `docs/performance.md` with `section`, or appends it; returns the file's path.
pub fn write_section(heading: &str, section: &str) -> std::io::Result<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/performance.md");
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Performance\n".into());
    let (head, rest) = match current.find(heading) {
        Some(i) => (&current[..i], &current[i + heading.len()..]),
        None => (current.as_str(), ""),
    };
    let tail = rest.find("\n## ").map_or("", |i| &rest[i + 1..]);
    let mut doc = head.trim_end().to_owned() + "\n\n" + section.trim_end() + "\n";
    if !tail.is_empty() {
        doc = doc + "\n" + tail;
    }
    std::fs::write(&path, doc)?;
    Ok(path)
}
