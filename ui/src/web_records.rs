//! The web page's records: the steps `crates/client` runs on the desktop, run here in wasm with
//! her session key (`web_wallet::session_key`). The page cannot read the chain, so the relay
//! tells it what the chain holds (`/v1/records/{id}/anchor`, `/v1/patients/{address}/...`,
//! `/v1/batches/{author}/{root}`, `/v1/participants/{address}`, `/v1/audit/roots`). The decisions are
//! `caretrail_protocol::records`'; this is their IO.
//!
//! A large file never sits in wasm memory: it is read a slice at a time (`File.slice`),
//! encrypted chunk by chunk with the streaming `Encryptor` while its body is hashed, and the
//! envelope is gathered as JS `Uint8Array`s into a `Blob` that `XMLHttpRequest` uploads. A record
//! read back arrives as a `Blob`; its body is hashed and checked against the anchor, then it is
//! decrypted slice by slice into another `Blob`, offered as a download link.

use crate::clock::now;
use crate::ipc::RecordProgress;
use crate::ipc::internal;
use crate::ipc::web::{
    relay_get, relay_post, signed_get, signed_get_bytes, signed_put_bytes, transfer,
};
use caretrail_crypto::envelope::{Decryptor, Encryptor};
use caretrail_crypto::record::{
    BodyHashingWriter, EnvelopeBodyHasher, record_id, sign_consent_grant, sign_consent_revocation,
    sign_own_anchor,
};
use caretrail_crypto::staff::StaffDomain;
use caretrail_crypto::{PublicKey, SecretKey};
use caretrail_protocol::access::kind_readers;
use caretrail_protocol::records::{self, CheckedRead, Listed, Opened, Saved, Share, Transfer};
use caretrail_protocol::request::{self, Ask, Domain};
use caretrail_types::{
    Address, AnchoredRecord, AuditRoot, AuditedRead, ChainAnchor, ChainBatch, ConsentEvent,
    ConsentGrantRequest, ConsentRevocationRequest, DOCUMENT_KIND, ErrorCode, Hash32, KIND_HEADER,
    NetworkInfo, OwnAnchorRequest, Participant, REQUEST_HEADER, RecordAnchor, RelayAction, Relayed,
    SignedRelayRequest, StoredRecord, UiError,
};
use rand_core::OsRng;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead as _, Read, Write};
use std::rc::Rc;
use wasm_bindgen_futures::JsFuture;

/// How much of a file is read into wasm at a time.
const SLICE_BYTES: f64 = 4.0 * 1024.0 * 1024.0;
/// How much is gathered before it leaves wasm as one `Uint8Array` of a Blob.
const PART_BYTES: usize = 1024 * 1024;
/// How much of an envelope is kept ahead of its decryption: more than the largest header
/// (1,024 readers, 166 KB) and more than one sealed chunk, so a read never runs dry early.
const WINDOW_BYTES: usize = 2 * 1024 * 1024;

const OCTETS: &str = "application/octet-stream";

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

async fn network() -> Result<NetworkInfo, UiError> {
    relay_get("/v1/network").await
}

fn domain(network: &NetworkInfo) -> Domain {
    Domain {
        chain_id: network.chain_id,
        records: network.record_registry,
    }
}

fn sign(
    key: &SecretKey,
    network: &NetworkInfo,
    action: RelayAction,
    subject: Hash32,
    content: Hash32,
) -> SignedRelayRequest {
    request::sign(
        key,
        domain(network),
        Ask {
            action,
            patient: key.address(),
            subject,
            content,
        },
        now(),
        &mut OsRng,
    )
}

/// Bytes gathered for a Blob: they leave wasm memory a part at a time.
struct BlobParts {
    parts: js_sys::Array,
    pending: Vec<u8>,
}

impl BlobParts {
    fn new() -> Self {
        Self {
            parts: js_sys::Array::new(),
            pending: Vec::with_capacity(PART_BYTES),
        }
    }

