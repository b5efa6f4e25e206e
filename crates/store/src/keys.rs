//! The de-duplication index: the 64-bit keys of every stored event, kept in one file per transaction.
//!
//! A key hashes the dataset with the fields that identify an event in it (GDELT: GLOBALEVENTID; ICEWS:
//! event id and date; TKG: subject, relation, object and date). With 64-bit keys the chance of any false
//! duplicate among 100 million events is about 3 in 10,000.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use crate::manifest::Manifest;
use crate::{Result, StoreError, StorePaths};

/// Keys are already uniform hashes; hashing them again would only cost time.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type KeySet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

#[derive(Default)]
pub(crate) struct KeyIndex {
    keys: KeySet,
}

impl KeyIndex {
    pub fn load(paths: &StorePaths, manifest: &Manifest) -> Result<Self> {
        let mut keys = KeySet::default();
        for txn in &manifest.txns {
            if let Some(rel) = &txn.keys_file {
                let path = paths.root.join(rel);
                let bytes = std::fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
                if bytes.len() % 8 != 0 {
                    return Err(StoreError::Corrupt {
                        path,
                        reason: "key file length is not a multiple of 8".into(),
                    });
                }
                keys.reserve(bytes.len() / 8);
                keys.extend(
                    bytes
                        .chunks_exact(8)
                        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
                );
            }
        }
        Ok(KeyIndex { keys })
    }

    pub fn contains(&self, key: u64) -> bool {
        self.keys.contains(&key)
    }

    /// Adds a committed transaction's keys. The smaller set is inserted into the larger: the first ingest
    /// into an empty store hands over its set instead of hashing every key a second time.
    pub fn absorb(&mut self, mut keys: KeySet) {
        if keys.len() > self.keys.len() {
            std::mem::swap(&mut self.keys, &mut keys);
        }
        self.keys.extend(keys);
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

pub(crate) fn write_keys(path: &Path, keys: &[u64]) -> Result<()> {
    let mut bytes = Vec::with_capacity(keys.len() * 8);
    for k in keys {
        bytes.extend_from_slice(&k.to_le_bytes());
    }
    std::fs::write(path, bytes).map_err(|e| StoreError::io(path, e))
}
