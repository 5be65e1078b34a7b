//! Logging: `tracing` to a daily-rotating file in the log directory (seven files kept) and,
//! in development, to stderr. Every line passes through [`MaskingWriter`], so a fødselsnummer
//! that reaches a log by mistake is still masked.

use std::io::{self, Write};
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Log files kept before the oldest is deleted.
pub const KEPT_LOG_FILES: usize = 7;

/// Lines that may wait for the log file's writer thread. `tracing_appender`'s default is
/// 128 000, a channel it allocates and touches whole at start: 4 MiB of the app's idle memory
/// for a log that writes a few lines a round. A burst beyond this is dropped rather than
/// blocking the thread that logs (the default, kept: a slow disk must not freeze the window).
const LOG_BUFFER_LINES: usize = 4_096;

/// Keeps the file writer alive; logs are flushed when it is dropped.
#[derive(Debug)]
pub struct LogGuard(#[allow(dead_code)] Option<WorkerGuard>);

/// Starts logging. `file_prefix` names the files (`kommunepost-app.2026-11-29.log`); `stderr`
/// adds a console copy. The level comes from `KOMMUNEPOST_LOG` (default `info`). Returns a guard
/// to hold for the program's life. When the log directory cannot be made, logs go to stderr only
/// and the reason is logged there.
pub fn init(log_dir: &Path, file_prefix: &str, stderr: bool) -> LogGuard {
    let filter =
        || EnvFilter::try_from_env("KOMMUNEPOST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let appender = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            Builder::new()
                .rotation(Rotation::DAILY)
                .filename_prefix(file_prefix)
                .filename_suffix("log")
                .max_log_files(KEPT_LOG_FILES)
                .build(log_dir)
                .map_err(|e| e.to_string())
        });
    let (file_layer, guard, file_error) = match appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(LOG_BUFFER_LINES)
                .finish(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(Masking(writer));
            (Some(layer), Some(guard), None)
        }
        Err(e) => (None, None, Some(e)),
    };
    let stderr_layer = (stderr || file_error.is_some()).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(Masking(io::stderr))
            .with_target(false)
    });
    let _ = tracing_subscriber::registry()
        .with(filter())
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    if let Some(error) = file_error {
        tracing::warn!(dir = %log_dir.display(), %error, "cannot write log files; logging to stderr only");
    }
    LogGuard(guard)
}

/// A [`MakeWriter`] whose writers mask fødselsnumre.
#[derive(Debug, Clone)]
pub struct Masking<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Masking<M> {
    type Writer = MaskingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        MaskingWriter(self.0.make_writer())
    }
}

/// Masks every fødselsnummer with [`crate::mask::bytes`] (`01018012345` → `010180 *****`). `tracing` formats one event per `write` call, so a number is
/// never split across two calls.
#[derive(Debug)]
pub struct MaskingWriter<W>(pub W);

impl<W: Write> Write for MaskingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(&crate::mask::bytes(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_masking_writer_masks_what_passes_through() {
        let mut sink = Vec::new();
        let mut writer = MaskingWriter(&mut sink);
        writer.write_all(b"fnr=01813048589\n").unwrap();
        assert_eq!(sink, b"fnr=018130 *****\n");
    }

    #[test]
    fn init_writes_a_masked_log_file() {
        let dir = tempfile::tempdir().unwrap();
        let guard = init(dir.path(), "test", false);
        tracing::info!("checking 30910099686");
        drop(guard);
        let text: String = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        assert!(text.contains("checking 309100 *****"), "{text:?}");
    }
}
