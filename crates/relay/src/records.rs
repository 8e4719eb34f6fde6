//! The records API: a patient's encrypted records stored, read, shared and anchored through the
//! relay. Every request is signed (EIP-712 over this relay's chain and record registry, a short
//! deadline and a nonce used once: `caretrail_protocol::request`). The relay serves a record only
//! to a reader the chain allows at that moment (the patient, a grantee with live consent, the
//! health organization of a visit she opened that is still open) and logs every read, with that
//! ground (`crate::audit`); it never sees a key or a plaintext.
//!
//! An upload is the whole envelope in one streamed body, header first: the header is parsed and
//! kept as its own object (rewritten when a reader is added), the body streams into the store and
//! becomes visible only whole and matching the SHA-256 the patient signed. The record id is the
//! registry's derivation from (patient, kind, that hash), so it never changes.

use crate::storage::{RecordKey, StorageError};
use crate::{Relay, RelayError, unix_now};
use bytes::Bytes;
use caretrail_chain::{consents_of, has_access, visits_of};
use caretrail_crypto::envelope::Header;
use caretrail_crypto::record::{body_hash, record_id, record_kind};
use caretrail_protocol::access::{open_visit, why_not};
use caretrail_protocol::request::{self, Domain, Fresh};
use caretrail_types::{
    AnswerOf, CLAIM_HEADER, DOCUMENT_KIND, ErrorCode, Hash32, KIND_HEADER, REQUEST_HEADER,
    ReadGround, RelayAction, RelayRequest, STAFF_HEADER, SignedRelayRequest, StoredRecord,
    Submission, VisitAuthority, VisitBatch,
};
use futures_util::stream::{Stream, StreamExt as _};

/// The largest header a signed request may travel in.
const MAX_REQUEST_HEADER: usize = 4 * 1024;
/// The largest envelope header (1,024 readers).
const MAX_ENVELOPE_HEADER: usize = 58 + 162 * 1024;

fn refused(code: ErrorCode, message: impl Into<String>) -> RelayError {
    RelayError::refused(code, message)
}

fn domain(relay: &Relay) -> Domain {
    Domain {
        chain_id: relay.config.chain_id,
        records: relay.config.record_registry,
    }
}

/// The signed request in `text` (the header's value), checked for `action` and its nonce used.
pub async fn accept(
    relay: &Relay,
    text: Option<&str>,
    action: RelayAction,
) -> Result<(Fresh, RelayRequest), RelayError> {
    let text = text.ok_or_else(|| {
        refused(
            ErrorCode::InvalidInput,
            format!("the request is not signed: no {REQUEST_HEADER} header"),
        )
    })?;
    let signed: SignedRelayRequest = read_header(text, REQUEST_HEADER)?;
    let now = unix_now();
    let fresh = request::check(&signed, domain(relay), action, now).map_err(RelayError::from)?;
    if !relay
        .db
        .use_nonce(fresh.nonce, fresh.keep_until, now)
        .await?
    {
        return Err(request::replayed().into());
    }
    Ok((fresh, signed.request))
}

/// Splits an uploaded envelope into its header and the stream of its body.
async fn split_header<S, E>(
    mut upload: S,
) -> Result<(Header, Bytes, impl Stream<Item = Result<Bytes, String>>), RelayError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use caretrail_crypto::envelope::HeaderError;
    let mut buffer: Vec<u8> = Vec::new();
    let header = loop {
        match Header::parse(&buffer) {
            Ok(header) => break header,
            Err(HeaderError::Truncated) if buffer.len() < MAX_ENVELOPE_HEADER => {}
            Err(e) => {
                return Err(refused(
                    ErrorCode::InvalidInput,
                    format!("the envelope's header is malformed: {e}"),
                ));
            }
        }
        match upload.next().await {
            Some(Ok(chunk)) => buffer.extend_from_slice(&chunk),
            Some(Err(e)) => return Err(StorageError::Interrupted(e.to_string()).into()),
            None => {
                return Err(refused(
                    ErrorCode::InvalidInput,
                    "the upload ended inside the envelope's header",
                ));
            }
        }
    };
    let rest = Bytes::from(buffer.split_off(header.len()));
    let body = futures_util::stream::once(async move { Ok::<Bytes, String>(rest) })
        .chain(upload.map(|chunk| chunk.map_err(|e| e.to_string())));
    Ok((header, Bytes::from(buffer), body))
}

