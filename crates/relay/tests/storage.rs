//! The record store's contract, run the same against local files and a real S3-compatible server
//! (`s3s-fs`, started here on a free loopback port, one per test, with a fresh bucket).

use bytes::Bytes;
use caretrail_relay::storage::{
    LocalS3 as S3Server, PART_SIZE, RecordKey, S3Secret, Storage, StorageConfig, StorageError,
    StorageLimits,
};
use caretrail_types::Hash32;
use futures_util::stream::{self, Stream, StreamExt as _};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---- the tests, each run on both backends ----------------------------------------------------

async fn round_trip(backend: Backend) {
    let storage = &backend.storage;
    let key = key(1);
    let header = Bytes::from(vec![7u8; 220]);
    let body = Body::new(1, 3_000);
    assert!(!storage.exists(&key).await.expect("exists"));

    storage
        .put_header(&key, header.clone())
        .await
        .expect("header");
    let stored = storage
        .put_body(&key, body.sha256(), body.len, body.stream(1_000))
        .await
        .expect("body");
    assert_eq!((stored.size, stored.sha256), (body.len, body.sha256()));

    assert_eq!(storage.get_header(&key).await.expect("header"), header);
    assert_eq!(storage.head_body(&key).await.expect("head"), body.len);
    assert!(storage.exists(&key).await.expect("exists"));
    assert_eq!(read_body(storage, &key).await, (body.len, body.sha256()));
    backend.assert_holds(&record(&key)).await;

    // A record that is not there.
    let other = self::key(2);
    assert!(!storage.exists(&other).await.expect("exists"));
    assert!(matches!(
        storage.get_header(&other).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        storage.get_body(&other).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        storage.head_body(&other).await,
        Err(StorageError::NotFound)
    ));
    // An empty body is a body too.
    let empty = Body::new(3, 0);
    storage
        .put_body(&other, empty.sha256(), 10, empty.stream(10))
        .await
        .expect("empty body");
    assert_eq!(read_body(storage, &other).await, (0, empty.sha256()));
}

async fn a_large_body_streams_through_in_small_chunks(backend: Backend) {
    let storage = &backend.storage;
    let key = key(1);
    let body = Body::new(9, 20 * 1024 * 1024 + 123);
    let stored = storage
        .put_body(&key, body.sha256(), body.len, body.stream(16 * 1024))
        .await
        .expect("20 MiB body");
    assert_eq!((stored.size, stored.sha256), (body.len, body.sha256()));
    let download = storage.get_body(&key).await.expect("get");
    assert_eq!(download.size, body.len);
    assert_eq!(read_body(storage, &key).await, (body.len, body.sha256()));
    backend.assert_holds(&[key.body_path()]).await;
}

async fn a_hash_mismatch_leaves_nothing(backend: Backend) {
    let storage = &backend.storage;
    let key = key(1);
    for len in [1_000, PART_SIZE as u64 + 1_000_000] {
        let body = Body::new(4, len);
        let wrong = Hash32([0xab; 32]);
        match storage
            .put_body(&key, wrong, u64::MAX, body.stream(64 * 1024))
            .await
        {
            Err(StorageError::HashMismatch { expected, actual }) => {
                assert_eq!((expected, actual), (wrong, body.sha256()));
            }
            other => panic!("a {len}-byte body with the wrong hash: {other:?}"),
        }
        assert!(!storage.exists(&key).await.expect("exists"));
        backend.assert_holds(&[]).await;
    }
}

async fn a_stream_that_fails_midway_leaves_nothing(backend: Backend) {
    let storage = &backend.storage;
    let key = key(1);
    // Within the first part, and after a part was uploaded.
    for len in [1_000, PART_SIZE as u64 + 2_000_000] {
        let body = Body::new(5, len);
        let cut = body.stream(64 * 1024).chain(stream::once(async {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset by peer",
            ))
        }));
        match storage.put_body(&key, body.sha256(), u64::MAX, cut).await {
            Err(StorageError::Interrupted(reason)) => assert!(reason.contains("reset"), "{reason}"),
            other => panic!("a {len}-byte body cut short: {other:?}"),
        }
        backend.assert_holds(&[]).await;
    }
}

