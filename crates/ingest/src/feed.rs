//! Where the parse pipeline's line-aligned blocks come from: a plain file is memory-mapped and cut into
//! ranges of the mapping (no copy, no zeroed buffers: the profile's reader spent half its time on those);
//! a compressed file, an archive entry or standard input is read into owned buffers.
//!
//! Both hash the input's bytes (BLAKE3, the input's identity in the manifest) as blocks are cut, so the
//! hash covers exactly what was parsed.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::{Advice, Mmap, UncheckedAdvice};

use crate::IngestError;
use crate::source::{Checksums, HashingReader, InputHash, InputSpec};

/// Longest line accepted; a longer "line" (e.g. a binary file) is rejected in pieces instead of
/// growing memory without bound.
pub(crate) const MAX_LINE_BYTES: usize = 16 << 20;

/// Bytes holding whole lines (the last may lack its newline only at the end of the input).
pub(crate) enum Block {
    Owned(Vec<u8>),
    Mapped(MappedRange),
}

impl Block {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Block::Owned(data) => data,
            Block::Mapped(range) => &range.map[range.start..range.end],
        }
    }
}

/// A range of a mapped input. Dropping it releases its pages from this process (they stay in the page
/// cache), so resident memory holds the blocks in flight, not the whole file read so far.
pub(crate) struct MappedRange {
    map: Arc<Mmap>,
    start: usize,
    end: usize,
}

impl Drop for MappedRange {
    fn drop(&mut self) {
        // SAFETY: the mapping is a read-only MAP_SHARED mapping of a file: MADV_DONTNEED only drops this
        // process's page-table entries, and a later read of the same pages (a neighbouring block shares the
        // boundary pages) faults the unchanged file contents back in. No reference into this range outlives
        // the block: parsers copy what they keep. A failure only leaves the pages resident.
        let _ = unsafe {
            self.map.unchecked_advise_range(
                UncheckedAdvice::DontNeed,
                self.start,
                self.end - self.start,
            )
        };
    }
}

/// An input being cut into blocks.
pub(crate) enum Feed<'a> {
    Stream {
        reader: HashingReader<Box<dyn Read + Send + 'a>>,
        /// Read but not yet handed out (at first, the head).
        carry: Vec<u8>,
        ended: bool,
    },
    Mapped(MappedFeed),
}

/// A memory-mapped input and how far it has been handed out.
pub(crate) struct MappedFeed {
    map: Arc<Mmap>,
    /// Where the next block starts.
    pos: usize,
    hash: InputHash,
    progress: Arc<AtomicU64>,
}

impl MappedFeed {
    /// Moves `len` bytes on, hashing and counting them; returns the range passed.
    fn consume(&mut self, len: usize) -> (usize, usize) {
        let (start, end) = (self.pos, self.pos + len);
        self.hash.update(&self.map[start..end]);
        self.progress.fetch_add(len as u64, Ordering::Relaxed);
        self.pos = end;
        (start, end)
    }

    /// About `target` bytes ending after a newline (a line longer than the block runs on, up to
    /// [`MAX_LINE_BYTES`]); `None` at the end.
    fn next_block(&mut self, target: usize) -> Option<Block> {
        let rest = &self.map[self.pos..];
        if rest.is_empty() {
            return None;
        }
        let len = if rest.len() <= target {
            rest.len()
        } else {
            match memchr::memrchr(b'\n', &rest[..target]) {
                Some(i) => i + 1,
                None => {
                    let limit = rest.len().min(MAX_LINE_BYTES);
                    memchr::memchr(b'\n', &rest[target..limit]).map_or(limit, |i| target + i + 1)
                }
            }
        };
        let (start, end) = self.consume(len);
        Some(Block::Mapped(MappedRange {
            map: Arc::clone(&self.map),
            start,
            end,
        }))
    }
}

impl<'a> Feed<'a> {
    /// A stream feed; reads its head (at least `head_bytes`, unless the input is shorter) right away.
    pub fn stream(
        reader: Box<dyn Read + Send + 'a>,
        head_bytes: usize,
        sha256: bool,
        display: &str,
    ) -> Result<Self, IngestError> {
        let mut reader = HashingReader::new(reader, sha256);
        let mut carry = Vec::with_capacity(head_bytes);
        let ended = fill_block(&mut reader, &mut carry, head_bytes, display)?;
        Ok(Feed::Stream {
            reader,
            carry,
            ended,
        })
    }

