//! Reading a TKG benchmark folder: `train`, `valid`, `test` (`.txt` or `.txt.gz`) with
//! `subject relation object time [...]` per line, and `entity2id` / `relation2id` (`.txt` or `.json`);
//! or a TGB 2.0 temporal-KG edge list (`tkgl-*_edgelist.csv`), split by time as TGB splits it.

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

/// Loads what a user points at: a TGB edge-list file (or a folder holding one and no `train` split), or a
/// benchmark folder.
pub fn load_dataset(path: &Path) -> Result<TkgData, TkgError> {
    if path.is_file() {
        return load_tgb_edgelist(path);
    }
    if find(path, "train", &[".txt", ".txt.gz"]).is_none() {
        let edge_lists: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|source| TkgError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with("_edgelist.csv"))
            })
            .collect();
        if let [one] = &edge_lists[..] {
            return load_tgb_edgelist(one);
        }
    }
    load_benchmark(path)
}

/// Share of the time line in the validation and test splits of a TGB edge list (TGB's own split: by the
/// 70% and 85% quantiles of the edges' time stamps).
const TGB_VALID_SHARE: f64 = 0.15;
const TGB_TEST_SHARE: f64 = 0.15;
/// Time stamps beyond this are Unix seconds; below, day numbers.
const UNIX_SECONDS_FROM: i64 = 100_000_000;

/// Reads a TGB 2.0 temporal-KG edge list: a CSV file whose header names a time column (`timestamp` or `ts`),
/// `head`, `tail` and `relation_type` (also accepted: `src`/`source`/`subject`, `dst`/`destination`/
/// `object`, `relation`/`edge_type`). Entities and relations are names or numbers, interned in order of first
/// appearance. Times are day numbers, or Unix seconds (kept to the hour); both become hours, as in the
/// ICEWS benchmarks, so the models' decay rates mean the same. Split as TGB splits: facts up to the 70%
/// quantile of the time stamps train, up to the 85% validate, the rest test.
pub fn load_tgb_edgelist(path: &Path) -> Result<TkgData, TkgError> {
    let io = |source| TkgError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, reader));
    let parse_err = |line: usize, message: String| TkgError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let header = csv
        .headers()
        .map_err(|e| parse_err(1, e.to_string()))?
        .clone();
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let wanted = [
        ("time", column(&["timestamp", "ts", "time", "t"])),
        ("head", column(&["head", "src", "source", "subject"])),
        ("tail", column(&["tail", "dst", "destination", "object"])),
        (
            "relation",
            column(&["relation_type", "relation", "edge_type", "rel"]),
        ),
    ];
    let mut index = [0usize; 4];
    for (slot, (what, found)) in index.iter_mut().zip(wanted) {
        *slot = found.ok_or_else(|| {
            parse_err(
                1,
                format!(
                    "the header {:?} has no {what} column (a TGB edge list has timestamp,head,tail,relation_type)",
                    header.iter().collect::<Vec<_>>()
                ),
            )
        })?;
    }
    let mut entity_ids: HashMap<String, u32> = HashMap::new();
    let mut relation_ids: HashMap<String, u32> = HashMap::new();
    let mut data = TkgData {
        units_per_day: 24,
        day_zero: None,
        ..Default::default()
    };
    let mut facts: Vec<Quad> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line() as usize;
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(parse_err(line, e.to_string())),
        }
        let field = |k: usize| record.get(index[k]).map(str::trim).unwrap_or("");
        let time = field(0);
        let t: i64 = time
            .parse()
            .map_err(|_| parse_err(line, format!("time {time:?} is not an integer")))?;
        let intern = |ids: &mut HashMap<String, u32>, names: &mut Vec<String>, name: &str| {
            if let Some(&id) = ids.get(name) {
                return id;
            }
            let id = names.len() as u32;
            names.push(name.to_string());
            ids.insert(name.to_string(), id);
            id
        };
        let (head, tail, relation) = (field(1), field(2), field(3));
        if head.is_empty() || tail.is_empty() || relation.is_empty() {
            return Err(parse_err(
                line,
                "a fact needs head, tail and relation".into(),
            ));
        }
        let s = intern(&mut entity_ids, &mut data.entities, head);
        let o = intern(&mut entity_ids, &mut data.entities, tail);
        let r = intern(&mut relation_ids, &mut data.relations, relation);
        facts.push(Quad { s, r, o, t });
    }
    if facts.is_empty() {
        return Err(TkgError::Empty(format!("{}: no facts", path.display())));
    }
    let unix_seconds = facts.iter().any(|q| q.t >= UNIX_SECONDS_FROM);
    for q in &mut facts {
        q.t = if unix_seconds {
            q.t.div_euclid(3600)
        } else {
            q.t * 24
        };
    }
    if unix_seconds {
        // Days since 1970-01-01 of time 0 (hours since the epoch).
        data.day_zero = Some(0);
    }
    facts.sort_unstable_by_key(|q| (q.t, q.s, q.r, q.o));
    let quantile = |share: f64| {
        let k = ((facts.len() - 1) as f64 * share).floor() as usize;
        facts[k].t
    };
    let valid_from = quantile(1.0 - TGB_VALID_SHARE - TGB_TEST_SHARE);
    let test_from = quantile(1.0 - TGB_TEST_SHARE);
    for q in facts {
        if q.t <= valid_from {
            data.train.push(q);
        } else if q.t <= test_from {
            data.valid.push(q);
        } else {
            data.test.push(q);
        }
    }
    if data.valid.is_empty() || data.test.is_empty() {
        return Err(TkgError::Empty(format!(
            "{}: too few distinct times to split into train, validation and test ({} / {} / {} facts)",
            path.display(),
            data.train.len(),
            data.valid.len(),
            data.test.len()
        )));
    }
    Ok(data)
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
    // Ids must name an entry of the id maps; without maps, a ceiling keeps one stray id from allocating
    // billions of names.
    let limits = Limits {
        entities: if data.entities.is_empty() {
            UNNAMED_IDS
        } else {
            data.entities.len()
        },
        relations: if data.relations.is_empty() {
            UNNAMED_IDS
        } else {
            data.relations.len()
        },
    };
    data.train = read_split(dir, "train", limits)?;
    data.valid = read_split(dir, "valid", limits)?;
    data.test = read_split(dir, "test", limits)?;
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