async fn an_oversized_object_is_refused(backend: Backend) {
    let storage = &backend.storage;
    let key = key(1);
    for cap in [64 * 1024, PART_SIZE as u64 + 500_000] {
        let body = Body::new(6, cap + 1);
        match storage
            .put_body(&key, body.sha256(), cap, body.stream(64 * 1024))
            .await
        {
            Err(StorageError::TooLarge { cap: said }) => assert_eq!(said, cap),
            other => panic!("a body one byte over {cap}: {other:?}"),
        }
        backend.assert_holds(&[]).await;
    }
    let exact = Body::new(6, 64 * 1024);
    let exact_key = self::key(2);
    storage
        .put_body(&exact_key, exact.sha256(), 64 * 1024, exact.stream(1000))
        .await
        .expect("a body of exactly the cap");

    let header_cap = storage.limits().header;
    let header = Bytes::from(vec![0u8; header_cap as usize + 1]);
    assert!(matches!(
        storage.put_header(&key, header).await,
        Err(StorageError::TooLarge { cap }) if cap == header_cap
    ));
    backend.assert_holds(&[exact_key.body_path()]).await;
}

async fn a_second_upload_is_refused(backend: Backend) {
    let storage = &backend.storage;
    let key = key(1);
    let first = Body::new(1, 2_000);
    storage
        .put_header(&key, Bytes::from_static(b"header one"))
        .await
        .expect("header");
    storage
        .put_body(&key, first.sha256(), u64::MAX, first.stream(500))
        .await
        .expect("body");
    for second in [Body::new(2, 3_000), Body::new(2, PART_SIZE as u64 + 10)] {
        assert!(matches!(
            storage
                .put_body(&key, second.sha256(), u64::MAX, second.stream(64 * 1024))
                .await,
            Err(StorageError::AlreadyExists)
        ));
    }
    assert!(matches!(
        storage
            .put_header(&key, Bytes::from_static(b"header two"))
            .await,
        Err(StorageError::AlreadyExists)
    ));
    assert_eq!(
        storage.get_header(&key).await.expect("header"),
        Bytes::from_static(b"header one")
    );
    assert_eq!(read_body(storage, &key).await, (first.len, first.sha256()));
    backend.assert_holds(&record(&key)).await;
}

async fn of_two_concurrent_uploads_exactly_one_wins(backend: Backend) {
    for (n, len) in [(1u8, 4_000u64), (2, PART_SIZE as u64 + 1_500_000)] {
        let key = key(n);
        let bodies = [Body::new(10 + n, len), Body::new(20 + n, len)];
        assert_ne!(bodies[0].sha256(), bodies[1].sha256());
        let uploads = bodies.map(|body| {
            let storage = backend.storage.clone();
            tokio::spawn(async move {
                storage
                    .put_body(&key, body.sha256(), u64::MAX, body.stream(32 * 1024))
                    .await
            })
        });
        let [a, b] = uploads;
        let results = [a.await.expect("join"), b.await.expect("join")];
        let winners: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
        assert_eq!(winners.len(), 1, "{len} bytes: {results:?}");
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(StorageError::AlreadyExists))),
            "{results:?}"
        );
        let winner = bodies
            .iter()
            .zip(&results)
            .find_map(|(body, r)| r.is_ok().then_some(body))
            .expect("a winner");
        assert_eq!(
            read_body(&backend.storage, &key).await,
            (winner.len, winner.sha256())
        );
    }
    backend
        .assert_holds(&[key(1).body_path(), key(2).body_path()])
        .await;
}

async fn a_new_header_leaves_the_body_as_it_was(backend: Backend) {
    let storage = &backend.storage;
    let key = key(1);
    assert!(matches!(
        storage
            .replace_header(&key, Bytes::from_static(b"nothing to replace"))
            .await,
        Err(StorageError::NotFound)
    ));
    let body = Body::new(3, 10_000);
    storage
        .put_header(&key, Bytes::from(vec![1u8; 220]))
        .await
        .expect("header");
    storage
        .put_body(&key, body.sha256(), u64::MAX, body.stream(4096))
        .await
        .expect("body");
    let two_readers = Bytes::from(vec![2u8; 382]);
    storage
        .replace_header(&key, two_readers.clone())
        .await
        .expect("replace");
    assert_eq!(storage.get_header(&key).await.expect("header"), two_readers);
    assert_eq!(read_body(storage, &key).await, (body.len, body.sha256()));
    backend.assert_holds(&record(&key)).await;
}

