//! Downloading GDELT event exports from GDELT's own file lists.
//!
//! * GDELT 2.0: `{base}/gdeltv2/masterfilelist.txt`, lines `size md5 url`, one export every 15 minutes
//!   (`YYYYMMDDHHMMSS.export.CSV.zip`).
//! * GDELT 1.0: `{base}/events/md5sums` (`md5  name`) and `{base}/events/filesizes` (`size name`): daily
//!   exports `YYYYMMDD.export.CSV.zip` from 2013-04-01, monthly back-files `YYYYMM.zip` for 2006-01 ..
//!   2013-03 and yearly `YYYY.zip` for 1979 .. 2005.
//!
//! Files are fetched from `{base}/gdeltv2/NAME` or `{base}/events/NAME` whatever host the list names, so a
//! mirror only needs the same layout. Downloads go to `NAME.part`, resume with an HTTP Range request, are
//! verified against the listed md5 and size, and only then renamed to `NAME`. A file already present with
//! the listed size and md5 is not downloaded again. Expected periods with no listed file are reported as gaps.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use fulcrum_model::{civil_from_days, days_from_civil};
use md5::{Digest, Md5};

/// Which GDELT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GdeltVersion {
    V1,
    V2,
}

impl GdeltVersion {
    fn folder(self) -> &'static str {
        match self {
            GdeltVersion::V1 => "events",
            GdeltVersion::V2 => "gdeltv2",
        }
    }
}

/// Errors of fetching. Each names the URL or file it is about.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{name}: md5 {actual} does not match the listed {expected}")]
    Checksum {
        name: String,
        expected: String,
        actual: String,
    },
    #[error("{name}: {actual} bytes, the list says {expected}")]
    Size {
        name: String,
        expected: u64,
        actual: u64,
    },
    #[error("{0}")]
    Invalid(String),
}

impl FetchError {
    /// True when the error means there is no network path to the server at all.
    pub fn is_offline(&self) -> bool {
        matches!(self, FetchError::Unreachable { .. })
    }
}

fn io_err(path: &Path, error: std::io::Error) -> FetchError {
    FetchError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// A file GDELT lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub name: String,
    pub url: String,
    pub size: Option<u64>,
    pub md5: Option<String>,
}

/// What to download for a period, and which expected files are not listed.
#[derive(Debug, Clone, Default)]
pub struct FetchPlan {
    pub files: Vec<RemoteFile>,
    /// Expected files (by name) the list does not have: GDELT's own gaps.
    pub gaps: Vec<String>,
}

