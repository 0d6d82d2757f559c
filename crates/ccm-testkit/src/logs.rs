//! Log capture for tests that read what the code under test logs. One global text-format subscriber
//! (as `ccm serve` prints) is installed once and writes each line into the buffer of the thread that
//! emitted it, if that thread is capturing (a `#[tokio::test]` runs its tasks on its own thread).
//!
//! A scoped subscriber per test (`set_default`) would race with the other tests of the binary: a
//! callsite first hit by another thread can keep the interest it got before the scoped subscriber
//! existed, and its lines are then lost.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Once};

thread_local! {
    static CAPTURING: RefCell<Option<LogBuffer>> = const { RefCell::new(None) };
}

/// Installs the global subscriber (once per process). Call it before the code under test first
/// logs, e.g. in a test rig's constructor, so every callsite registers with it.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(|| ThreadWriter).finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// Captures what this thread logs until the guard is dropped; the buffer keeps the lines.
pub fn capture() -> (CaptureGuard, LogBuffer) {
    install();
    let buffer = LogBuffer::default();
    CAPTURING.with(|c| *c.borrow_mut() = Some(buffer.clone()));
    (CaptureGuard(()), buffer)
}

/// Runs `f` capturing what this thread logs; returns its result and the lines.
pub fn capture_during<T>(f: impl FnOnce() -> T) -> (T, String) {
    let (guard, buffer) = capture();
    let out = f();
    drop(guard);
    (out, buffer.text())
}

/// Stops this thread's capture when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURING.with(|c| *c.borrow_mut() = None);
    }
}

/// The lines one capture collected.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// Writes into the capturing thread's buffer; lines of threads that are not capturing are dropped.
struct ThreadWriter;

impl std::io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURING.with(|c| {
            if let Some(buffer) = c.borrow().as_ref() {
                buffer.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