/// Stores a record: the patient's own upload (`kind` names it, the body is the envelope), or a
/// staff member's at a visit, under the authority in `staff` (her certificate and her
/// assignment, checked by `caretrail_protocol::visit::authority`), which the relay keeps with
/// the record so that any reader can check who wrote it.
pub async fn put<S, E>(
    relay: &Relay,
    id: Hash32,
    signed: Option<&str>,
    kind: Option<&str>,
    staff: Option<&str>,
    claim: Option<&str>,
    upload: S,
) -> Result<StoredRecord, RelayError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display + Send,
{
    let (fresh, request) = accept(relay, signed, RelayAction::RecordPut).await?;
    same_id(id, &request)?;
    let authority = staff.map(read_authority).transpose()?;
    let answer: Option<AnswerOf> = claim.map(|t| read_header(t, CLAIM_HEADER)).transpose()?;
    if authority.is_none() && answer.is_none() && fresh.signer != request.patient {
        return Err(refused(
            ErrorCode::NotAdmitted,
            format!(
                "only the patient stores records of her own here; staff send their {STAFF_HEADER}"
            ),
        ));
    }
    let config = &relay.config;
    if caretrail_chain::record_of(&config.rpc_url, config.patient_registry, request.patient)
        .await?
        .is_none()
    {
        return Err(refused(
            ErrorCode::UnknownRecord,
            format!(
                "{} is not a registered patient: register first",
                request.patient
            ),
        ));
    }
    let kind_text = kind.unwrap_or_default();
    let kind = record_kind(kind_text).ok_or_else(|| {
        refused(
            ErrorCode::InvalidInput,
            format!("{KIND_HEADER} must name the record's kind (e.g. {DOCUMENT_KIND}), not {kind_text:?}"),
        )
    })?;
    if record_id(request.patient, kind, request.content) != request.subject {
        return Err(refused(
            ErrorCode::InvalidInput,
            "the record id is not the registry's for this patient, kind and body hash",
        ));
    }
    let limits = relay.storage.limits();
    let cap = if kind_text == DOCUMENT_KIND {
        limits.attachment_body
    } else {
        limits.record_body
    };
    let (header, header_bytes, body) = split_header(upload).await?;
    let readers: Vec<_> = header.recipients().collect();
    let submission = match authority {
        Some(authority) => {
            check_authority(relay, &authority, &fresh, &request, kind_text, &readers).await?;
            Some(Submission {
                request: signed_request(signed)?,
                authority,
            })
        }
        None => None,
    };
    if let Some(answer) = &answer {
        crate::claims::check_answer(relay, answer, fresh.signer, &request, kind, &readers).await?;
    }
    if !readers.contains(&request.patient) {
        return Err(refused(
            ErrorCode::InvalidInput,
            "the envelope is not readable by the patient: her key is not among its readers",
        ));
    }
    let key = RecordKey::new(request.subject);
    let stored = match relay
        .storage
        .put_body(&key, request.content, cap, body)
        .await
    {
        Ok(stored) => stored,
        // The same id is the same content: an upload whose header was lost is finished now.
        Err(StorageError::AlreadyExists) => {
            if relay.storage.get_header(&key).await.is_ok() {
                return Err(record_exists());
            }
            crate::storage::StoredBody {
                size: relay.storage.head_body(&key).await?,
                sha256: request.content,
            }
        }
        Err(e) => return Err(e.into()),
    };
    match relay.storage.put_header(&key, header_bytes).await {
        Ok(()) => {}
        Err(StorageError::AlreadyExists) => return Err(record_exists()),
        Err(e) => return Err(e.into()),
    }
    let record = StoredRecord {
        id: request.subject,
        patient: request.patient,
        kind,
        author: fresh.signer,
        body_hash: stored.sha256,
        size: stored.size,
        stored_at: unix_now(),
        submission,
        batch: None,
    };
    relay.db.keep_record(&record).await?;
    if let Some(answer) = &answer {
        crate::claims::answered(relay, answer, fresh.signer, record.id).await?;
    }
    Ok(record)
}

/// The authority in a staff member's [`STAFF_HEADER`].
fn read_authority(text: &str) -> Result<VisitAuthority, RelayError> {
    read_header(text, STAFF_HEADER)
}

/// The JSON in the base64url header `name`.
fn read_header<T: serde::de::DeserializeOwned>(text: &str, name: &str) -> Result<T, RelayError> {
    use base64::Engine as _;
    if text.len() > MAX_REQUEST_HEADER {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!("the {name} header is too long"),
        ));
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|e| {
            refused(
                ErrorCode::InvalidInput,
                format!("the {name} header is not base64url: {e}"),
            )
        })?;
    serde_json::from_slice(&json).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("the {name} header cannot be read: {e}"),
        )
    })
}

/// The signed request as it came (kept with a staff member's record: her signature on it).
fn signed_request(text: Option<&str>) -> Result<SignedRelayRequest, RelayError> {
    read_header(text.unwrap_or_default(), REQUEST_HEADER)
}

