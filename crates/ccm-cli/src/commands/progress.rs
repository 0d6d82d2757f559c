//! Progress on long work (indicatif): counts and an ETA where the amount is known, a spinner with a
//! running count where it is not. Drawn on stderr only when it is a terminal, the output is a table
//! and the logs are text: JSON output and the scheduled task's logs never contain them.
//!
//! All bars live in one process-wide `MultiProgress`, so the console (`output::write_console`) can
//! clear them while it writes a table or a log line.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// A bar: done and total, what is being done, and the time left.
const BAR: &str = "{prefix:>12} [{bar:30}] {pos}/{len} {msg} (ETA {eta})";

/// Runs `f` with the bars cleared (no bars drawn: just runs it).
pub fn suspend_bars<R>(f: impl FnOnce() -> R) -> R {
    match BARS.get() {
        Some(multi) => multi.suspend(f),
        None => f(),
    }
}

#[derive(Debug, Clone)]
pub struct Progress {
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    Hidden,
    Visible(MultiProgress),
    /// Tests: what would have been drawn, one line per bar or spinner.
    Recording(Arc<Mutex<Vec<String>>>),
}

impl Progress {
    /// Visible when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Self {
        if wanted && std::io::stderr().is_terminal() {
            let multi = BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
            Self { inner: Inner::Visible(multi.clone()) }
        } else {
            Self::hidden()
        }
    }

    pub fn hidden() -> Self {
        Self { inner: Inner::Hidden }
    }

    /// Records every bar and spinner as `"{label} {what}: {len}"` (`…` for a spinner).
    pub fn recording() -> (Self, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        (Self { inner: Inner::Recording(log.clone()) }, log)
    }

    /// A bar of `len` steps for `label` (a customer) doing `what`, with counts and an ETA.
    pub fn bar(&self, len: u64, label: &str, what: &str) -> ProgressBar {
        let multi = match &self.inner {
            Inner::Visible(multi) => multi,
            Inner::Hidden => return ProgressBar::hidden(),
            Inner::Recording(log) => {
                log.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{label} {what}: {len}"));
                return ProgressBar::hidden();
            }
        };
        let style =
            ProgressStyle::with_template(BAR).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ");
        let bar = multi.add(ProgressBar::new(len).with_style(style).with_prefix(label.to_owned()));
        bar.set_message(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    /// A spinner for work of unknown length, counting what `inc` adds.
    pub fn spinner(&self, label: &str, what: &str) -> ProgressBar {
        let multi = match &self.inner {
            Inner::Visible(multi) => multi,
            Inner::Hidden => return ProgressBar::hidden(),
            Inner::Recording(log) => {
                log.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{label} {what}: …"));
                return ProgressBar::hidden();
            }
        };
        let style = ProgressStyle::with_template("{prefix:>12} {spinner} {msg}: {pos} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = multi.add(ProgressBar::new_spinner().with_style(style).with_prefix(label.to_owned()));
        bar.set_message(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_progress_keeps_each_bar_with_its_length() {
        let (p, log) = Progress::recording();
        p.bar(500, "acme", "reading contacts").inc(1);
        p.spinner("acme", "listing contacts");
        assert_eq!(*log.lock().unwrap(), ["acme reading contacts: 500", "acme listing contacts: …"]);
    }

    #[test]
    fn bars_show_counts_and_the_time_left() {
        assert!(BAR.contains("{pos}/{len}") && BAR.contains("{eta}"));
        ProgressStyle::with_template(BAR).unwrap();
    }

    #[test]
    fn a_hidden_progress_draws_nothing() {
        assert!(Progress::hidden().bar(3, "acme", "x").is_hidden());
    }
}