    /// A mapped feed for a plain, non-empty regular file; `None` when the input is anything else or cannot
    /// be mapped (the caller then streams it).
    ///
    /// Like every reader of memory-mapped files, this assumes nobody truncates the file while it is read
    /// (the process would be stopped by SIGBUS; the store stays as it was, since nothing is committed).
    pub fn map(spec: &InputSpec, sha256: bool, progress: Arc<AtomicU64>) -> Option<Feed<'static>> {
        let path = spec.path.as_ref()?;
        let compressed = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        if spec.zip_entry.is_some() || compressed {
            return None;
        }
        let file = File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() == 0 {
            return None;
        }
        // SAFETY: see above — the file is only read, and only while it is not being truncated.
        let map = unsafe { Mmap::map(&file) }.ok()?;
        let _ = map.advise(Advice::Sequential);
        Some(Feed::Mapped(MappedFeed {
            map: Arc::new(map),
            pos: 0,
            hash: InputHash::new(sha256),
            progress,
        }))
    }

    /// The input's first bytes (up to the head size), for detecting its format and reading its header.
    pub fn head(&self, head_bytes: usize) -> &[u8] {
        match self {
            Feed::Stream { carry, .. } => carry,
            Feed::Mapped(feed) => &feed.map[feed.pos..feed.map.len().min(feed.pos + head_bytes)],
        }
    }

    /// Skips the first `n` bytes (a header line): hashed, not parsed.
    pub fn skip(&mut self, n: usize) {
        match self {
            Feed::Stream { carry, .. } => {
                carry.drain(..n.min(carry.len()));
            }
            Feed::Mapped(feed) => {
                let len = n.min(feed.map.len() - feed.pos);
                feed.consume(len);
            }
        }
    }

    /// The next block of about `target` bytes, cut after a newline; `None` at the end of the input.
    pub fn next_block(
        &mut self,
        target: usize,
        display: &str,
    ) -> Result<Option<Block>, IngestError> {
        match self {
            Feed::Stream {
                reader,
                carry,
                ended,
            } => loop {
                if *ended {
                    return Ok((!carry.is_empty()).then(|| Block::Owned(std::mem::take(carry))));
                }
                if fill_block(reader, carry, target, display)? {
                    *ended = true;
                    continue;
                }
                let cut = match memchr::memrchr(b'\n', carry) {
                    Some(i) => i + 1,
                    None if carry.len() > MAX_LINE_BYTES => carry.len(),
                    None => continue,
                };
                let rest = carry.split_off(cut);
                return Ok(Some(Block::Owned(std::mem::replace(carry, rest))));
            },
            Feed::Mapped(feed) => Ok(feed.next_block(target)),
        }
    }

    /// The checksums and length of everything handed out or skipped.
    pub fn finish(self) -> Checksums {
        match self {
            Feed::Stream { reader, .. } => reader.finish(),
            Feed::Mapped(feed) => feed.hash.finish(),
        }
    }
}

/// Reads until `buf` holds at least `target` more bytes or the input ends; returns whether it ended.
fn fill_block(
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    target: usize,
    display: &str,
) -> Result<bool, IngestError> {
    let start = buf.len();
    buf.resize(start + target, 0);
    let mut filled = start;
    let result = loop {
        if filled == buf.len() {
            break Ok(false);
        }
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break Ok(true),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(IngestError::from_read_error(display, e)),
        }
    };
    buf.truncate(filled);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(mut feed: Feed<'_>, target: usize) -> (Vec<Vec<u8>>, Checksums) {
        let mut out = Vec::new();
        while let Some(block) = feed.next_block(target, "test").unwrap() {
            out.push(block.bytes().to_vec());
        }
        (out, feed.finish())
    }

    /// A mapped file and the same bytes streamed are cut into whole lines and hash alike, whatever the
    /// block size, the last newline, or lines longer than a block.
    #[test]
    fn mapped_and_streamed_inputs_give_the_same_lines_and_checksums() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(3000);
        let cases: [(&str, String); 4] = [
            ("plain", (0..500).map(|i| format!("line {i}\n")).collect()),
            ("no-final-newline", "a\nbb\nccc".to_string()),
            ("long-lines", format!("short\n{long}\n{long}{long}\nend\n")),
            ("one-line", long.clone()),
        ];
        for (name, text) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, &text).unwrap();
            let spec = InputSpec::file(path.clone());
            for target in [7, 64, 1000, 1 << 20] {
                let progress = Arc::new(AtomicU64::new(0));
                let mapped =
                    Feed::map(&spec, true, Arc::clone(&progress)).expect("a plain file is mapped");
                let (mapped_blocks, mapped_sum) = blocks(mapped, target);
                assert_eq!(progress.load(Ordering::Relaxed), text.len() as u64);
                let file = Box::new(File::open(&path).unwrap());
                let streamed = Feed::stream(file, target, true, "test").unwrap();
                let (streamed_blocks, streamed_sum) = blocks(streamed, target);
                assert_eq!(mapped_sum, streamed_sum, "{name} at {target}");
                assert_eq!(mapped_sum.bytes, text.len() as u64);
                for found in [&mapped_blocks, &streamed_blocks] {
                    assert_eq!(found.concat(), text.as_bytes(), "{name} at {target}");
                    for block in &found[..found.len() - 1] {
                        assert_eq!(block.last(), Some(&b'\n'), "{name} at {target}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_skipped_header_is_hashed_but_not_handed_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("with-header.tsv");
        std::fs::write(&path, "head\nrow 1\nrow 2\n").unwrap();
        let spec = InputSpec::file(path.clone());
        let mut feed = Feed::map(&spec, false, Arc::new(AtomicU64::new(0))).unwrap();
        assert_eq!(feed.head(1 << 20), b"head\nrow 1\nrow 2\n");
        feed.skip(5);
        let (found, sum) = blocks(feed, 1 << 20);
        assert_eq!(found.concat(), b"row 1\nrow 2\n");
        assert_eq!(sum.bytes, 17);
        assert_eq!(sum.sha256, None);
        assert_eq!(
            sum.blake3,
            blake3::hash(b"head\nrow 1\nrow 2\n").to_hex().as_str()
        );
    }

    #[test]
    fn compressed_archived_and_empty_inputs_are_streamed() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.CSV");
        std::fs::write(&empty, "").unwrap();
        let gz = dir.path().join("rows.CSV.gz");
        std::fs::write(&gz, "not really gzip").unwrap();
        let progress = Arc::new(AtomicU64::new(0));
        assert!(Feed::map(&InputSpec::file(empty), false, progress.clone()).is_none());
        assert!(Feed::map(&InputSpec::file(gz), false, progress.clone()).is_none());
        assert!(Feed::map(&InputSpec::stdin(), false, progress).is_none());
    }
}