/// An HTTP client with sensible time-outs.
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    /// `base` is e.g. `http://data.gdeltproject.org` or a mirror with the same layout.
    pub fn new(base: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_recv_body(Some(Duration::from_secs(600)))
            .http_status_as_error(false)
            .user_agent(concat!("fulcrum/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
            base: base.trim_end_matches('/').to_string(),
        }
    }

    fn get(
        &self,
        url: &str,
        range_from: u64,
    ) -> Result<ureq::http::Response<ureq::Body>, FetchError> {
        let mut req = self.agent.get(url);
        if range_from > 0 {
            req = req.header("Range", format!("bytes={range_from}-"));
        }
        let resp = req.call().map_err(|e| classify(url, e))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
            });
        }
        Ok(resp)
    }

    fn list_url(&self, version: GdeltVersion, name: &str) -> String {
        format!("{}/{}/{}", self.base, version.folder(), name)
    }

    /// Reads GDELT's file list(s) and selects the event exports of `[from, to]` (days since 1970-01-01).
    pub fn plan(&self, version: GdeltVersion, from: i32, to: i32) -> Result<FetchPlan, FetchError> {
        if to < from {
            return Err(FetchError::Invalid("--to is before --from".into()));
        }
        match version {
            GdeltVersion::V2 => self.plan_v2(from, to),
            GdeltVersion::V1 => self.plan_v1(from, to),
        }
    }

    fn lines(&self, url: &str, mut each: impl FnMut(&str)) -> Result<(), FetchError> {
        let resp = self.get(url, 0)?;
        let reader = BufReader::new(resp.into_body().into_reader());
        for line in reader.lines() {
            let line = line.map_err(|e| FetchError::Http {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
            each(line.trim());
        }
        Ok(())
    }

    fn plan_v2(&self, from: i32, to: i32) -> Result<FetchPlan, FetchError> {
        let url = self.list_url(GdeltVersion::V2, "masterfilelist.txt");
        let (lo, hi) = (stamp(from, 0), stamp(to, 23 * 60 + 45));
        let mut files = Vec::new();
        self.lines(&url, |line| {
            let mut parts = line.split_whitespace();
            let (Some(size), Some(md5), Some(remote)) = (parts.next(), parts.next(), parts.next())
            else {
                return;
            };
            let name = remote.rsplit('/').next().unwrap_or(remote);
            let Some(ts) = name.strip_suffix(".export.CSV.zip") else {
                return;
            };
            if ts.len() == 14
                && ts.bytes().all(|b| b.is_ascii_digit())
                && (lo.as_str()..=hi.as_str()).contains(&ts)
            {
                files.push(RemoteFile {
                    name: name.to_string(),
                    url: self.list_url(GdeltVersion::V2, name),
                    size: size.parse().ok(),
                    md5: Some(md5.to_ascii_lowercase()),
                });
            }
        })?;
        files.sort_by(|a, b| a.name.cmp(&b.name));
        files.dedup_by(|a, b| a.name == b.name);
        let listed: std::collections::HashSet<&str> =
            files.iter().map(|f| f.name.as_str()).collect();
        let mut gaps = Vec::new();
        for day in from..=to {
            for quarter in 0..96 {
                let name = format!("{}.export.CSV.zip", stamp(day, quarter * 15));
                if !listed.contains(name.as_str()) {
                    gaps.push(name);
                }
            }
        }
        Ok(FetchPlan { files, gaps })
    }

    fn plan_v1(&self, from: i32, to: i32) -> Result<FetchPlan, FetchError> {
        let mut sizes = std::collections::HashMap::new();
        // The size list is a help, not a must: some mirrors lack it.
        let _ = self.lines(&self.list_url(GdeltVersion::V1, "filesizes"), |line| {
            if let Some((size, name)) = line.split_once(char::is_whitespace)
                && let Ok(size) = size.trim().parse::<u64>()
            {
                sizes.insert(name.trim().to_string(), size);
            }
        });
        let mut files = Vec::new();
        self.lines(&self.list_url(GdeltVersion::V1, "md5sums"), |line| {
            let Some((md5, name)) = line.split_once(char::is_whitespace) else {
                return;
            };
            let name = name.trim();
            if let Some((first, last)) = v1_period(name)
                && first <= to
                && last >= from
            {
                files.push(RemoteFile {
                    name: name.to_string(),
                    url: self.list_url(GdeltVersion::V1, name),
                    size: sizes.get(name).copied(),
                    md5: Some(md5.trim().to_ascii_lowercase()),
                });
            }
        })?;
        files.sort_by(|a, b| a.name.cmp(&b.name));
        files.dedup_by(|a, b| a.name == b.name);
        let daily_start = days_from_civil(2013, 4, 1).expect("valid date");
        let listed: std::collections::HashSet<&str> =
            files.iter().map(|f| f.name.as_str()).collect();
        let gaps = (from.max(daily_start)..=to)
            .map(|d| {
                let (y, m, dd) = civil_from_days(d);
                format!("{y:04}{m:02}{dd:02}.export.CSV.zip")
            })
            .filter(|n| !listed.contains(n.as_str()))
            .collect();
        Ok(FetchPlan { files, gaps })
    }

    /// Downloads one file into `dest`, resuming a `.part` left by an interrupted run.
    /// Returns the bytes transferred now (0 when the file was already there).
    pub fn download(
        &self,
        file: &RemoteFile,
        dest: &Path,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<u64, FetchError> {
        let target = dest.join(&file.name);
        if target.exists() && verify(&target, file).is_ok() {
            return Ok(0);
        }
        let part = dest.join(format!("{}.part", file.name));
        let mut transferred = 0;
        for attempt in 0..2 {
            let have = fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            let have = if file.size.is_some_and(|s| have > s) {
                0
            } else {
                have
            };
            let resp = self.get(&file.url, have)?;
            let resumed = have > 0 && resp.status().as_u16() == 206;
            let mut out = if resumed {
                File::options()
                    .append(true)
                    .open(&part)
                    .map_err(|e| io_err(&part, e))?
            } else {
                File::create(&part).map_err(|e| io_err(&part, e))?
            };
            let mut body = resp.into_body().into_reader();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = body.read(&mut buf).map_err(|e| FetchError::Http {
                    url: file.url.clone(),
                    reason: e.to_string(),
                })?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n]).map_err(|e| io_err(&part, e))?;
                transferred += n as u64;
                on_bytes(n as u64);
            }
            out.sync_all().map_err(|e| io_err(&part, e))?;
            drop(out);
            match verify(&part, file) {
                Ok(()) => {
                    fs::rename(&part, &target).map_err(|e| io_err(&target, e))?;
                    return Ok(transferred);
                }
                // A resumed file that fails its checksum may have been spliced from two versions: start over once.
                Err(e) if attempt == 0 => {
                    let _ = fs::remove_file(&part);
                    if !resumed {
                        return Err(e);
                    }
                }
                Err(e) => {
                    let _ = fs::remove_file(&part);
                    return Err(e);
                }
            }
        }
        unreachable!("the loop returns on its second attempt")
    }
}

