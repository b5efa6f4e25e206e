//! The manifest: the record of every committed input and transaction, rewritten atomically on commit.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::fsutil::write_atomic;

/// One ingested input, with its row accounting: `rows_read = rows_stored + rows_quarantined + duplicates_skipped`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputRecord {
    /// As shown to users and written to `input_file` (`path`, `archive.zip!entry`, `<stdin>`).
    pub input: String,
    /// Canonical path on disk, if the input was a file; with `size` and `modified` it lets a re-run skip
    /// an unchanged file without reading it.
    pub source_path: Option<String>,
    pub size: Option<u64>,
    pub modified: Option<i64>,
    /// The content's identity: `blake3:<hex>` of the decompressed bytes for inputs read from files or
    /// streams; for events the coder stored, a digest of their keys. Empty in records written before it
    /// existed, which have only `sha256`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub checksum: String,
    /// SHA-256 (hex) of the decompressed content. Records written before `checksum` existed identify
    /// their input by it alone; later records have it only if computed to compare with such records, and
    /// otherwise write it empty (so versions that required the field still read the manifest).
    #[serde(default)]
    pub sha256: String,
    pub format: String,
    pub rows_read: u64,
    pub rows_stored: u64,
    pub rows_quarantined: u64,
    pub duplicates_skipped: u64,
    pub txn: String,
    /// Unix seconds.
    pub started_at: i64,
    pub finished_at: i64,
}

impl InputRecord {
    /// Whether this record is of the content with this `checksum` (and SHA-256, if known). A record written
    /// before `checksum` existed is compared by its `sha256` field, which for coded events held what is now
    /// their checksum.
    pub fn is_content(&self, checksum: &str, sha256: Option<&str>) -> bool {
        if !self.checksum.is_empty() {
            return self.checksum == checksum;
        }
        !self.sha256.is_empty() && (self.sha256 == checksum || Some(self.sha256.as_str()) == sha256)
    }
}

/// One committed transaction and the files it added.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TxnRecord {
    pub id: String,
    pub committed_at: i64,
    /// Paths relative to the store root.
    pub data_files: Vec<String>,
    pub quarantine_file: Option<String>,
    pub keys_file: Option<String>,
    /// Event files of earlier transactions that this one rewrote (a compaction): they were deleted when it
    /// committed, and removed from the `data_files` of the transactions that had added them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced_files: Vec<String>,
    /// The index of actor names its rows store without a state (see `names.rs`); absent in transactions
    /// committed before the index existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names_file: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    pub inputs: Vec<InputRecord>,
    pub txns: Vec<TxnRecord>,
}

pub(crate) const MANIFEST_VERSION: u32 = 1;

impl Manifest {
    pub(crate) fn load(path: &Path) -> Result<Self, StoreError> {
        match std::fs::read(path) {
            Ok(bytes) => Manifest::from_json(&bytes, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                format_version: MANIFEST_VERSION,
                ..Default::default()
            }),
            Err(e) => Err(StoreError::io(path, e)),
        }
    }

    /// Parses a manifest read from `from` (a path or URL, for the error).
    pub(crate) fn from_json(bytes: &[u8], from: &str) -> Result<Self, StoreError> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
            path: from.into(),
            reason: format!("manifest is not valid JSON: {e}"),
        })
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("manifest serialises")
    }

    pub(crate) fn save(&self, path: &Path) -> Result<(), StoreError> {
        write_atomic(path, &self.to_json())
    }

    /// The committed input with this content, if any (see [`InputRecord::is_content`]).
    pub fn find_content(&self, checksum: &str, sha256: Option<&str>) -> Option<&InputRecord> {
        self.inputs.iter().find(|i| i.is_content(checksum, sha256))
    }

    /// Whether some input is identified by SHA-256 alone (written before `checksum` existed): an input
    /// read now must then compute its SHA-256 too, to be recognised as the same content.
    pub fn needs_sha256(&self) -> bool {
        self.inputs
            .iter()
            .any(|i| i.checksum.is_empty() && i.sha256.len() == 64)
    }

    /// The committed input read from this unchanged file, if any.
    pub fn find_file(&self, source_path: &str, size: u64, modified: i64) -> Option<&InputRecord> {
        self.inputs.iter().find(|i| {
            i.source_path.as_deref() == Some(source_path)
                && i.size == Some(size)
                && i.modified == Some(modified)
        })
    }

    pub fn has_txn(&self, id: &str) -> bool {
        self.txns.iter().any(|t| t.id == id)
    }
}