/// Most entity or relation ids a benchmark without id maps may use.
const UNNAMED_IDS: usize = 10_000_000;

/// How many entity and relation ids the splits may use (ids are 0..n).
#[derive(Debug, Clone, Copy)]
struct Limits {
    entities: usize,
    relations: usize,
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
    // (name, id, line; 0 for JSON maps, whose entries have no line of their own).
    let pairs: Vec<(String, usize, usize)> = if text.trim_start().starts_with('{') {
        let map: HashMap<String, usize> =
            serde_json::from_str(&text).map_err(|e| TkgError::Parse {
                path: path.clone(),
                line: e.line(),
                message: e.to_string(),
            })?;
        map.into_iter().map(|(name, id)| (name, id, 0)).collect()
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
            out.push((name.to_string(), id, i + 1));
        }
        out
    };
    // Ids are 0..n in every benchmark; allow gaps, but not an id that would allocate far more names than the
    // map has entries.
    let most = 2 * pairs.len() + 16;
    if let Some((_, id, line)) = pairs.iter().find(|p| p.1 >= most) {
        return Err(TkgError::Parse {
            path: path.clone(),
            line: *line,
            message: format!(
                "id {id} is far beyond the map's {} entries (ids run 0..n)",
                pairs.len()
            ),
        });
    }
    let len = pairs.iter().map(|p| p.1 + 1).max().unwrap_or(0);
    let mut names = vec![String::new(); len];
    for (name, id, _) in pairs {
        names[id] = name;
    }
    for (i, n) in names.iter_mut().enumerate() {
        if n.is_empty() {
            *n = format!("#{i}");
        }
    }
    Ok(names)
}

fn read_split(dir: &Path, stem: &str, limits: Limits) -> Result<Vec<Quad>, TkgError> {
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
        let id = |v: i64, what: &str, limit: usize| {
            usize::try_from(v)
                .ok()
                .filter(|&v| v < limit)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| TkgError::Parse {
                    path: path.clone(),
                    line: i + 1,
                    message: format!("{what} {v} is not in the id map (0..{})", limit - 1),
                })
        };
        out.push(Quad {
            s: id(s, "subject id", limits.entities)?,
            r: id(r, "relation id", limits.relations)?,
            o: id(o, "object id", limits.entities)?,
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
    fn an_id_outside_the_maps_is_an_error_naming_the_line_not_an_allocation() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("entity2id.txt", "Russia\t0\nIndia\t1\n");
        write("relation2id.txt", "Meet\t0\n");
        write("valid.txt", "0 0 1 24\n");
        write("test.txt", "1 0 0 48\n");
        write("train.txt", "0 0 1 0\n1 0 4000000000 0\n");
        let e = load_benchmark(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("train.txt:2: object id 4000000000 is not in the id map (0..1)"),
            "{e}"
        );
        write("train.txt", "0 0 1 0\n");
        write("entity2id.txt", "Russia\t0\nIndia\t4000000000\n");
        let e = load_benchmark(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("entity2id.txt:2: id 4000000000 is far beyond"),
            "{e}"
        );
    }

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

    #[test]
    fn reads_a_tgb_edge_list_and_splits_it_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tkgl-toy_edgelist.csv");
        let mut text = String::from("timestamp,head,tail,relation_type\n");
        for day in 0..20 {
            text.push_str(&format!("{day},\"Korea, Republic of\",Japan,Consult\n"));
            text.push_str(&format!("{day},Japan,China,Criticize\n"));
        }
        std::fs::write(&path, &text).unwrap();
        // The folder holding it loads the same.
        for data in [
            load_dataset(&path).unwrap(),
            load_dataset(dir.path()).unwrap(),
        ] {
            assert_eq!(data.entities, ["Korea, Republic of", "Japan", "China"]);
            assert_eq!(data.relations, ["Consult", "Criticize"]);
            // 40 facts on 20 days: days 0–13 train (the 70% quantile is day 13), 14–16 valid, 17–19 test.
            assert_eq!(
                (data.train.len(), data.valid.len(), data.test.len()),
                (28, 6, 6)
            );
            assert_eq!(data.test[0].t, 17 * 24, "days become hours");
        }
        std::fs::write(&path, "when,head,tail,relation_type\n1,a,b,c\n").unwrap();
        let err = load_dataset(&path).unwrap_err().to_string();
        assert!(err.contains("no time column"), "{err}");
        std::fs::write(&path, "ts,head,tail,relation_type\n1,a,b,c\nx,a,b,c\n").unwrap();
        let err = load_dataset(&path).unwrap_err().to_string();
        assert!(err.contains(":3: time \"x\" is not an integer"), "{err}");
    }

    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fulcrum-tkg-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
