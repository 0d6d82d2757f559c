//! What commands print: `--output table` (aligned text for people) or `--output json` (one JSON
//! document on stdout for scripts). Logs and progress bars go to stderr, never into the document.
//!
//! Everything reaches the terminal through [`write_console`]: one lock for stdout and stderr, with
//! the progress bars cleared while a block is written, so tables, log lines and bars never
//! interleave.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

static CONSOLE: Mutex<()> = Mutex::new(());

/// Runs `f` holding the console: nothing else reaches stdout or stderr meanwhile, and the progress
/// bars are cleared.
fn with_console<R>(f: impl FnOnce() -> R) -> R {
    let _guard = CONSOLE.lock().unwrap_or_else(|e| e.into_inner());
    super::progress::suspend_bars(f)
}

/// Writes `bytes` to `stream` in one piece: under the console lock, with the progress bars cleared.
pub fn write_console(stream: Stream, bytes: &[u8]) {
    with_console(|| {
        let _ = match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            }
            Stream::Stderr => {
                let mut err = std::io::stderr().lock();
                err.write_all(bytes).and_then(|()| err.flush())
            }
        };
    });
}

/// Where command output goes: stdout, or a buffer (tests running the CLI in-process).
#[derive(Debug, Clone, Default)]
pub struct Printer {
    buffer: Option<Arc<Mutex<String>>>,
}

impl Printer {
    pub fn stdout() -> Self {
        Self::default()
    }

    pub fn capture() -> Self {
        Self { buffer: Some(Arc::default()) }
    }

    /// Prints `text`, ending it with a newline.
    pub fn print(&self, text: &str) {
        let line = if text.ends_with('\n') { text.to_owned() } else { format!("{text}\n") };
        match &self.buffer {
            Some(buf) => buf.lock().unwrap_or_else(|e| e.into_inner()).push_str(&line),
            None => write_console(Stream::Stdout, line.as_bytes()),
        }
    }

    pub fn json(&self, value: &serde_json::Value) {
        self.print(&serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
    }

    /// Everything printed so far, when capturing.
    pub fn captured(&self) -> String {
        self.buffer.as_ref().map(|b| b.lock().unwrap_or_else(|e| e.into_inner()).clone()).unwrap_or_default()
    }
}

/// Columns aligned on the widest cell; the header underlined.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str).collect()));
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// `a, b, c`, or `-` when empty.
pub fn joined<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    let v: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    if v.is_empty() { "-".to_owned() } else { v.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_on_the_widest_cell() {
        let t = table(&["topic", "n"], &[vec!["aws-announce".into(), "12".into()], vec!["x".into(), "3".into()]]);
        assert_eq!(t, "topic         n\n------------  --\naws-announce  12\nx             3");
    }

    #[test]
    fn blocks_written_through_the_console_never_interleave() {
        let screen = Arc::new(Mutex::new(Vec::<String>::new()));
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let screen = screen.clone();
                std::thread::spawn(move || {
                    for round in 0..20 {
                        with_console(|| {
                            // A table, line by line, as a LineWriter would emit it.
                            for line in 0..3 {
                                screen.lock().unwrap().push(format!("{i}.{round}.{line}"));
                                std::thread::yield_now();
                            }
                        });
                    }
                })
            })
            .collect();
        writers.into_iter().for_each(|w| w.join().unwrap());
        let lines = screen.lock().unwrap();
        for block in lines.chunks(3) {
            let owner: Vec<&str> = block.iter().map(|l| l.rsplit_once('.').unwrap().0).collect();
            assert!(owner.iter().all(|o| *o == owner[0]), "interleaved: {block:?}");
        }
    }

    #[test]
    fn a_capturing_printer_keeps_lines() {
        let p = Printer::capture();
        p.print("a");
        p.print("b\n");
        assert_eq!(p.captured(), "a\nb\n");
    }
}
