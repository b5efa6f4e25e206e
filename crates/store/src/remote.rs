//! Stores in an object store (`s3://BUCKET/PREFIX`, or any S3-compatible server): the same files under the same
//! names as a local store, read by every query, written only by [`push`] from a local store.
//!
//! Why read-only: the commit protocol relies on renames and a file lock, which object stores do not have. A store
//! is written on one machine's file system and pushed; a push uploads the data and quarantine files first and
//! the manifest last, each object whole, so a reader sees only whole files (see `docs/cluster.md` for the one
//! caveat: a query that lists files during a push may see a transaction's new files before its manifest entry).
//!
//! Credentials and the endpoint come from the environment, as in AWS's own tools: `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ENDPOINT_URL` for an
//! S3-compatible server and `AWS_ALLOW_HTTP=true` when that endpoint is plain HTTP. Every process that reads the
//! store (the client and each cluster process) needs them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use url::Url;

use crate::{MANIFEST_FILE, META_DIR, Manifest, StoreError};

/// Where a store is: a folder on this machine, or an object-store URL (`s3://BUCKET/PREFIX/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Local(PathBuf),
    /// Always ends with `/`.
    Remote(Url),
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Local(path) => write!(f, "{}", path.display()),
            // As users write it, without the trailing slash the URL keeps.
            StoreLocation::Remote(url) => write!(f, "{}", url.as_str().trim_end_matches('/')),
        }
    }
}

impl StoreLocation {
    /// The folder, for a store on this machine.
    pub fn local(&self) -> Option<&Path> {
        match self {
            StoreLocation::Local(path) => Some(path),
            StoreLocation::Remote(_) => None,
        }
    }

    /// The folder, or an error that says the command needs one (`what` names the command: "ingest writes").
    pub fn require_local(&self, what: &str) -> Result<&Path, fulcrum_model::ValueError> {
        self.local().ok_or_else(|| {
            fulcrum_model::ValueError::new(
                &self.to_string(),
                "a store on this machine",
                format!(
                    "a folder: {what} a store's files directly, and object stores are read-only to Fulcrum; work \
                     on a local store and copy it there with `fulcrum push {self}`"
                ),
            )
        })
    }
}

