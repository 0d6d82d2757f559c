//! The reminder timer of `ccm serve`: the same sweep as the scheduled Lambda
//! ([`ccm_processor::sweep`]), run every `--reminder-interval` seconds. The sweep writes reminder
//! triggers; the local queue (`serve::queue`) hands them to the processor like any trigger. The
//! first sweep runs one interval after start, and [`ReminderTimer::stop`] ends the loop between
//! sweeps (a sweep in progress finishes first) when the server shuts down.

use std::time::Duration;

use ccm_processor::Sweep;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The running timer; [`ReminderTimer::stop`] stops it.
pub struct ReminderTimer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ReminderTimer {
    /// Sweeps every `every` until stopped.
    pub fn start(sweep: Sweep, every: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = ticks.tick() => {
                        if let Err(e) = sweep.run(false).await {
                            tracing::warn!(error = %e, "reminder sweep failed; the next one retries");
                        }
                    }
                }
            }
            tracing::debug!("reminder timer stopped");
        });
        Self { stop, task }
    }

    /// Stops the timer and waits for the sweep in progress, if any.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the reminder timer ended abnormally");
        }
    }
}