async fn a_backend_that_is_down_is_unavailable_and_loses_nothing(mut backend: Backend) {
    let key = key(1);
    let body = Body::new(8, PART_SIZE as u64 + 100);
    backend
        .storage
        .put_header(&key, Bytes::from_static(b"header"))
        .await
        .expect("header");
    backend
        .storage
        .put_body(&key, body.sha256(), u64::MAX, body.stream(64 * 1024))
        .await
        .expect("body");

    backend.take_down();
    let storage = backend.storage.clone();
    let later = self::key(2);
    let small = Body::new(9, 100);
    let unavailable = |what: &str, result: Result<(), StorageError>| match result {
        Err(StorageError::Unavailable(_)) => {}
        other => panic!("{what} while the backend is down: {other:?}"),
    };
    unavailable("exists", storage.exists(&key).await.map(drop));
    unavailable("get_header", storage.get_header(&key).await.map(drop));
    unavailable("get_body", storage.get_body(&key).await.map(drop));
    unavailable(
        "put_header",
        storage.put_header(&later, Bytes::from_static(b"h")).await,
    );
    unavailable(
        "put_body",
        storage
            .put_body(&later, small.sha256(), u64::MAX, small.stream(10))
            .await
            .map(drop),
    );

    backend.bring_back();
    assert_eq!(
        storage.get_header(&key).await.expect("header after"),
        Bytes::from_static(b"header")
    );
    assert_eq!(read_body(&storage, &key).await, (body.len, body.sha256()));
    storage
        .put_body(&later, small.sha256(), u64::MAX, small.stream(10))
        .await
        .expect("an upload once it is back");
    backend
        .assert_holds(&[key.header_path(), key.body_path(), later.body_path()])
        .await;
}

async fn invalid_ids_are_refused(backend: Backend) {
    for bad in [
        "",
        "..",
        "../records/00/body",
        "staging/0123",
        "0x1234",
        &"g".repeat(64),
        &format!("{}/..", "0".repeat(61)),
    ] {
        assert!(
            matches!(RecordKey::from_hex(bad), Err(StorageError::InvalidId)),
            "{bad:?}"
        );
    }
    let key = RecordKey::from_hex(&format!("0x{}", "AB".repeat(32))).expect("an id");
    backend
        .storage
        .put_header(&key, Bytes::from_static(b"h"))
        .await
        .expect("header");
    assert_eq!(
        backend.storage.object_names().await.expect("list"),
        [format!("records/{}/header", "ab".repeat(32))]
    );
}

macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::local()).await
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::s3()).await
                }
            )*
        }
    };
}

on_both_backends!(
    round_trip,
    a_large_body_streams_through_in_small_chunks,
    a_hash_mismatch_leaves_nothing,
    a_stream_that_fails_midway_leaves_nothing,
    an_oversized_object_is_refused,
    a_second_upload_is_refused,
    of_two_concurrent_uploads_exactly_one_wins,
    a_new_header_leaves_the_body_as_it_was,
    a_backend_that_is_down_is_unavailable_and_loses_nothing,
    invalid_ids_are_refused,
);

#[tokio::test]
async fn an_s3_endpoint_nobody_listens_on_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let config = StorageConfig::S3 {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        bucket: "records".into(),
        region: "us-east-1".into(),
        access_key_id: Some("nobody".into()),
        secret_access_key: Some(S3Secret::new("nothing".into())),
        allow_http: true,
    };
    let storage = Storage::open(&config, StorageLimits::default()).expect("open");
    let body = Body::new(1, 10);
    match storage
        .put_body(&key(1), body.sha256(), 100, body.stream(10))
        .await
    {
        Err(StorageError::Unavailable(reason)) => assert!(!reason.is_empty()),
        other => panic!("{other:?}"),
    }
}

// ---- bodies --------------------------------------------------------------------------------

fn key(n: u8) -> RecordKey {
    RecordKey::new(Hash32([n; 32]))
}

/// A whole record's objects: its header and its body.
fn record(key: &RecordKey) -> [object_store::path::Path; 2] {
    [key.header_path(), key.body_path()]
}

/// A body of `len` pseudo-random bytes, made chunk by chunk as it is sent (never held whole).
#[derive(Debug, Clone, Copy)]
struct Body {
    seed: u8,
    len: u64,
}

impl Body {
    fn new(seed: u8, len: u64) -> Self {
        Self { seed, len }
    }

