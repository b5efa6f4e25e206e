//! Finding inputs (files, directories, globs, stdin, archives) and opening them as byte streams.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fulcrum_model::days_from_civil;
use sha2::{Digest, Sha256};

use crate::IngestError;
use crate::readers::{TkgCalendar, TkgVocabulary, parse_id_map};

/// One logical input: a file, one entry of a zip archive, or standard input.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// `None` for standard input.
    pub path: Option<PathBuf>,
    /// For a zip archive: the entry this input reads.
    pub zip_entry: Option<String>,
    /// What provenance columns and messages call this input (`file.zip!entry.CSV`, `<stdin>`).
    pub display: String,
    /// For TKG benchmark splits: the benchmark's vocabulary and calendar.
    pub tkg: Option<TkgContext>,
}

/// What a TKG split file needs from the directory it sits in.
#[derive(Debug, Clone)]
pub struct TkgContext {
    pub vocabulary: Option<Arc<TkgVocabulary>>,
    pub calendar: Option<TkgCalendar>,
    /// `train`, `valid` or `test`.
    pub split: Option<String>,
}

impl InputSpec {
    pub fn stdin() -> Self {
        InputSpec {
            path: None,
            zip_entry: None,
            display: "<stdin>".into(),
            tkg: None,
        }
    }

    pub(crate) fn file(path: PathBuf) -> Self {
        InputSpec {
            display: path.display().to_string(),
            path: Some(path),
            zip_entry: None,
            tkg: None,
        }
    }

    /// Size on disk (of the whole file, for archive entries), if known.
    pub fn size_on_disk(&self) -> Option<u64> {
        self.path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
    }
}

/// Options for expanding command-line inputs.
#[derive(Debug, Clone, Default)]
pub struct ExpandOptions {
    /// Day 0 of TKG time stamps, overriding what the benchmark's folder name implies.
    pub tkg_epoch: Option<i32>,
    /// Time units per day in TKG files (default 24: hours in steps of a day).
    pub tkg_units_per_day: Option<i64>,
}

/// Files in a directory that are documentation or TKG side tables rather than event rows.
fn is_side_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let ext = Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    lower.starts_with('.')
        || matches!(
            ext,
            "md" | "json" | "yaml" | "yml" | "py" | "html" | "pdf" | "sha256" | "md5"
        )
        || lower.starts_with("entity2id")
        || lower.starts_with("relation2id")
        || lower.starts_with("ts2id")
        || lower == "stat.txt"
        || lower == "statistics.yaml"
        || lower == "readme"
        || lower == "license"
}

/// Expands command-line arguments into inputs, in a stable order.
/// Returns the inputs and the side files that were passed over (to tell the user).
pub fn expand_inputs(
    args: &[String],
    options: &ExpandOptions,
) -> Result<(Vec<InputSpec>, Vec<PathBuf>), IngestError> {
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    let mut vocabularies = Vocabularies::new();
    for arg in args {
        if arg == "-" {
            inputs.push(InputSpec::stdin());
            continue;
        }
        let paths: Vec<PathBuf> = if arg.contains(['*', '?', '[']) {
            let matched: Vec<PathBuf> = glob::glob(arg)
                .map_err(|e| IngestError::BadInput {
                    input: arg.clone(),
                    reason: format!("bad glob pattern: {e}"),
                })?
                .filter_map(Result::ok)
                .collect();
            if matched.is_empty() {
                return Err(IngestError::BadInput {
                    input: arg.clone(),
                    reason: "glob matched no files".into(),
                });
            }
            matched
        } else {
            vec![PathBuf::from(arg)]
        };
        for path in paths {
            let meta = std::fs::metadata(&path).map_err(|e| IngestError::io(path.display(), e))?;
            if meta.is_dir() {
                walk_dir(&path, options, &mut vocabularies, &mut inputs, &mut skipped)?;
            } else {
                let tkg = tkg_context_for(&path, options, &mut vocabularies)?;
                push_file(path, tkg, &mut inputs)?;
            }
        }
    }
    Ok((inputs, skipped))
}