/// Parses a store as users write it: a path, a `file://` URL, or an `s3://BUCKET/PREFIX` URL. Other object-store
/// schemes are refused with what to do instead.
pub fn store_location(s: &str) -> Result<StoreLocation, fulcrum_model::ValueError> {
    if let Some(path) = s.strip_prefix("file://") {
        return Ok(StoreLocation::Local(PathBuf::from(path)));
    }
    let Some((scheme, _)) = s.split_once("://") else {
        return Ok(StoreLocation::Local(PathBuf::from(s)));
    };
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(StoreLocation::Local(PathBuf::from(s)));
    }
    let refuse = |why: &str| fulcrum_model::ValueError::new(s, "a store", why.to_string());
    if !scheme.eq_ignore_ascii_case("s3") {
        return Err(refuse(
            "a folder path, a file:// URL or an s3://BUCKET/PREFIX URL (S3 or an S3-compatible server); other \
             object stores (gs://, az://, http://) are not supported: mount the store on a shared file system \
             and give its path",
        ));
    }
    let mut url = Url::parse(s).map_err(|e| refuse(&format!("an s3://BUCKET/PREFIX URL ({e})")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("an s3://BUCKET/PREFIX URL with a bucket name"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse(
            "an s3://BUCKET/PREFIX URL without ?query or #fragment",
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(StoreLocation::Remote(url))
}

/// The client for an object-store URL's bucket, configured from the environment (see the module's note).
pub fn object_store(url: &Url) -> Result<Arc<dyn ObjectStore>, StoreError> {
    let bucket = url.host_str().unwrap_or_default();
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_url(format!("s3://{bucket}"))
        .build()
        .map_err(|error| StoreError::remote(url, error))?;
    Ok(Arc::new(store))
}

/// The object path of `relative` (a path inside the store, `/`-separated) under the store's prefix.
fn object_path(root: &Url, relative: &str) -> ObjectPath {
    let prefix = root.path().trim_matches('/');
    if prefix.is_empty() {
        ObjectPath::from(relative)
    } else {
        ObjectPath::from(format!("{prefix}/{relative}"))
    }
}

fn manifest_relative() -> String {
    format!("{META_DIR}/{MANIFEST_FILE}")
}

fn runtime() -> Result<tokio::runtime::Runtime, StoreError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::io(Path::new("<runtime>"), e))
}

/// Reads the manifest of a store in an object store. A prefix without one is no store.
pub fn read_manifest(root: &Url) -> Result<Manifest, StoreError> {
    let store = object_store(root)?;
    let path = object_path(root, &manifest_relative());
    let bytes = runtime()?.block_on(async {
        match store.get(&path).await {
            Ok(got) => got.bytes().await.map(Some),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    });
    match bytes.map_err(|error| StoreError::remote(root, error))? {
        Some(bytes) => Manifest::from_json(&bytes, root.as_str()),
        None => Err(StoreError::NoRemoteStore(root.to_string())),
    }
}

/// What [`push`] did, file by file.
#[derive(Debug, Clone, PartialEq)]
pub enum PushStep {
    /// Uploaded (relative path, bytes).
    Uploaded(String, u64),
    /// Already there with the same size: files are never rewritten in place, so the same name and size is the
    /// same file.
    Unchanged(String, u64),
}

/// What a push did in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushReport {
    pub uploaded_files: usize,
    pub uploaded_bytes: u64,
    pub unchanged_files: usize,
    pub transactions: usize,
}

/// Objects at least this large go up in parts, so a push never holds a whole big file in memory.
const MULTIPART_FROM: u64 = 16 << 20;
/// The part size; S3 takes parts of 5 MiB and more.
const PART_SIZE: usize = 8 << 20;

/// Copies a local store's committed files to an object store (`s3://BUCKET/PREFIX/`): the data and quarantine
/// files the manifest names, then the manifest, so the remote store becomes a new version in one step. Files
/// already there with the same size are skipped, so pushing again after an ingest uploads only what is new.
/// The de-duplication keys stay local: they serve writes, and object stores are read-only to Fulcrum.
pub fn push(
    local: &Path,
    remote: &Url,
    on_step: &mut dyn FnMut(&PushStep),
) -> Result<PushReport, StoreError> {
    let snapshot = crate::Snapshot::open(local)?;
    let store = object_store(remote)?;
    let files: Vec<&str> = snapshot
        .data_files()
        .chain(snapshot.quarantine_files())
        .collect();
    let mut report = PushReport {
        transactions: snapshot.manifest.txns.len(),
        ..Default::default()
    };
    let runtime = runtime()?;
    for relative in files {
        let source = local.join(relative);
        let size = std::fs::metadata(&source)
            .map_err(|e| StoreError::io(&source, e))?
            .len();
        let target = object_path(remote, relative);
        let there = runtime.block_on(async {
            match store.head(&target).await {
                Ok(meta) => Ok(Some(meta.size)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        let step = if there.map_err(|error| StoreError::remote(remote, error))? == Some(size) {
            report.unchanged_files += 1;
            PushStep::Unchanged(relative.to_string(), size)
        } else {
            runtime.block_on(upload(store.as_ref(), &source, &target, size, remote))?;
            report.uploaded_files += 1;
            report.uploaded_bytes += size;
            PushStep::Uploaded(relative.to_string(), size)
        };
        on_step(&step);
    }
    let manifest = snapshot.manifest.to_json();
    let target = object_path(remote, &manifest_relative());
    runtime
        .block_on(store.put(&target, PutPayload::from(manifest)))
        .map_err(|error| StoreError::remote(remote, error))?;
    Ok(report)
}

async fn upload(
    store: &dyn ObjectStore,
    source: &Path,
    target: &ObjectPath,
    size: u64,
    remote: &Url,
) -> Result<(), StoreError> {
    use std::io::Read;
    let failed = |error| StoreError::remote(remote, error);
    if size < MULTIPART_FROM {
        let bytes = std::fs::read(source).map_err(|e| StoreError::io(source, e))?;
        store
            .put(target, PutPayload::from(bytes))
            .await
            .map_err(failed)?;
        return Ok(());
    }
    let mut file = std::fs::File::open(source).map_err(|e| StoreError::io(source, e))?;
    let upload = store.put_multipart(target).await.map_err(failed)?;
    let mut parts = object_store::WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let mut buffer = vec![0u8; PART_SIZE];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| StoreError::io(source, e))?;
        if n == 0 {
            break;
        }
        // At most two parts in flight: memory stays at a few parts whatever the file's size.
        parts.wait_for_capacity(2).await.map_err(failed)?;
        parts.write(&buffer[..n]);
    }
    parts.finish().await.map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_are_paths_file_urls_or_s3_urls() {
        let local = |s: &str| StoreLocation::Local(PathBuf::from(s));
        assert_eq!(
            store_location("fulcrum-store").unwrap(),
            local("fulcrum-store")
        );
        assert_eq!(
            store_location("file:///shared/store").unwrap(),
            local("/shared/store")
        );
        assert_eq!(store_location("odd:name").unwrap(), local("odd:name"));
        let remote = store_location("s3://bucket/stores/gdelt").unwrap();
        assert_eq!(remote.to_string(), "s3://bucket/stores/gdelt");
        assert_eq!(
            object_path(
                match &remote {
                    StoreLocation::Remote(u) => u,
                    _ => unreachable!(),
                },
                "year=2019/month=02/part-1.parquet"
            )
            .as_ref(),
            "stores/gdelt/year=2019/month=02/part-1.parquet"
        );
        let bare = store_location("s3://bucket").unwrap();
        assert_eq!(bare.to_string(), "s3://bucket");
        for refused in [
            "gs://bucket/store",
            "http://host/store",
            "s3:///store",
            "s3://b/s?x=1",
        ] {
            let e = store_location(refused).unwrap_err().to_string();
            assert!(e.contains(refused) && e.contains("s3://"), "{refused}: {e}");
        }
        let e = remote
            .require_local("ingest writes")
            .unwrap_err()
            .to_string();
        assert!(e.contains("fulcrum push"), "{e}");
    }
}
