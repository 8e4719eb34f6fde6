//! The relay's record store: encrypted envelopes as objects, on local disk or in an S3 bucket.
//!
//! A record is two objects under its 32-byte id ([`RecordKey`]): `records/<id>/header`, the
//! envelope header, rewritten when a reader is added, and `records/<id>/body`, the body, written
//! once and never overwritten. The body's SHA-256 (over its bytes exactly as stored) is what the
//! uploader signs and the chain anchors, so adding a reader changes neither the id nor the hash.
//!
//! # How a body becomes visible
//!
//! [`Storage::put_body`] hashes the stream as it arrives and counts its size. Nothing is written
//! under the record's name until the whole body is in and its hash is the expected one:
//!
//! - A body that fits in one part (5 MiB, held in memory) is checked, then written with one
//!   create-only put (`PutMode::Create`): `If-None-Match: *` on S3, a hard link from a staged
//!   file on local disk. Either is atomic: a reader sees the whole object or none.
//! - A larger body streams as a multipart upload to `staging/<random>`: [`PARTS_IN_FLIGHT`]
//!   parts of 5 MiB being sent and one being filled are all it holds in memory (15 MiB, whatever
//!   the body's size).
//!   When it is whole and matches, it is copied to the record's name with a create-only copy
//!   (`copy_if_not_exists`), and the staging object is deleted. On local disk the upload is a
//!   `staging/<random>#n` file that is renamed when complete, and the copy is a hard link
//!   (`link(2)` refuses an existing name atomically). On S3 the copy is
//!   `S3CopyIfNotExists::Multipart`: a one-part multipart upload whose part copies the staging
//!   object server-side (UploadPartCopy, up to 5 GiB) and whose completion carries
//!   `If-None-Match: *`, which Amazon S3 applies atomically.
//!   (`PutMultipartOptions` has no create-only mode in object_store 0.14, so a multipart upload
//!   cannot be completed create-only under the record's own name.)
//! - A hash mismatch, a body over the cap, or a stream that fails (the client's connection
//!   dropped) writes nothing for a small body and aborts the multipart upload of a large one
//!   (which deletes its parts); nothing was ever under the record's name. If the relay dies mid-upload, an unfinished multipart upload or a
//!   `staging/` object may remain, never a record: an S3 lifecycle rule that expires `staging/`
//!   and aborts incomplete uploads after a day cleans them.
//!
//! A second upload to an existing name is refused with [`StorageError::AlreadyExists`] by the
//! backend's create-only write (an early existence check only spares uploading a body for
//! nothing). The test server, `s3s-fs` 0.14, honours `If-None-Match` on `PutObject` and
//! `CompleteMultipartUpload` but checks before it writes rather than atomically: without more,
//! two concurrent uploads of one record both succeeded against it. So this relay also publishes
//! one name at a time in process (`publish::Slots`); across several relays it is the backend's
//! own atomic conditional write that decides, which a production bucket must therefore have.
//!
//! A backend that cannot be reached is [`StorageError::Unavailable`] (`storage_unavailable` on
//! the wire) after three quick retries: nothing half-written stays behind, and what was stored
//! before reads back once the backend is back.

mod body;
mod config;
mod key;
mod local_s3;
mod publish;

pub use body::{BodyStream, StoredBody};
pub use config::{S3Secret, StorageConfig, StorageLimits};
pub use key::RecordKey;
pub use local_s3::{LocalS3, s3s_fs};

use bytes::Bytes;
use caretrail_types::Hash32;
use futures_util::TryStreamExt as _;
use object_store::aws::{AmazonS3Builder, S3ConditionalPut, S3CopyIfNotExists};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::{
    BackoffConfig, ObjectStore, ObjectStoreExt as _, PutMode, PutPayload, RetryConfig,
};
use std::sync::Arc;
use std::time::Duration;

/// A multipart upload's part size: S3's smallest part (but the last), and the most of a body
/// held in memory before its upload starts.
pub const PART_SIZE: usize = 5 * 1024 * 1024;

/// Parts of one upload sent at once: with the part being filled, at most
/// `(PARTS_IN_FLIGHT + 1) × PART_SIZE` bytes of a body are in memory.
pub const PARTS_IN_FLIGHT: usize = 2;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("this record is already stored; a record is written once")]
    AlreadyExists,
    #[error("the body's SHA-256 is {actual}, not the {expected} it was signed with")]
    HashMismatch { expected: Hash32, actual: Hash32 },
    #[error("the object is larger than the {cap} bytes allowed")]
    TooLarge { cap: u64 },
    #[error("the upload stopped before the end: {0}")]
    Interrupted(String),
    #[error("no such record in the store")]
    NotFound,
    #[error("a record id is 32 bytes of hex")]
    InvalidId,
    #[error("the record store cannot be reached: {0}")]
    Unavailable(String),
}