    /// The body's bytes in `range`.
    fn bytes(&self, range: std::ops::Range<u64>) -> Vec<u8> {
        range
            .map(|i| {
                let x = (i ^ (u64::from(self.seed) << 48)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                ((x ^ (x >> 29)) >> 32) as u8
            })
            .collect()
    }

    fn stream(
        self,
        chunk: u64,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let starts = (0..self.len).step_by(chunk as usize);
        stream::iter(starts.map(move |start| {
            Ok(Bytes::from(
                self.bytes(start..(start + chunk).min(self.len)),
            ))
        }))
    }

    fn sha256(&self) -> Hash32 {
        let mut hasher = Sha256::new();
        for start in (0..self.len).step_by(1 << 20) {
            hasher.update(self.bytes(start..(start + (1 << 20)).min(self.len)));
        }
        Hash32(hasher.finalize().into())
    }
}

/// The stored body's size and SHA-256, read back as a stream.
async fn read_body(storage: &Storage, key: &RecordKey) -> (u64, Hash32) {
    let mut download = storage.get_body(key).await.expect("get body");
    let said = download.size;
    let mut hasher = Sha256::new();
    let mut size = 0;
    while let Some(chunk) = download.next().await {
        let chunk = chunk.expect("chunk");
        size += chunk.len() as u64;
        hasher.update(&chunk);
    }
    assert_eq!(said, size, "the size told before the download");
    (size, Hash32(hasher.finalize().into()))
}

// ---- backends -------------------------------------------------------------------------------

const BUCKET: &str = "records";

struct Backend {
    storage: Storage,
    place: Place,
}

enum Place {
    Local {
        _dir: tempfile::TempDir,
        root: PathBuf,
    },
    S3(S3Server),
}

impl Backend {
    fn local() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("objects");
        let storage = Storage::open(
            &StorageConfig::Local { dir: root.clone() },
            StorageLimits::default(),
        )
        .expect("open local");
        Self {
            storage,
            place: Place::Local { _dir: dir, root },
        }
    }

    fn s3() -> Self {
        let server =
            S3Server::start(BUCKET).expect("s3s-fs starts (./scripts/setup.sh installs it)");
        let storage = Storage::open(&server.config(), StorageLimits::default()).expect("open s3");
        Self {
            storage,
            place: Place::S3(server),
        }
    }

    /// The store holds exactly these objects and nothing else: no staging object, no
    /// unfinished upload, no temporary file.
    async fn assert_holds(&self, objects: &[object_store::path::Path]) {
        let mut expected: Vec<String> = objects.iter().map(|p| p.to_string()).collect();
        expected.sort();
        // The backend's own listing, then the files themselves (object_store's listing hides
        // local staged files, `name#1`, and S3 listings hide unfinished multipart uploads).
        assert_eq!(self.storage.object_names().await.expect("list"), expected);
        match &self.place {
            Place::Local { root, .. } => assert_eq!(files(root), expected),
            Place::S3(server) => {
                assert_eq!(files(&server.root().join(BUCKET)), expected);
                // Parts of unfinished uploads and the server's temporary files. A part request
                // cancelled by an abort may still be winding down in the server: give it a moment.
                let unfinished = || -> Vec<String> {
                    files(server.root())
                        .into_iter()
                        .filter(|f| f.starts_with(".upload_id-") || f.starts_with(".tmp."))
                        .collect()
                };
                for _ in 0..50 {
                    if unfinished().is_empty() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                assert_eq!(unfinished(), Vec::<String>::new(), "left behind");
            }
        }
    }

    /// The disk is gone, or the server is killed.
    fn take_down(&mut self) {
        match &mut self.place {
            Place::Local { root, .. } => {
                std::fs::rename(&*root, root.with_extension("away")).expect("move away");
                // A file where the directory was: nothing can be created under it.
                std::fs::write(&*root, b"not a directory").expect("block");
            }
            Place::S3(server) => server.stop(),
        }
    }

    fn bring_back(&mut self) {
        match &mut self.place {
            Place::Local { root, .. } => {
                std::fs::remove_file(&*root).expect("unblock");
                std::fs::rename(root.with_extension("away"), &*root).expect("move back");
            }
            Place::S3(server) => server.restart().expect("s3s-fs restarts"),
        }
    }
}

/// Files under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let relative = path.strip_prefix(base).expect("under base");
                out.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}