/// A benchmark folder's id maps, loaded once for all its split files.
type Vocabularies = std::collections::HashMap<PathBuf, Arc<TkgVocabulary>>;

fn walk_dir(
    dir: &Path,
    options: &ExpandOptions,
    vocabularies: &mut Vocabularies,
    inputs: &mut Vec<InputSpec>,
    skipped: &mut Vec<PathBuf>,
) -> Result<(), IngestError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| IngestError::io(dir.display(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if path.is_dir() {
            if !name.starts_with('.') && !name.starts_with('_') {
                walk_dir(&path, options, vocabularies, inputs, skipped)?;
            }
        } else if is_side_file(&name) {
            skipped.push(path);
        } else {
            let tkg = tkg_context_for(&path, options, vocabularies)?;
            push_file(path, tkg, inputs)?;
        }
    }
    Ok(())
}

fn push_file(
    path: PathBuf,
    tkg: Option<TkgContext>,
    inputs: &mut Vec<InputSpec>,
) -> Result<(), IngestError> {
    if has_ext(&path, "zip") {
        let file = File::open(&path).map_err(|e| IngestError::io(path.display(), e))?;
        let archive =
            zip::ZipArchive::new(BufReader::new(file)).map_err(|e| IngestError::Corrupt {
                input: path.display().to_string(),
                reason: format!("not a readable zip archive: {e}"),
            })?;
        let mut names: Vec<String> = archive
            .file_names()
            .filter(|n| !n.ends_with('/'))
            .map(String::from)
            .collect();
        names.sort();
        for entry in names {
            let display = format!("{}!{}", path.display(), entry);
            inputs.push(InputSpec {
                path: Some(path.clone()),
                zip_entry: Some(entry),
                display,
                tkg: tkg.clone(),
            });
        }
    } else {
        let mut spec = InputSpec::file(path);
        spec.tkg = tkg;
        inputs.push(spec);
    }
    Ok(())
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// If `path` sits in a TKG benchmark folder (beside `entity2id`/`relation2id`), the context to read it.
fn tkg_context_for(
    path: &Path,
    options: &ExpandOptions,
    vocabularies: &mut Vocabularies,
) -> Result<Option<TkgContext>, IngestError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let find = |stem: &str| {
        ["txt", "json"]
            .iter()
            .map(|e| dir.join(format!("{stem}.{e}")))
            .find(|p| p.is_file())
    };
    let (Some(entities), Some(relations)) = (find("entity2id"), find("relation2id")) else {
        return Ok(None);
    };
    let load = |p: &Path| -> Result<std::collections::HashMap<i64, String>, IngestError> {
        let text = std::fs::read_to_string(p).map_err(|e| IngestError::io(p.display(), e))?;
        parse_id_map(&text).map_err(|reason| IngestError::BadInput {
            input: p.display().to_string(),
            reason,
        })
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let split = ["train", "valid", "test"]
        .into_iter()
        .find(|s| name.contains(s))
        .map(String::from);
    let vocabulary = match vocabularies.get(dir) {
        Some(v) => v.clone(),
        None => {
            let v = Arc::new(TkgVocabulary {
                entities: load(&entities)?,
                relations: load(&relations)?,
            });
            vocabularies.insert(dir.to_path_buf(), v.clone());
            v
        }
    };
    let epoch = options.tkg_epoch.or_else(|| benchmark_epoch(path));
    let calendar = epoch.map(|epoch_days| TkgCalendar {
        epoch_days,
        units_per_day: options.tkg_units_per_day.unwrap_or(24),
    });
    Ok(Some(TkgContext {
        vocabulary: Some(vocabulary),
        calendar,
        split,
    }))
}

/// Day 0 of the well-known ICEWS benchmarks, read from the folder names on the path.
fn benchmark_epoch(path: &Path) -> Option<i32> {
    let text = path.to_string_lossy().to_ascii_lowercase();
    let year = if text.contains("icews05-15") || text.contains("icews0515") {
        2005
    } else if text.contains("icews14") {
        2014
    } else if text.contains("icews18") {
        2018
    } else {
        return None;
    };
    days_from_civil(year, 1, 1)
}

/// The checksums and length of an input's decompressed bytes, fed as they are read.
///
/// BLAKE3 is the input's identity (a cryptographic hash, like SHA-256, at several times its speed:
/// SHA-256 was 8 % of ingest's CPU time). SHA-256 is computed too only when asked: stores written before
/// BLAKE3 recorded their inputs by SHA-256 alone.
pub(crate) struct InputHash {
    blake3: blake3::Hasher,
    sha256: Option<Sha256>,
    bytes: u64,
}

/// An input's checksums and size, as hashed while it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksums {
    /// BLAKE3 (hex) of the decompressed content: the same data re-compressed is still the same input.
    pub blake3: String,
    /// SHA-256 (hex), when [`crate::ParseOptions::sha256`] asked for it.
    pub sha256: Option<String>,
    /// Decompressed bytes.
    pub bytes: u64,
}