impl StorageError {
    /// Any other failure of the backend: it is down, unreachable, or refusing the relay.
    fn backend(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { .. } => Self::NotFound,
            object_store::Error::AlreadyExists { .. } => Self::AlreadyExists,
            other => Self::Unavailable(other.to_string()),
        }
    }
}

/// The record store. Cheap to clone: clones share one backend client.
#[derive(Debug, Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn ObjectStore>,
    limits: StorageLimits,
    publishing: publish::Slots,
}

/// Retries of one backend request: short, so that a backend that is down is told to the client
/// within seconds (as `storage_unavailable`) instead of after object_store's three minutes.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: Duration::from_secs(15),
    }
}

impl Storage {
    /// Opens the backend. Nothing is asked of it yet: a bucket that is down now is
    /// [`StorageError::Unavailable`] at the first request, not a relay that will not start.
    pub fn open(config: &StorageConfig, limits: StorageLimits) -> Result<Self, StorageError> {
        let store: Arc<dyn ObjectStore> = match config {
            StorageConfig::Local { dir } => {
                caretrail_fs::create_dir(dir).map_err(|e| {
                    StorageError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
                // Records are medical data: a write that returned is on disk.
                let local = LocalFileSystem::new_with_prefix(dir)
                    .map_err(StorageError::backend)?
                    .with_fsync(true);
                Arc::new(local)
            }
            StorageConfig::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_allow_http(*allow_http)
                    .with_conditional_put(S3ConditionalPut::ETagMatch)
                    .with_copy_if_not_exists(S3CopyIfNotExists::Multipart)
                    .with_retry(retry());
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(id) = access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose());
                }
                Arc::new(builder.build().map_err(StorageError::backend)?)
            }
            StorageConfig::Memory => Arc::new(InMemory::new()),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                limits,
                publishing: publish::Slots::default(),
            }),
        })
    }

    pub fn limits(&self) -> StorageLimits {
        self.inner.limits
    }

    fn store(&self) -> &dyn ObjectStore {
        self.inner.store.as_ref()
    }

    /// Stores a record's header; refused if it already has one.
    pub async fn put_header(&self, key: &RecordKey, header: Bytes) -> Result<(), StorageError> {
        self.check_header(&header)?;
        let path = key.header_path();
        let _slot = self.inner.publishing.take(&path).await;
        self.store()
            .put_opts(&path, PutPayload::from(header), PutMode::Create.into())
            .await
            .map_err(StorageError::backend)?;
        Ok(())
    }

    /// Replaces a record's header (a reader was added); the body is not touched. A record with
    /// no header yet is [`StorageError::NotFound`].
    pub async fn replace_header(&self, key: &RecordKey, header: Bytes) -> Result<(), StorageError> {
        self.check_header(&header)?;
        let path = key.header_path();
        self.store()
            .head(&path)
            .await
            .map_err(StorageError::backend)?;
        self.store()
            .put_opts(&path, PutPayload::from(header), PutMode::Overwrite.into())
            .await
            .map_err(StorageError::backend)?;
        Ok(())
    }

    pub async fn get_header(&self, key: &RecordKey) -> Result<Bytes, StorageError> {
        let found = self
            .store()
            .get(&key.header_path())
            .await
            .map_err(StorageError::backend)?;
        if found.meta.size > self.inner.limits.header {
            return Err(StorageError::TooLarge {
                cap: self.inner.limits.header,
            });
        }
        found.bytes().await.map_err(StorageError::backend)
    }

    /// The body's size in bytes.
    pub async fn head_body(&self, key: &RecordKey) -> Result<u64, StorageError> {
        let meta = self
            .store()
            .head(&key.body_path())
            .await
            .map_err(StorageError::backend)?;
        Ok(meta.size)
    }

    /// Whether the record's body is stored (the body is what its id names; the header alone is
    /// not a record).
    pub async fn exists(&self, key: &RecordKey) -> Result<bool, StorageError> {
        match self.head_body(key).await {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every object name in the store, sorted (`records/…`, and `staging/…` while uploads run):
    /// for operators and for tests that check nothing was left behind.
    pub async fn object_names(&self) -> Result<Vec<String>, StorageError> {
        let mut names: Vec<String> = self
            .store()
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(StorageError::backend)?;
        names.sort();
        Ok(names)
    }

    fn check_header(&self, header: &[u8]) -> Result<(), StorageError> {
        let cap = self.inner.limits.header;
        if header.len() as u64 > cap {
            return Err(StorageError::TooLarge { cap });
        }
        Ok(())
    }
}
