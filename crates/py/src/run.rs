//! Running a long call without the GIL, interruptible with Ctrl-C.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use pyo3::prelude::*;

use crate::errors::{FulcrumError, to_py};

/// What a worker tells the caller while it runs.
pub enum Note {
    /// Total bytes of the inputs (ingest).
    Start(u64),
    /// Bytes read so far (ingest).
    Progress(u64),
    /// A line to show (an input done, a note about the dictionaries).
    Line(String),
    /// What is being done now (a step of a TKG forecast).
    Step(String),
}

enum Message<T> {
    Note(Note),
    Done(anyhow::Result<T>),
}

/// Where a worker sends its notes.
pub struct Notes(Sender<Message<()>>);

impl Notes {
    pub fn send(&self, note: Note) {
        // The caller may be gone (interrupted); then nobody listens, and that is fine.
        let _ = self.0.send(Message::Note(note));
    }
}

/// How often the waiting thread checks for Ctrl-C.
const TICK: Duration = Duration::from_millis(100);

/// Runs `work` on a worker thread; the calling thread releases the GIL, hands notes to `on_note` as they come
/// (with the GIL) and checks Python's signal handlers every [`TICK`], so Ctrl-C raises `KeyboardInterrupt`
/// promptly. A panic in `work` becomes a `FulcrumError`, never a crash of the interpreter.
pub fn interruptible<T, W, N>(py: Python<'_>, work: W, mut on_note: N) -> PyResult<T>
where
    T: Send + 'static,
    W: FnOnce(&Notes) -> anyhow::Result<T> + Send + 'static,
    N: FnMut(Python<'_>, Note) -> PyResult<()>,
{
    let (note_tx, note_rx) = unbounded::<Message<()>>();
    let (done_tx, done_rx) = unbounded::<Message<T>>();
    std::thread::Builder::new()
        .name("fulcrum-worker".into())
        .spawn(move || {
            let notes = Notes(note_tx);
            let result = catch_unwind(AssertUnwindSafe(|| work(&notes))).unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown cause".into());
                Err(anyhow::anyhow!(
                    "internal error (a bug in Fulcrum, please report it): {what}"
                ))
            });
            let _ = done_tx.send(Message::Done(result));
        })
        .map_err(|e| FulcrumError::new_err(format!("could not start a worker thread: {e}")))?;
    loop {
        let next = py.detach(|| wait(&note_rx, &done_rx));
        match next {
            Waited::Note(note) => {
                on_note(py, note)?;
                // Notes may come faster than the tick: look for Ctrl-C after each one too.
                py.check_signals()?;
            }
            Waited::Done(result) => {
                // Notes sent just before the end still reach the caller.
                while let Ok(Message::Note(note)) = note_rx.try_recv() {
                    on_note(py, note)?;
                }
                return result.map_err(to_py);
            }
            Waited::Tick => py.check_signals()?,
            Waited::Gone => {
                return Err(FulcrumError::new_err(
                    "the worker thread ended without an answer",
                ));
            }
        }
    }
}

enum Waited<T> {
    Note(Note),
    Done(anyhow::Result<T>),
    Tick,
    Gone,
}

fn wait<T>(notes: &Receiver<Message<()>>, done: &Receiver<Message<T>>) -> Waited<T> {
    crossbeam_channel::select! {
        recv(notes) -> m => match m {
            Ok(Message::Note(n)) => Waited::Note(n),
            // The note sender is dropped when the worker ends; wait for its result alone.
            _ => match done.recv_timeout(TICK) {
                Ok(Message::Done(r)) => Waited::Done(r),
                Ok(Message::Note(n)) => Waited::Note(n),
                Err(RecvTimeoutError::Timeout) => Waited::Tick,
                Err(RecvTimeoutError::Disconnected) => Waited::Gone,
            },
        },
        recv(done) -> m => match m {
            Ok(Message::Done(r)) => Waited::Done(r),
            Ok(Message::Note(n)) => Waited::Note(n),
            Err(_) => Waited::Gone,
        },
        default(TICK) => Waited::Tick,
    }
}
