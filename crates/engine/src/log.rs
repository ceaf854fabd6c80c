//! `log`: diagnoses a restore log read from a file, standard input, or an upload streamed in
//! chunks (the log scanner reads in bounded memory, so a 10 MB upload is never held whole).

use crate::{EngineError, blocking};
use rd_logs::{Diagnosis, LogError};
use std::io::Read;
use std::path::Path;

/// Diagnoses the log read from `reader`; `name` is how the user knows it (a path, "standard
/// input", "pasted log") and is recorded in the diagnosis. Blocking.
pub fn diagnose_reader(reader: impl Read, name: &str) -> Result<Diagnosis, EngineError> {
    match rd_logs::diagnose(reader) {
        Ok(mut d) => {
            d.file = Some(name.to_string());
            Ok(d)
        }
        Err(LogError::Empty) => Err(EngineError::Usage(format!(
            "'{name}' is empty; paste or save the restore log into it first"
        ))),
        Err(LogError::Binary(why)) => Err(EngineError::Usage(format!(
            "'{name}' is not a text log: {why}"
        ))),
        Err(LogError::Io(e)) => Err(EngineError::Usage(format!(
            "cannot read '{name}': {}",
            io_reason(&e)
        ))),
    }
}

/// Diagnoses the log file at `path`. Blocking.
pub fn diagnose_path(path: &Path) -> Result<Diagnosis, EngineError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| EngineError::Usage(format!("cannot read '{shown}': {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(EngineError::Usage(format!(
            "'{shown}' is a folder; pass the log file inside it"
        )));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| EngineError::Usage(format!("cannot read '{shown}': {}", io_reason(&e))))?;
    diagnose_reader(file, &shown)
}

/// A chunk of an upload, or why the upload broke off (too large, connection lost).
pub type Chunk = Result<Vec<u8>, String>;

/// Diagnoses a log arriving in chunks (an HTTP upload). The caller sends chunks into the
/// channel's other end and drops it at the end; at most the channel's capacity is held at once.
pub async fn diagnose_chunks(
    chunks: tokio::sync::mpsc::Receiver<Chunk>,
    name: String,
) -> Result<Diagnosis, EngineError> {
    blocking("log diagnosis", move || {
        diagnose_reader(ChunkReader::new(chunks), &name)
    })
    .await
}

/// Reads an upload's chunks as one stream, blocking on the channel.
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    current: Vec<u8>,
    at: usize,
}

impl ChunkReader {
    fn new(rx: tokio::sync::mpsc::Receiver<Chunk>) -> Self {
        ChunkReader {
            rx,
            current: Vec::new(),
            at: 0,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.current.len() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Some(Err(why)) => return Err(std::io::Error::other(why)),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "invalid data".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "../logs/tests/fixtures/idr_tss_not_signed.log";

    #[tokio::test]
    async fn chunks_give_the_same_diagnosis_as_the_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(LOG);
        let whole = diagnose_path(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let feed = tokio::spawn(async move {
            for c in bytes.chunks(7) {
                tx.send(Ok(c.to_vec())).await.unwrap();
            }
        });
        let chunked = diagnose_chunks(rx, "pasted log".into()).await.unwrap();
        feed.await.unwrap();
        assert_eq!(chunked.outcome, whole.outcome);
        assert_eq!(chunked.category, whole.category);
        assert_eq!(chunked.lines, whole.lines);
        assert_eq!(chunked.file.as_deref(), Some("pasted log"));
    }

    #[tokio::test]
    async fn broken_upload_and_empty_input_are_usage_errors() {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        tx.send(Ok(b"line one\n".to_vec())).await.unwrap();
        tx.send(Err("too large".into())).await.unwrap();
        drop(tx);
        let r = diagnose_chunks(rx, "upload".into()).await;
        assert!(
            matches!(&r, Err(EngineError::Usage(m)) if m.contains("too large")),
            "{r:?}"
        );
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        drop(tx);
        assert!(matches!(
            diagnose_chunks(rx, "upload".into()).await,
            Err(EngineError::Usage(_))
        ));
    }
}
