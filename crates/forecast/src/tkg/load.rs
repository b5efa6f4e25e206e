//! Reading a TKG benchmark folder: `train`, `valid`, `test` (`.txt` or `.txt.gz`) with
//! `subject relation object time [...]` per line, and `entity2id` / `relation2id` (`.txt` or `.json`).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Quad, TkgData};

#[derive(Debug, thiserror::Error)]
pub enum TkgError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Empty(String),
}

/// Loads a benchmark folder laid out like the RE-GCN, xERTE and TLogic releases.
pub fn load_benchmark(dir: &Path) -> Result<TkgData, TkgError> {
    let entities = read_names(dir, "entity2id")?;
    let relations = read_names(dir, "relation2id")?;
    let mut data = TkgData {
        entities,
        relations,
        units_per_day: 24,
        day_zero: None,
        ..Default::default()
    };
    data.train = read_split(dir, "train")?;
    data.valid = read_split(dir, "valid")?;
    data.test = read_split(dir, "test")?;
    // Ids beyond the name maps still count as entities/relations (unnamed).
    let max_e = data
        .train
        .iter()
        .chain(&data.valid)
        .chain(&data.test)
        .map(|q| q.s.max(q.o))
        .max()
        .unwrap_or(0) as usize;
    let max_r = data
        .train
        .iter()
        .chain(&data.valid)
        .chain(&data.test)
        .map(|q| q.r)
        .max()
        .unwrap_or(0) as usize;
    while data.entities.len() <= max_e {
        data.entities
            .push(format!("entity {}", data.entities.len()));
    }
    while data.relations.len() <= max_r {
        data.relations
            .push(format!("relation {}", data.relations.len()));
    }
    // Time stamps are hours in steps of 24 in the ICEWS releases; otherwise one unit is one step.
    let step = data
        .train
        .iter()
        .chain(&data.valid)
        .chain(&data.test)
        .map(|q| q.t)
        .filter(|&t| t > 0)
        .fold(0, gcd);
    data.units_per_day = if step % 24 == 0 && step > 0 { 24 } else { 1 };
    Ok(data)
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn find(dir: &Path, stem: &str, exts: &[&str]) -> Option<PathBuf> {
    exts.iter()
        .map(|e| dir.join(format!("{stem}{e}")))
        .find(|p| p.is_file())
}

fn read_text(path: &Path) -> Result<String, TkgError> {
    let io = |source| TkgError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::MultiGzDecoder::new(file)
            .read_to_string(&mut text)
            .map_err(io)?;
    } else {
        std::io::BufReader::new(file)
            .read_to_string(&mut text)
            .map_err(io)?;
    }
    Ok(text)
}

fn read_names(dir: &Path, stem: &str) -> Result<Vec<String>, TkgError> {
    let Some(path) = find(dir, stem, &[".txt", ".json", ".txt.gz"]) else {
        return Ok(Vec::new());
    };
    let text = read_text(&path)?;
    let pairs: Vec<(String, usize)> = if text.trim_start().starts_with('{') {
        let map: HashMap<String, usize> =
            serde_json::from_str(&text).map_err(|e| TkgError::Parse {
                path: path.clone(),
                line: e.line(),
                message: e.to_string(),
            })?;
        map.into_iter().collect()
    } else {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let parse_err = |message: String| TkgError::Parse {
                path: path.clone(),
                line: i + 1,
                message,
            };
            let (name, id) = line
                .rsplit_once('\t')
                .ok_or_else(|| parse_err("want name<TAB>id".into()))?;
            let id = id
                .trim()
                .parse()
                .map_err(|_| parse_err(format!("bad id {id:?}")))?;
            out.push((name.to_string(), id));
        }
        out
    };
    let len = pairs.iter().map(|p| p.1 + 1).max().unwrap_or(0);
    let mut names = vec![String::new(); len];
    for (name, id) in pairs {
        names[id] = name;
    }
    for (i, n) in names.iter_mut().enumerate() {
        if n.is_empty() {
            *n = format!("#{i}");
        }
    }
    Ok(names)
}

fn read_split(dir: &Path, stem: &str) -> Result<Vec<Quad>, TkgError> {
    let path = find(dir, stem, &[".txt", ".txt.gz"]).ok_or_else(|| {
        TkgError::Missing(format!(
            "{}: no {stem}.txt or {stem}.txt.gz (a TKG benchmark folder has train, valid and test)",
            dir.display()
        ))
    })?;
    let text = read_text(&path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let mut next = |what: &str| -> Result<i64, TkgError> {
            let f = fields.next().ok_or_else(|| TkgError::Parse {
                path: path.clone(),
                line: i + 1,
                message: format!("missing {what}"),
            })?;
            f.parse().map_err(|_| TkgError::Parse {
                path: path.clone(),
                line: i + 1,
                message: format!("{what} {f:?} is not an integer (named benchmark files must be ingested into a store first)"),
            })
        };
        let (s, r, o, t) = (
            next("subject id")?,
            next("relation id")?,
            next("object id")?,
            next("time")?,
        );
        let id = |v: i64, what: &str| {
            u32::try_from(v).map_err(|_| TkgError::Parse {
                path: path.clone(),
                line: i + 1,
                message: format!("{what} {v} out of range"),
            })
        };
        out.push(Quad {
            s: id(s, "subject id")?,
            r: id(r, "relation id")?,
            o: id(o, "object id")?,
            t,
        });
    }
    if out.is_empty() {
        return Err(TkgError::Empty(format!("{}: no facts", path.display())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_benchmark_folder_with_json_maps_and_gzip() {
        let dir = tempdir();
        std::fs::write(
            dir.join("entity2id.json"),
            r#"{"A": 0, "B \"b\"": 1, "C": 2}"#,
        )
        .unwrap();
        std::fs::write(dir.join("relation2id.txt"), "x\t0\r\ny\t1\r\n").unwrap();
        std::fs::write(dir.join("train.txt"), "0\t0\t1\t0\t-1\n1\t1\t2\t24\t-1\n").unwrap();
        std::fs::write(dir.join("valid.txt"), "0 1 2 48\n").unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"2\t0\t0\t72\n").unwrap();
        std::fs::write(dir.join("test.txt.gz"), gz.finish().unwrap()).unwrap();
        let data = load_benchmark(&dir).unwrap();
        assert_eq!(data.entities, ["A", "B \"b\"", "C"]);
        assert_eq!(data.relations, ["x", "y"]);
        assert_eq!(data.units_per_day, 24);
        assert_eq!(
            data.test,
            [Quad {
                s: 2,
                r: 0,
                o: 0,
                t: 72
            }]
        );
        std::fs::write(dir.join("valid.txt"), "0 1 two 48\n").unwrap();
        let err = load_benchmark(&dir).unwrap_err().to_string();
        assert!(err.contains("valid.txt:1: object id \"two\""), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fulcrum-tkg-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