/// A staff member's upload checked against what the chain and this relay know now.
async fn check_authority(
    relay: &Relay,
    authority: &VisitAuthority,
    fresh: &Fresh,
    request: &RelayRequest,
    kind: &str,
    readers: &[caretrail_types::Address],
) -> Result<(), RelayError> {
    let c = &authority.certificate.certificate;
    let a = &authority.assignment.assignment;
    let facts = crate::staff::organization_facts(relay, c.organization, c.staff).await?;
    let config = &relay.config;
    let visit = caretrail_chain::visit_of(
        &config.rpc_url,
        config.record_registry,
        a.organization,
        a.visit_id,
    )
    .await?;
    caretrail_protocol::visit::authority::check_upload(
        authority,
        crate::staff::staff_domain(relay),
        fresh.signer,
        request,
        kind,
        readers,
        &facts,
        visit.as_ref(),
        unix_now(),
    )?;
    Ok(())
}

/// The record named in the path must be the one signed for.
fn same_id(id: Hash32, request: &RelayRequest) -> Result<(), RelayError> {
    if id != request.subject {
        return Err(refused(
            ErrorCode::InvalidInput,
            "the record id in the path is not the one signed for",
        ));
    }
    Ok(())
}

fn record_exists() -> RelayError {
    refused(
        ErrorCode::RecordExists,
        "this record is stored already; a record is never overwritten",
    )
}

pub(crate) async fn held(relay: &Relay, id: Hash32) -> Result<StoredRecord, RelayError> {
    relay.db.record(id).await?.ok_or_else(|| {
        refused(
            ErrorCode::RecordNotFound,
            format!("the relay holds no record {id}"),
        )
    })
}

/// A record served: what is public about it, its current header and its body's stream.
#[derive(Debug)]
pub struct Served {
    pub record: StoredRecord,
    pub header: Bytes,
    pub body: crate::storage::BodyStream,
}

/// Serves a record to a reader the chain allows now (the patient, or a grantee with a live
/// consent for that record or its kind), and logs the read.
pub async fn get(relay: &Relay, id: Hash32, signed: Option<&str>) -> Result<Served, RelayError> {
    let (fresh, request) = accept(relay, signed, RelayAction::RecordGet).await?;
    same_id(id, &request)?;
    let record = held(relay, request.subject).await?;
    let ground = reader_ground(relay, &record, fresh.signer).await?;
    let key = RecordKey::new(record.id);
    let header = relay.storage.get_header(&key).await?;
    let body = relay.storage.get_body(&key).await?;
    relay
        .db
        .log_read(fresh.signer, record.patient, record.id, ground, unix_now())
        .await?;
    Ok(Served {
        record,
        header,
        body,
    })
}

/// What the relay holds about record `id` (its row: who wrote it under which visit, its batch
/// proof; no content), for a signer who may read it. Not a read of her record: nothing is
/// logged.
pub async fn row(
    relay: &Relay,
    id: Hash32,
    signed: Option<&str>,
) -> Result<StoredRecord, RelayError> {
    let (fresh, request) = accept(relay, signed, RelayAction::RecordGet).await?;
    same_id(id, &request)?;
    let record = held(relay, request.subject).await?;
    reader_ground(relay, &record, fresh.signer).await?;
    Ok(record)
}

/// On what ground `reader` may read `record` now, or why not: the patient; a grantee the chain's
/// `hasAccess` allows; the health organization of an open visit with her. The record's envelope
/// still decides what a reader can decrypt.
async fn reader_ground(
    relay: &Relay,
    record: &StoredRecord,
    reader: caretrail_types::Address,
) -> Result<ReadGround, RelayError> {
    if reader == record.patient {
        return Ok(ReadGround::Patient);
    }
    let config = &relay.config;
    if has_access(
        &config.rpc_url,
        config.record_registry,
        record.patient,
        reader,
        record.kind,
        record.body_hash,
    )
    .await?
    {
        // A consent outlives its grantee's admission on chain; its reads end with it.
        let admitted =
            caretrail_chain::participant(&config.rpc_url, config.participant_registry, reader)
                .await?
                .is_some_and(|p| p.status == caretrail_types::ParticipantStatus::Admitted);
        if !admitted {
            return Err(refused(
                ErrorCode::NotAdmitted,
                format!("{reader} is no longer an admitted participant: it reads nothing"),
            ));
        }
        return Ok(ReadGround::Consent);
    }
    if crate::claims::reads_its_claim(relay, record, reader).await? {
        return Ok(ReadGround::Claim);
    }
    let visits = visits_of(
        &config.rpc_url,
        config.record_registry,
        record.patient,
        reader,
    )
    .await?;
    let now = unix_now();
    if open_visit(&visits, record.patient, reader, now).is_some() {
        // A visit stays open on chain after its organization is blocked or suspended; its
        // reads end then.
        if !caretrail_chain::is_admitted(
            &config.rpc_url,
            config.participant_registry,
            reader,
            caretrail_types::ParticipantKind::HealthOrganization,
        )
        .await?
        {
            return Err(refused(
                ErrorCode::NotAdmitted,
                format!("{reader} is no longer an admitted health organization: it reads nothing"),
            ));
        }
        return Ok(ReadGround::Visit);
    }
    let events = consents_of(&config.rpc_url, config.record_registry, record.patient).await?;
    Err(why_not(&events, &visits, reader, record.id, record.kind, now).into())
}

