//! Progress bars on long work (indicatif), drawn on stderr only when it is a terminal and the output
//! is a table: JSON output and logs of the scheduled task never contain them.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Visible when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Self {
        let visible = wanted && std::io::stderr().is_terminal();
        Self { multi: visible.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())) }
    }

    pub fn hidden() -> Self {
        Self { multi: None }
    }

    /// A bar of `len` steps labelled `label`.
    pub fn bar(&self, len: u64, label: &str) -> ProgressBar {
        let Some(multi) = &self.multi else { return ProgressBar::hidden() };
        let style = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = multi.add(ProgressBar::new(len).with_style(style).with_prefix(label.to_owned()));
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    /// A spinner for work of unknown length.
    pub fn spinner(&self, label: &str, message: &str) -> ProgressBar {
        let Some(multi) = &self.multi else { return ProgressBar::hidden() };
        let style = ProgressStyle::with_template("{prefix:>12} {spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = multi.add(ProgressBar::new_spinner().with_style(style).with_prefix(label.to_owned()));
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// Runs `f` (printing) with the bars cleared, so text and bars do not mix.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.multi {
            Some(m) => m.suspend(f),
            None => f(),
        }
    }
}