impl InputHash {
    pub fn new(sha256: bool) -> Self {
        InputHash {
            blake3: blake3::Hasher::new(),
            sha256: sha256.then(Sha256::new),
            bytes: 0,
        }
    }
    pub fn update(&mut self, data: &[u8]) {
        self.blake3.update(data);
        if let Some(sha) = &mut self.sha256 {
            sha.update(data);
        }
        self.bytes += data.len() as u64;
    }
    pub fn finish(self) -> Checksums {
        Checksums {
            blake3: self.blake3.finalize().to_hex().to_string(),
            sha256: self.sha256.map(|sha| hex::encode(sha.finalize())),
            bytes: self.bytes,
        }
    }
}

/// A reader that hashes and counts what passes through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    hash: InputHash,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R, sha256: bool) -> Self {
        HashingReader {
            inner,
            hash: InputHash::new(sha256),
        }
    }
    pub fn finish(self) -> Checksums {
        self.hash.finish()
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// A reader that adds the bytes it reads from disk to a shared progress counter.
pub(crate) struct CountingReader<R> {
    pub inner: R,
    pub counter: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: io::Seek> io::Seek for CountingReader<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Holds whatever an open input needs to stay alive (a zip archive owns the file its entry reads).
pub(crate) enum OpenInput {
    Stream(Box<dyn Read + Send>),
    Zip {
        archive: zip::ZipArchive<BufReader<CountingReader<File>>>,
        entry: String,
    },
}

impl OpenInput {
    pub fn open(
        spec: &InputSpec,
        counter: Arc<std::sync::atomic::AtomicU64>,
    ) -> Result<Self, IngestError> {
        let Some(path) = &spec.path else {
            return Ok(OpenInput::Stream(Box::new(CountingReader {
                inner: io::stdin(),
                counter,
            })));
        };
        let file = File::open(path).map_err(|e| IngestError::io(path.display(), e))?;
        let raw = CountingReader {
            inner: file,
            counter,
        };
        if let Some(entry) = &spec.zip_entry {
            let archive =
                zip::ZipArchive::new(BufReader::new(raw)).map_err(|e| IngestError::Corrupt {
                    input: spec.display.clone(),
                    reason: format!("not a readable zip archive: {e}"),
                })?;
            return Ok(OpenInput::Zip {
                archive,
                entry: entry.clone(),
            });
        }
        let buffered = BufReader::with_capacity(1 << 20, raw);
        if has_ext(path, "gz") {
            return Ok(OpenInput::Stream(Box::new(
                flate2::read::MultiGzDecoder::new(buffered),
            )));
        }
        Ok(OpenInput::Stream(Box::new(buffered)))
    }

    /// The decompressed byte stream.
    pub fn reader(&mut self, display: &str) -> Result<Box<dyn Read + Send + '_>, IngestError> {
        match self {
            OpenInput::Stream(r) => Ok(Box::new(r)),
            OpenInput::Zip { archive, entry } => {
                let file = archive.by_name(entry).map_err(|e| IngestError::Corrupt {
                    input: display.to_string(),
                    reason: format!("cannot read archive entry: {e}"),
                })?;
                Ok(Box::new(file))
            }
        }
    }
}
