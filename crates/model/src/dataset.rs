use std::fmt;
use std::str::FromStr;

/// Where an event came from; the value of the `dataset` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dataset {
    /// GDELT 1.0 event exports (57-column back-files, 58-column daily files).
    Gdelt1,
    /// GDELT 2.0 15-minute event exports (61 columns).
    Gdelt2,
    /// ICEWS coded event data, raw yearly/daily files.
    Icews,
    /// Temporal-knowledge-graph benchmark quadruples (ICEWS14, ICEWS18, ICEWS05-15, ...).
    Tkg,
    /// Events coded by Fulcrum's own coder from text.
    Coded,
}

impl Dataset {
    pub const ALL: [Dataset; 5] = [
        Dataset::Gdelt1,
        Dataset::Gdelt2,
        Dataset::Icews,
        Dataset::Tkg,
        Dataset::Coded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dataset::Gdelt1 => "gdelt1",
            Dataset::Gdelt2 => "gdelt2",
            Dataset::Icews => "icews",
            Dataset::Tkg => "tkg",
            Dataset::Coded => "coded",
        }
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown dataset name.
#[derive(Debug, thiserror::Error)]
#[error("unknown dataset '{0}' (expected one of gdelt1, gdelt2, icews, tkg, coded)")]
pub struct UnknownDataset(pub String);

impl FromStr for Dataset {
    type Err = UnknownDataset;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownDataset(s.to_string()))
    }
}

/// The de-duplication key of an event: a stable 64-bit hash (xxh3) of the dataset namespace and the parts that
/// identify an event in it. Each part is hashed on its own, seeded with the hash so far, so part boundaries
/// count and nothing is allocated.
pub fn event_key(dataset: Dataset, parts: &[&[u8]]) -> u64 {
    use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};
    parts
        .iter()
        .fold(xxh3_64(dataset.as_str().as_bytes()), |seed, part| {
            xxh3_64_with_seed(part, seed)
        })
}
