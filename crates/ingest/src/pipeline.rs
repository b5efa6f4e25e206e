//! The streaming parse pipeline: one thread reads and decompresses, worker threads parse line-aligned
//! chunks in parallel, and the caller receives the parsed chunks in input order.
//!
//! Memory stays bounded: at most a few chunks (a few MiB each) are in flight whatever the input size.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crossbeam_channel::bounded;
use fulcrum_model::{Reject, RejectKind};

use crate::IngestError;
use crate::feed::{Block, Feed};
use crate::fields::LineError;
use crate::format::{Format, detect_format};
use crate::months::{MonthBatch, MonthlyRows};
use crate::readers::*;
use crate::source::{Checksums, InputSpec, OpenInput};

/// How to parse inputs.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Force a format instead of detecting it from the first line.
    pub format: Option<Format>,
    /// Bytes per parse chunk.
    pub chunk_bytes: usize,
    /// Parser threads.
    pub threads: usize,
    /// Also compute each input's SHA-256 (besides BLAKE3), to recognise inputs that stores written before
    /// BLAKE3 recorded by SHA-256 alone.
    pub sha256: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        ParseOptions {
            format: None,
            chunk_bytes: 4 << 20,
            threads,
            sha256: false,
        }
    }
}

/// The events parsed from one chunk of an input: one batch per month of event date, each in input order.
#[derive(Debug)]
pub struct ParsedChunk {
    pub months: Vec<MonthBatch>,
    pub rejects: Vec<Reject>,
    /// Data lines read (stored + rejected; the header is not a data line).
    pub lines: u64,
}

/// What was learnt about an input once it has been read to the end.
#[derive(Debug, Clone)]
pub struct InputSummary {
    pub format: Format,
    /// Checksums and length of the decompressed content.
    pub content: Checksums,
}

struct Chunk {
    seq: u64,
    first_line: u64,
    /// Lines in `data` (the last may lack its newline).
    lines: u64,
    data: Block,
}

