//! A record's body: streamed in, hashed as it comes, visible only whole and matching; streamed
//! out for downloads.

use super::{PART_SIZE, PARTS_IN_FLIGHT, RecordKey, Storage, StorageError};
use bytes::Bytes;
use caretrail_types::Hash32;
use futures_util::stream::{BoxStream, Stream, StreamExt as _};
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutMode, PutPayload, WriteMultipart};
use rand_core::RngCore as _;
use sha2::{Digest as _, Sha256};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A body as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredBody {
    pub size: u64,
    /// SHA-256 of the bytes exactly as stored.
    pub sha256: Hash32,
}

/// A body being read from the store, chunk by chunk.
pub struct BodyStream {
    /// The whole body's size, known before the first chunk (for `Content-Length`).
    pub size: u64,
    chunks: BoxStream<'static, Result<Bytes, StorageError>>,
}

impl std::fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyStream")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Stream for BodyStream {
    type Item = Result<Bytes, StorageError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.poll_next_unpin(cx)
    }
}

/// What has come in of a body so far.
struct Intake {
    hasher: Sha256,
    size: u64,
    cap: u64,
}

impl Intake {
    fn take(&mut self, chunk: &[u8]) -> Result<(), StorageError> {
        self.size += chunk.len() as u64;
        if self.size > self.cap {
            return Err(StorageError::TooLarge { cap: self.cap });
        }
        self.hasher.update(chunk);
        Ok(())
    }

    fn finish(self, expected: Hash32) -> Result<StoredBody, StorageError> {
        let actual = Hash32(self.hasher.finalize().into());
        if actual != expected {
            return Err(StorageError::HashMismatch { expected, actual });
        }
        Ok(StoredBody {
            size: self.size,
            sha256: actual,
        })
    }
}

/// A multipart upload to `staging/`, aborted if it is dropped before it is finished (the
/// request was cancelled), so that its parts do not linger.
struct Staged {
    path: Path,
    writer: Option<WriteMultipart>,
}

impl Staged {
    async fn abort(mut self) {
        if let Some(writer) = self.writer.take()
            && let Err(e) = writer.abort().await
        {
            tracing::warn!(path = %self.path, error = %e, "a staged upload could not be aborted");
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = writer.abort().await;
            });
        }
    }
}

fn staging_path() -> Path {
    let mut name = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut name);
    Path::from(format!("staging/{}", hex::encode(name)))
}

impl Storage {
    /// Streams a record's body into the store. It becomes visible under the record's name only
    /// when it is whole, at most `size_cap` bytes, and its SHA-256 is `expected`; otherwise
    /// nothing is left under that name (see the module's documentation for how).
    pub async fn put_body<S, E>(
        &self,
        key: &RecordKey,
        expected: Hash32,
        size_cap: u64,
        body: S,
    ) -> Result<StoredBody, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display + Send,
    {
        // Not the guarantee (the create-only write at the end is), but it spares uploading a
        // large body only to be refused.
        if self.exists(key).await? {
            return Err(StorageError::AlreadyExists);
        }
        let mut body = std::pin::pin!(body);
        let mut intake = Intake {
            hasher: Sha256::new(),
            size: 0,
            cap: size_cap,
        };

        // The first part stays in memory: a body that fits in it is written in one put.
        let mut first = Vec::new();
        let mut buffered = 0;
        while buffered < PART_SIZE {
            match body.next().await {
                None => {
                    let stored = intake.finish(expected)?;
                    self.put_whole(key, first).await?;
                    return Ok(stored);
                }
                Some(Err(e)) => return Err(StorageError::Interrupted(e.to_string())),
                Some(Ok(chunk)) => {
                    intake.take(&chunk)?;
                    buffered += chunk.len();
                    first.push(chunk);
                }
            }
        }

        let path = staging_path();
        let upload = self
            .store()
            .put_multipart(&path)
            .await
            .map_err(StorageError::backend_write)?;
        let mut staged = Staged {
            path,
            writer: Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)),
        };
        let streamed = async {
            let Some(writer) = staged.writer.as_mut() else {
                return Err(StorageError::Unavailable("the upload was lost".into()));
            };
            for chunk in first {
                writer.put(chunk);
            }
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| StorageError::Interrupted(e.to_string()))?;
                intake.take(&chunk)?;
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(StorageError::backend_write)?;
                writer.put(chunk);
            }
            Ok(())
        }
        .await;
        let stored = match streamed.and_then(|()| intake.finish(expected)) {
            Ok(stored) => stored,
            Err(e) => {
                staged.abort().await;
                return Err(e);
            }
        };
        let Some(writer) = staged.writer.take() else {
            return Err(StorageError::Unavailable("the upload was lost".into()));
        };
        // `finish` aborts the upload itself when completing it fails.
        writer.finish().await.map_err(StorageError::backend_write)?;

        let published = {
            let _slot = self.inner.publishing.take(&key.body_path()).await;
            self.store()
                .copy_if_not_exists(&staged.path, &key.body_path())
                .await
        };
        if let Err(e) = self.store().delete(&staged.path).await {
            tracing::warn!(path = %staged.path, error = %e, "a staging object was left behind");
        }
        published.map_err(StorageError::backend_write)?;
        Ok(stored)
    }

    /// Writes a whole, checked body with one create-only put.
    async fn put_whole(&self, key: &RecordKey, chunks: Vec<Bytes>) -> Result<(), StorageError> {
        let path = key.body_path();
        let _slot = self.inner.publishing.take(&path).await;
        self.store()
            .put_opts(&path, PutPayload::from_iter(chunks), PutMode::Create.into())
            .await
            .map_err(StorageError::backend_write)?;
        Ok(())
    }

    /// Opens a record's body for reading, chunk by chunk.
    pub async fn get_body(&self, key: &RecordKey) -> Result<BodyStream, StorageError> {
        let found = self
            .store()
            .get(&key.body_path())
            .await
            .map_err(StorageError::backend)?;
        Ok(BodyStream {
            size: found.meta.size,
            chunks: found
                .into_stream()
                .map(|chunk| {
                    chunk.map_err(|e| StorageError::Unavailable(format!("reading failed: {e}")))
                })
                .boxed(),
        })
    }
}

impl StorageError {
    /// A failure while writing: `NotFound` there means a staging object vanished, not that the
    /// record is missing.
    fn backend_write(error: object_store::Error) -> Self {
        match Self::backend(error) {
            Self::NotFound => Self::Unavailable("a staged upload vanished".into()),
            other => other,
        }
    }
}