/// A record's current header, for its patient (who adds a reader to it).
pub async fn header(relay: &Relay, id: Hash32, signed: Option<&str>) -> Result<Bytes, RelayError> {
    let (fresh, request) = accept(relay, signed, RelayAction::RecordGet).await?;
    same_id(id, &request)?;
    let record = held(relay, request.subject).await?;
    if fresh.signer != record.patient {
        return Err(refused(
            ErrorCode::NotAReader,
            "only the patient fetches a header alone",
        ));
    }
    Ok(relay.storage.get_header(&RecordKey::new(record.id)).await?)
}

/// Replaces a record's header with one that adds readers; only its patient may, and every
/// reader of the old header stays a reader.
pub async fn replace_header(
    relay: &Relay,
    id: Hash32,
    signed: Option<&str>,
    new_header: Bytes,
) -> Result<StoredRecord, RelayError> {
    let (fresh, request) = accept(relay, signed, RelayAction::RecordHeader).await?;
    same_id(id, &request)?;
    let record = held(relay, request.subject).await?;
    if fresh.signer != record.patient {
        return Err(refused(
            ErrorCode::NotAReader,
            "only the patient adds a reader to her record",
        ));
    }
    if body_hash(&new_header) != request.content {
        return Err(refused(
            ErrorCode::ContentMismatch,
            "the header sent is not the one signed (its SHA-256 differs)",
        ));
    }
    let parsed = Header::parse(&new_header).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("the envelope's header is malformed: {e}"),
        )
    })?;
    if parsed.len() != new_header.len() {
        return Err(refused(
            ErrorCode::InvalidInput,
            "bytes follow the envelope's header",
        ));
    }
    let key = RecordKey::new(record.id);
    let old = Header::parse(&relay.storage.get_header(&key).await?)
        .map_err(|e| RelayError::Internal(format!("a stored header is malformed: {e}")))?;
    let readers: Vec<_> = parsed.recipients().collect();
    if let Some(dropped) = old.recipients().find(|r| !readers.contains(r)) {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!("the new header drops the reader {dropped}; a header only ever gains readers"),
        ));
    }
    relay.storage.replace_header(&key, new_header).await?;
    Ok(record)
}

/// The records held for the signer, who must be their patient.
pub async fn list(relay: &Relay, signed: Option<&str>) -> Result<Vec<StoredRecord>, RelayError> {
    let (fresh, request) = accept(relay, signed, RelayAction::RecordList).await?;
    if fresh.signer != request.patient {
        return Err(refused(
            ErrorCode::NotAReader,
            "a patient lists her own records only",
        ));
    }
    Ok(relay.db.records_of(request.patient).await?)
}

/// The organization tells the relay a batch it anchored of a visit's records: the relay checks
/// the root against the records and the chain (`caretrail_protocol::visit::batch::proofs`) and
/// keeps each record's proof, for its readers.
pub async fn keep_batch(relay: &Relay, batch: VisitBatch) -> Result<Vec<StoredRecord>, RelayError> {
    if batch.records.is_empty()
        || batch.records.len() > caretrail_protocol::visit::batch::MAX_RECORDS
    {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!(
                "a batch holds 1 to {} records",
                caretrail_protocol::visit::batch::MAX_RECORDS
            ),
        ));
    }
    let mut held = Vec::with_capacity(batch.records.len());
    for id in &batch.records {
        held.push(relay.db.record(*id).await?);
    }
    let config = &relay.config;
    let on_chain = caretrail_chain::batch_of(
        &config.rpc_url,
        config.record_registry,
        batch.organization,
        batch.root,
    )
    .await?
    .map(|b| (b.patient, b.count));
    let proofs = caretrail_protocol::visit::batch::proofs(&batch, &held, on_chain)?;
    let kept: Vec<(Hash32, caretrail_types::BatchProof)> =
        batch.records.iter().copied().zip(proofs).collect();
    if !relay.db.keep_batch(&kept).await? {
        return Err(refused(
            ErrorCode::RecordExists,
            "a record of this batch is in a batch already",
        ));
    }
    Ok(held
        .into_iter()
        .flatten()
        .zip(kept)
        .map(|(record, (_, proof))| StoredRecord {
            batch: Some(proof),
            ..record
        })
        .collect())
}