/// Parses one input, calling `sink` with each chunk in order. If `sink` fails, reading stops and its error
/// is returned. `progress` counts bytes read from disk.
pub fn parse_input<E>(
    spec: &InputSpec,
    options: &ParseOptions,
    progress: Arc<AtomicU64>,
    mut sink: impl FnMut(ParsedChunk) -> Result<(), E>,
) -> Result<InputSummary, ParseFailure<E>>
where
    E: Send,
{
    let mut open = None;
    let mut feed = match Feed::map(spec, options.sha256, Arc::clone(&progress)) {
        Some(feed) => feed,
        None => {
            let open = open.insert(OpenInput::open(spec, progress).map_err(ParseFailure::Input)?);
            let reader = open.reader(&spec.display).map_err(ParseFailure::Input)?;
            Feed::stream(reader, options.chunk_bytes, options.sha256, &spec.display)
                .map_err(ParseFailure::Input)?
        }
    };
    let display = spec.display.clone();

    // The format, and for ICEWS the header, come from the first block.
    let head = feed.head(options.chunk_bytes);
    let first_line_end = memchr::memchr(b'\n', head).map_or(head.len(), |i| i + 1);
    let first_line = &head[..first_line_end];
    let format = match options.format {
        Some(f) => f,
        None if head.is_empty() => Format::Gdelt2, // an empty input has no rows; the format is moot
        None => detect_format(first_line).ok_or_else(|| {
            ParseFailure::Input(IngestError::UnknownFormat {
                input: display.clone(),
                first_line: String::from_utf8_lossy(&first_line[..first_line.len().min(200)])
                    .trim_end()
                    .to_string(),
            })
        })?,
    };
    let parser: Box<dyn LineParser> =
        build_parser(format, spec, first_line).map_err(ParseFailure::Input)?;
    let mut first_line_number = 1;
    if parser.has_header() {
        feed.skip(first_line_end);
        first_line_number = 2;
    }

    let threads = options.threads.max(1);
    let parser: &dyn LineParser = parser.as_ref();
    std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = bounded::<Chunk>(threads);
        let (done_tx, done_rx) = bounded::<(u64, ParsedChunk)>(threads);

        let chunk_bytes = options.chunk_bytes;
        let display_ref = display.as_str();
        let read_thread = scope.spawn(move || -> Result<Feed<'_>, IngestError> {
            let mut seq = 0;
            let mut line = first_line_number;
            while let Some(data) = feed.next_block(chunk_bytes, display_ref)? {
                let bytes = data.bytes();
                let lines = memchr::memchr_iter(b'\n', bytes).count() as u64
                    + u64::from(bytes.last() != Some(&b'\n'));
                let chunk = Chunk {
                    seq,
                    first_line: line,
                    lines,
                    data,
                };
                if chunk_tx.send(chunk).is_err() {
                    break; // the consumer stopped
                }
                seq += 1;
                line += lines;
            }
            Ok(feed)
        });

        for _ in 0..threads {
            let chunk_rx = chunk_rx.clone();
            let done_tx = done_tx.clone();
            let display = display.as_str();
            scope.spawn(move || {
                for chunk in chunk_rx {
                    let parsed = parse_chunk(parser, display, &chunk);
                    let seq = chunk.seq;
                    drop(chunk); // a mapped block gives back its pages before this one is sent on
                    if done_tx.send((seq, parsed)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(chunk_rx);
        drop(done_tx);

        let mut pending = BTreeMap::new();
        let mut next = 0;
        let mut sink_error = None;
        'receive: for (seq, parsed) in &done_rx {
            pending.insert(seq, parsed);
            while let Some(parsed) = pending.remove(&next) {
                next += 1;
                if let Err(e) = sink(parsed) {
                    sink_error = Some(e);
                    break 'receive;
                }
            }
        }
        drop(done_rx); // unblocks the workers and, through them, the reader
        let reader = read_thread.join().expect("reader thread panicked");
        if let Some(e) = sink_error {
            return Err(ParseFailure::Sink(e));
        }
        let content = reader.map_err(ParseFailure::Input)?.finish();
        Ok(InputSummary { format, content })
    })
}

/// Why [`parse_input`] stopped.
#[derive(Debug)]
pub enum ParseFailure<E> {
    /// The input could not be read or understood.
    Input(IngestError),
    /// The sink refused a chunk.
    Sink(E),
}

fn build_parser(
    format: Format,
    spec: &InputSpec,
    first_line: &[u8],
) -> Result<Box<dyn LineParser>, IngestError> {
    let split = spec.tkg.as_ref().and_then(|t| t.split.clone());
    Ok(match format {
        Format::Gdelt1 => Box::new(GdeltParser { version2: false }),
        Format::Gdelt2 => Box::new(GdeltParser { version2: true }),
        Format::Icews => {
            let header = String::from_utf8_lossy(first_line);
            Box::new(
                IcewsParser::from_header(&header).map_err(|reason| IngestError::BadInput {
                    input: spec.display.clone(),
                    reason,
                })?,
            )
        }
        Format::TkgNamed => Box::new(TkgNamedParser { split }),
        Format::TkgIds => {
            let missing = |what: &str| IngestError::BadInput {
                input: spec.display.clone(),
                reason: format!("id-coded TKG file needs {what}"),
            };
            let tkg = spec
                .tkg
                .as_ref()
                .ok_or_else(|| missing("entity2id and relation2id files beside it"))?;
            Box::new(TkgIdsParser {
                vocabulary: tkg.vocabulary.clone().ok_or_else(|| missing("entity2id and relation2id files beside it"))?,
                calendar: tkg.calendar.ok_or_else(|| {
                    missing("a start date for its time stamps: pass --tkg-epoch YYYY-MM-DD (ICEWS14/18 folders are recognised by name)")
                })?,
                split,
            })
        }
    })
}

fn parse_chunk(parser: &dyn LineParser, display: &str, chunk: &Chunk) -> ParsedChunk {
    let mut rows = MonthlyRows::with_capacity(chunk.lines as usize);
    let mut rejects = Vec::new();
    let mut lines = 0;
    let mut start = 0;
    let data = chunk.data.bytes();
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
        let mut raw = &data[start..end];
        start = end + 1;
        let line_number = chunk.first_line + lines;
        lines += 1;
        if let Some(stripped) = raw.strip_suffix(b"\r") {
            raw = stripped;
        }
        let outcome = match std::str::from_utf8(raw) {
            Err(e) => Err(LineError::new(
                RejectKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {} of the line", e.valid_up_to()),
            )),
            Ok("") => Err(LineError::new(RejectKind::EmptyLine, "empty line")),
            Ok(line) => parser.parse(
                line,
                &LineContext {
                    input: display,
                    line_number,
                },
                &mut rows,
            ),
        };
        match outcome {
            Ok(key) => rows.push_key(key),
            Err(e) => rejects.push(Reject {
                line_number,
                raw: raw.to_vec(),
                kind: e.kind,
                column: e.column,
                reason: e.message,
            }),
        }
    }
    ParsedChunk {
        months: rows.finish(),
        rejects,
        lines,
    }
}