    fn push_part(&mut self) {
        if !self.pending.is_empty() {
            self.parts
                .push(&js_sys::Uint8Array::from(self.pending.as_slice()));
            self.pending.clear();
        }
    }

    fn into_blob(mut self) -> Result<web_sys::Blob, UiError> {
        self.push_part();
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(OCTETS);
        web_sys::Blob::new_with_u8_array_sequence_and_options(&self.parts, &options)
            .map_err(|_| internal("the browser cannot make a Blob"))
    }
}

impl Write for BlobParts {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= PART_BYTES {
            self.push_part();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes `start..end` of a Blob (or a chosen File), copied into wasm.
async fn read_slice(blob: &web_sys::Blob, start: f64, end: f64) -> Result<Vec<u8>, UiError> {
    let slice = blob
        .slice_with_f64_and_f64(start, end)
        .map_err(|_| internal("the file cannot be sliced"))?;
    let buffer = JsFuture::from(slice.array_buffer())
        .await
        .map_err(|_| internal("the file cannot be read"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Her records: the chain's anchors (as the relay reads them) joined with what the relay holds.
pub async fn list(key: &SecretKey) -> Result<Vec<Listed>, UiError> {
    let network = network().await?;
    let patient = key.address();
    let signed = sign(
        key,
        &network,
        RelayAction::RecordList,
        Hash32::ZERO,
        Hash32::ZERO,
    );
    let stored: Vec<StoredRecord> = signed_get("/v1/records", &signed).await?;
    let singles: Vec<ChainAnchor> = relay_get(&format!("/v1/patients/{patient}/anchors")).await?;
    let anchors = singles.into_iter().map(|a| (a.anchor, a.tx_id)).collect();
    // Each batch and each organization once, however many of her records share it: a visit's
    // records are one batch of one hospital.
    let reads = records::ListReads::of(&stored);
    listed(&network, stored, anchors, reads).await
}

/// Her record `id` as her list shows it, read alone ([`records::alone`]): its row and who wrote
/// it, checked; no anchor; empty when the relay holds no such record of hers. Reading her whole
/// list instead costs two requests per batch.
pub async fn listed_alone(key: &SecretKey, id: Hash32) -> Result<Vec<Listed>, UiError> {
    let network = network().await?;
    let signed = sign(key, &network, RelayAction::RecordGet, id, Hash32::ZERO);
    let row = match signed_get(&format!("/v1/records/{id}/row"), &signed).await {
        Ok(row) => Some(row),
        // None of hers: as absent from her list.
        Err(e) if matches!(e.code, ErrorCode::RecordNotFound | ErrorCode::NotAReader) => None,
        Err(e) => return Err(e),
    };
    let stored = records::alone(key.address(), id, row);
    let reads = records::ListReads::writers(&stored);
    listed(&network, stored, Vec::new(), reads).await
}

/// `stored` listed with `anchors` ([`records::list`]), once the relay told what the chain holds
/// for `reads`: each batch, and each organization's entry.
async fn listed(
    network: &NetworkInfo,
    stored: Vec<StoredRecord>,
    anchors: Vec<(RecordAnchor, caretrail_types::TxId)>,
    reads: records::ListReads,
) -> Result<Vec<Listed>, UiError> {
    let mut found = records::ListFound::default();
    for (author, root) in reads.batches {
        let batch: Option<ChainBatch> = relay_get(&format!("/v1/batches/{author}/{root}")).await?;
        let answer = batch.map(|b| (b.patient, b.tx_id));
        found.batches.insert((author, root), answer);
    }
    for organization in reads.organizations {
        let entry: Option<Participant> =
            relay_get(&format!("/v1/participants/{organization}")).await?;
        found.organizations.insert(organization, entry);
    }
    let staff = StaffDomain {
        chain_id: network.chain_id,
        participants: network.participant_registry,
    };
    Ok(records::list(
        stored,
        anchors,
        &found,
        domain(network),
        staff,
    ))
}

/// Stores `file` as her `Document`: encrypted here to her key (and to the keys of those she
/// granted the kind), sent with progress, then anchored on chain through the relay.
pub async fn put(
    key: &SecretKey,
    file: &web_sys::File,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<AnchoredRecord, UiError> {
    let progress = Rc::new(on_progress);
    let kind = records::kind(DOCUMENT_KIND)?;
    let network = network().await?;
    let patient = key.address();
    // A kind consent covers records written after it too: those readers' keys go in now.
    let events: Vec<ConsentEvent> = relay_get(&format!("/v1/patients/{patient}/consents")).await?;
    let mut readers = vec![key.public_key()];
    for grantee in kind_readers(&events, kind, now()) {
        let found: Option<Participant> = relay_get(&format!("/v1/participants/{grantee}")).await?;
        if let Ok(reader) = records::reader_key(grantee, found.as_ref()) {
            readers.push(reader);
        }
    }
    let mut writer = Encryptor::with_recipients(&mut OsRng, &readers)
        .and_then(|e| e.wrap_output(BodyHashingWriter::new(BlobParts::new())))
        .map_err(|e| internal(format!("encryption: {e}")))?;
    let total = file.size();
    let mut start = 0.0;
    while start < total {
        let end = (start + SLICE_BYTES).min(total);
        let bytes = read_slice(file, start, end).await?;
        writer
            .write_all(&bytes)
            .map_err(|e| internal(format!("encryption: {e}")))?;
        start = end;
        progress(RecordProgress::Transfer(Transfer::Encrypting {
            done: end as u64,
            total: total as u64,
        }));
    }
    let (parts, body_hash) = writer
        .finish()
        .map_err(|e| internal(format!("encryption: {e}")))?
        .finish()
        .map_err(|e| internal(format!("encryption: {e}")))?;
    let envelope = parts.into_blob()?;
    let id = record_id(patient, kind, body_hash);
    let signed = sign(key, &network, RelayAction::RecordPut, id, body_hash);
    let size = envelope.size() as u64;
    let uploading = progress.clone();
    let answer = transfer(
        "PUT",
        &format!("/v1/records/{id}"),
        &[
            (REQUEST_HEADER, &signed.to_header()),
            (KIND_HEADER, DOCUMENT_KIND),
            ("content-type", OCTETS),
        ],
        Some(&envelope),
        move |done, _| {
            uploading(RecordProgress::Transfer(Transfer::Uploading {
                done,
                total: size,
            }))
        },
    )
    .await?;
    drop(answer);
    progress(RecordProgress::Transfer(Transfer::Anchoring));
    let anchor = records::own_anchor(patient, kind, body_hash, now());
    let signature = sign_own_anchor(key, network.chain_id, network.record_registry, &anchor);
    relay_post(
        "/v1/records/anchors",
        &OwnAnchorRequest { anchor, signature },
    )
    .await
}

/// Opens her record `id`: its anchor (by `author`, when given) must be on chain and its body
/// the anchored one; then it is decrypted here and offered as a download (a `blob:` URL).
pub async fn open(
    key: &SecretKey,
    id: Hash32,
    author: Option<Address>,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<Saved, UiError> {
    let network = network().await?;
    let found: Option<ChainAnchor> = relay_get(&format!("/v1/records/{id}/anchor")).await?;
    let (anchor, anchored_in) =
        records::trusted_anchor(id, found.map(|a| (a.anchor, a.tx_id)), author)?;
    let (plain, size) = fetch_decrypted(key, &network, &anchor, Rc::new(on_progress)).await?;
    let location = web_sys::Url::create_object_url_with_blob(&plain)
        .map_err(|_| internal("the browser cannot offer the file"))?;
    Ok(Saved {
        opened: Opened {
            record: id,
            anchor,
            anchored_in,
            size,
        },
        location,
    })
}

/// The most of a record read into the page's memory whole (a claim or an answer is a few KB).
const MAX_READ_BYTES: u64 = 1024 * 1024;

/// Her small record under `anchor` (as the chain holds it: a claim, an insurer's answer),
/// fetched, checked against the anchor and decrypted here, into memory.
pub async fn read_anchored(key: &SecretKey, anchor: &RecordAnchor) -> Result<Vec<u8>, UiError> {
    let network = network().await?;
    let (plain, size) = fetch_decrypted(key, &network, anchor, Rc::new(|_| {})).await?;
    if size > MAX_READ_BYTES {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!(
                "record {} is {size} bytes, more than {MAX_READ_BYTES} read here whole",
                anchor.record_id
            ),
        ));
    }
    read_slice(&plain, 0.0, plain.size()).await
}

/// Her record under `anchor`, downloaded with progress, its body checked against the anchor,
/// then decrypted here into a Blob; with its length.
async fn fetch_decrypted(
    key: &SecretKey,
    network: &NetworkInfo,
    anchor: &RecordAnchor,
    progress: Rc<dyn Fn(RecordProgress)>,
) -> Result<(web_sys::Blob, u64), UiError> {
    let id = anchor.record_id;
    let signed = sign(key, network, RelayAction::RecordGet, id, Hash32::ZERO);
    let downloading = progress.clone();
    let envelope = transfer(
        "GET",
        &format!("/v1/records/{id}"),
        &[(REQUEST_HEADER, &signed.to_header())],
        None,
        move |done, total| {
            downloading(RecordProgress::Transfer(Transfer::Downloading {
                done,
                total,
            }))
        },
    )
    .await?;
    records::check_body(body_hash_of(&envelope).await?, anchor.ciphertext_hash)?;
    progress(RecordProgress::Transfer(Transfer::Decrypting));
    decrypt(key, &envelope).await
}

fn not_an_envelope(e: impl std::fmt::Display) -> UiError {
    refused(
        ErrorCode::HashMismatch,
        format!("the relay sent something that is not an envelope: {e}"),
    )
}

/// The SHA-256 of the envelope's body in `blob`, read a slice at a time.
async fn body_hash_of(blob: &web_sys::Blob) -> Result<Hash32, UiError> {
    let mut hasher = EnvelopeBodyHasher::new();
    let total = blob.size();
    let mut start = 0.0;
    while start < total {
        let end = (start + SLICE_BYTES).min(total);
        hasher
            .update(&read_slice(blob, start, end).await?)
            .map_err(not_an_envelope)?;
        start = end;
    }
    hasher.finish().map_err(not_an_envelope)
}

/// The part of an envelope read so far and not yet decrypted.
#[derive(Clone)]
struct Window(Rc<RefCell<VecDeque<u8>>>);

impl Read for Window {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

/// Keeps at least [`WINDOW_BYTES`] of `blob` ahead of the decryption (or all that is left).
async fn refill(window: &Window, blob: &web_sys::Blob, next: &mut f64) -> Result<(), UiError> {
    let total = blob.size();
    while window.0.borrow().len() < WINDOW_BYTES && *next < total {
        let end = (*next + SLICE_BYTES).min(total);
        let bytes = read_slice(blob, *next, end).await?;
        window.0.borrow_mut().extend(bytes);
        *next = end;
    }
    Ok(())
}

/// Decrypts the envelope in `blob` with `key` into a new Blob; returns it and its length.
async fn decrypt(key: &SecretKey, blob: &web_sys::Blob) -> Result<(web_sys::Blob, u64), UiError> {
    let window = Window(Rc::new(RefCell::new(VecDeque::new())));
    let mut next = 0.0;
    refill(&window, blob, &mut next).await?;
    let mut reader = Decryptor::new(window.clone())
        .map_err(not_an_envelope)?
        .decrypt(key)
        .map_err(|e| {
            refused(
                ErrorCode::NotAReader,
                format!("this key cannot open the record: {e}"),
            )
        })?;
    let mut out = BlobParts::new();
    let mut size = 0u64;
    loop {
        refill(&window, blob, &mut next).await?;
        let plain = reader.fill_buf().map_err(|e| {
            refused(
                ErrorCode::HashMismatch,
                format!("the envelope cannot be read: {e}"),
            )
        })?;
        if plain.is_empty() {
            break;
        }
        let n = plain.len();
        out.write_all(plain)
            .map_err(|e| internal(format!("decryption: {e}")))?;
        reader.consume(n);
        size += n as u64;
    }
    Ok((out.into_blob()?, size))
}

/// Lets `reader` (an admitted participant) read what `share` covers until `expires_at`: each
/// covered record's header gains the reader's key, then the signed consent is relayed.
pub async fn grant(
    key: &SecretKey,
    reader: Address,
    share: &Share,
    expires_at: u64,
) -> Result<Relayed, UiError> {
    let network = network().await?;
    let patient = key.address();
    let found: Option<Participant> = relay_get(&format!("/v1/participants/{reader}")).await?;
    let reader_key = records::reader_key(reader, found.as_ref())?;
    records::check_expiry(expires_at, now())?;
    let listed = match share {
        Share::Kind(_) => list(key).await?,
        Share::Record(_) => Vec::new(),
    };
    for id in share.covered(&listed)? {
        add_reader(key, &network, id, &reader_key).await?;
    }
    let nonce: u64 = relay_get(&format!("/v1/patients/{patient}/consent-nonce")).await?;
    let grant = records::grant(patient, reader, share, expires_at, nonce, now())?;
    let signature = sign_consent_grant(key, network.chain_id, network.record_registry, &grant);
    relay_post("/v1/consents", &ConsentGrantRequest { grant, signature }).await
}

/// Rewrites record `id`'s header with one more reader (the body is not touched).
async fn add_reader(
    key: &SecretKey,
    network: &NetworkInfo,
    id: Hash32,
    reader: &PublicKey,
) -> Result<(), UiError> {
    let path = format!("/v1/records/{id}/header");
    let signed = sign(key, network, RelayAction::RecordGet, id, Hash32::ZERO);
    let header = signed_get_bytes(&path, &signed).await?;
    let Some((header, content)) = records::with_reader(id, key, &header, reader, &mut OsRng)?
    else {
        return Ok(());
    };
    let signed = sign(key, network, RelayAction::RecordHeader, id, content);
    let _: StoredRecord = signed_put_bytes(&path, &signed, &header).await?;
    Ok(())
}

/// Takes `reader`'s access back, on chain; what was read already cannot be taken back.
pub async fn revoke(key: &SecretKey, reader: Address, share: &Share) -> Result<Relayed, UiError> {
    let network = network().await?;
    let patient = key.address();
    let nonce: u64 = relay_get(&format!("/v1/patients/{patient}/consent-nonce")).await?;
    let revocation = records::revocation(patient, reader, share, nonce, now())?;
    let signature =
        sign_consent_revocation(key, network.chain_id, network.record_registry, &revocation);
    relay_post(
        "/v1/consents/revocations",
        &ConsentRevocationRequest {
            revocation,
            signature,
        },
    )
    .await
}

/// The reads of her records, each marked against the roots her relay anchored on chain.
pub async fn audit(key: &SecretKey) -> Result<Vec<CheckedRead>, UiError> {
    let network = network().await?;
    let signed = sign(
        key,
        &network,
        RelayAction::AuditList,
        Hash32::ZERO,
        Hash32::ZERO,
    );
    let reads: Vec<AuditedRead> = signed_get("/v1/audit", &signed).await?;
    let roots: Vec<AuditRoot> = relay_get("/v1/audit/roots").await?;
    let roots: Vec<Hash32> = roots
        .into_iter()
        .filter(|r| r.relay == network.relay)
        .map(|r| r.root)
        .collect();
    Ok(records::check_reads(reads, &roots))
}