/// Checks a downloaded file against the listed size and md5.
pub fn verify(path: &Path, file: &RemoteFile) -> Result<(), FetchError> {
    let len = fs::metadata(path).map_err(|e| io_err(path, e))?.len();
    if let Some(expected) = file.size
        && expected != len
    {
        return Err(FetchError::Size {
            name: file.name.clone(),
            expected,
            actual: len,
        });
    }
    if let Some(expected) = &file.md5 {
        let mut hasher = Md5::new();
        let mut f = File::open(path).map_err(|e| io_err(path, e))?;
        std::io::copy(&mut f, &mut hasher).map_err(|e| io_err(path, e))?;
        let actual = hex::encode(hasher.finalize());
        if &actual != expected {
            return Err(FetchError::Checksum {
                name: file.name.clone(),
                expected: expected.clone(),
                actual,
            });
        }
    }
    Ok(())
}

/// The outcome of downloading a plan.
#[derive(Debug, Default)]
pub struct DownloadReport {
    /// Files now present and verified, in name order.
    pub present: Vec<PathBuf>,
    pub downloaded: usize,
    pub already_present: usize,
    pub bytes: u64,
    pub failed: Vec<(String, FetchError)>,
}

/// Downloads every file of a plan with `jobs` parallel connections.
pub fn download_all(
    client: &Client,
    plan: &FetchPlan,
    dest: &Path,
    jobs: usize,
    on_bytes: &(dyn Fn(u64) + Sync),
    on_file: &(dyn Fn(&RemoteFile, &Result<u64, FetchError>) + Sync),
) -> Result<DownloadReport, FetchError> {
    fs::create_dir_all(dest).map_err(|e| io_err(dest, e))?;
    let (tx, rx) = crossbeam_channel::unbounded();
    for f in &plan.files {
        tx.send(f).expect("receiver alive");
    }
    drop(tx);
    let report = Mutex::new(DownloadReport::default());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let rx = rx.clone();
            let report = &report;
            scope.spawn(move || {
                for file in rx {
                    let result = client.download(file, dest, on_bytes);
                    on_file(file, &result);
                    let mut r = report.lock().expect("no panics while locked");
                    match result {
                        Ok(0) => {
                            r.already_present += 1;
                            r.present.push(dest.join(&file.name));
                        }
                        Ok(n) => {
                            r.downloaded += 1;
                            r.bytes += n;
                            r.present.push(dest.join(&file.name));
                        }
                        Err(e) => r.failed.push((file.name.clone(), e)),
                    }
                }
            });
        }
    });
    let mut report = report.into_inner().expect("no panics while locked");
    report.present.sort();
    report.failed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(report)
}

fn classify(url: &str, e: ureq::Error) -> FetchError {
    match e {
        ureq::Error::Io(_)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Timeout(_) => FetchError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        },
        other => FetchError::Http {
            url: url.to_string(),
            reason: other.to_string(),
        },
    }
}

/// `YYYYMMDDHHMMSS` of a day and minute of day.
fn stamp(day: i32, minute: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}{m:02}{d:02}{:02}{:02}00", minute / 60, minute % 60)
}

/// The days a GDELT 1.0 file covers, from its name.
fn v1_period(name: &str) -> Option<(i32, i32)> {
    let digits: &str = name.split('.').next()?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    match digits.len() {
        8 if name.ends_with(".export.CSV.zip") => {
            let d = days_from_civil(
                num(&digits[..4])? as i32,
                num(&digits[4..6])?,
                num(&digits[6..])?,
            )?;
            Some((d, d))
        }
        6 if name.ends_with(".zip") => {
            let (y, m) = (num(&digits[..4])? as i32, num(&digits[4..])?);
            let first = days_from_civil(y, m, 1)?;
            let next = if m == 12 {
                days_from_civil(y + 1, 1, 1)?
            } else {
                days_from_civil(y, m + 1, 1)?
            };
            Some((first, next - 1))
        }
        4 if name.ends_with(".zip") => {
            let y = num(digits)? as i32;
            Some((days_from_civil(y, 1, 1)?, days_from_civil(y, 12, 31)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_names_cover_their_periods() {
        let d = |y, m, dd| days_from_civil(y, m, dd).unwrap();
        assert_eq!(
            v1_period("20190214.export.CSV.zip"),
            Some((d(2019, 2, 14), d(2019, 2, 14)))
        );
        assert_eq!(
            v1_period("201302.zip"),
            Some((d(2013, 2, 1), d(2013, 2, 28)))
        );
        assert_eq!(
            v1_period("1982.zip"),
            Some((d(1982, 1, 1), d(1982, 12, 31)))
        );
        assert_eq!(v1_period("GDELT.MASTERREDUCEDV2.1979-2013.zip"), None);
    }

    #[test]
    fn stamps_are_quarter_hours() {
        let day = days_from_civil(2019, 2, 14).unwrap();
        assert_eq!(stamp(day, 0), "20190214000000");
        assert_eq!(stamp(day, 23 * 60 + 45), "20190214234500");
    }
}
