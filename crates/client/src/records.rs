//! The patient's records in the cloud, on her device: a file encrypted here (an envelope whose
//! reader is her key) streams to the relay and is anchored on chain; her list joins the chain's
//! anchors with what the relay holds; a record read back is checked against its anchor before it
//! is decrypted here; she grants a reader (a new envelope header for that reader's key, and the
//! consent on chain) and revokes; she checks the relay's log of reads of her records against the
//! roots it anchored. The steps' decisions are `caretrail_protocol`'s; this is their IO.
//!
//! Large files never sit in memory: encryption and decryption stream through a temporary file
//! beside the output, one chunk at a time, and uploads and downloads stream from and to it.

use crate::{Client, ClientError, unix_now as now};
use caretrail_chain::{
    anchors_of, audit_roots_of, batch_anchored, consent_nonce, consents_of, find_anchor,
    participant, rpc_url,
};
use caretrail_crypto::envelope::{self, Decryptor, Encryptor};
use caretrail_crypto::record::{
    BodyHasher, BodyHashingWriter, record_id, sign_consent_grant, sign_consent_revocation,
    sign_own_anchor,
};
use caretrail_crypto::{PublicKey, SecretKey};
use caretrail_protocol::access::kind_readers;
use caretrail_protocol::records;
pub use caretrail_protocol::records::{CheckedRead, Listed, Opened, Share, Transfer, Writer};
use caretrail_protocol::request::{self, Ask, Domain};
use caretrail_types::{
    Address, AnchoredRecord, AuditedRead, ConsentGrantRequest, ConsentRevocationRequest, ErrorCode,
    Hash32, KIND_HEADER, NetworkInfo, OwnAnchorRequest, RECORD_HEADER, RelayAction, Relayed,
    StoredRecord, UiError,
};
use futures_util::StreamExt as _;
use rand_core::OsRng;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::Path;
use std::sync::Arc;

/// Where progress goes (called from the transfer's tasks).
pub type Progress = Arc<dyn Fn(Transfer) + Send + Sync>;

fn refused(code: ErrorCode, message: impl Into<String>) -> ClientError {
    ClientError::Refused(UiError::new(code, message))
}

fn local(what: &str, e: impl std::fmt::Display) -> ClientError {
    refused(ErrorCode::Internal, format!("{what}: {e}"))
}

/// What the relay says it holds about a record it serves (its [`RECORD_HEADER`]).
fn served_record(response: &reqwest::Response) -> Option<StoredRecord> {
    use base64::Engine as _;
    let text = response.headers().get(RECORD_HEADER)?.to_str().ok()?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    serde_json::from_slice(&json).ok()
}

/// Encrypts `input` for `readers` into a temporary file in `dir`: the envelope and its body hash.
fn encrypt_to_temp(
    input: &Path,
    readers: &[PublicKey],
    dir: &Path,
    progress: &Progress,
) -> Result<(tempfile::NamedTempFile, Hash32, u64), ClientError> {
    let source = std::fs::File::open(input).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("{} cannot be read: {e}", input.display()),
        )
    })?;
    let total = source.metadata().map(|m| m.len()).unwrap_or_default();
    let temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| local("a temporary file", e))?;
    let sink = BodyHashingWriter::new(std::io::BufWriter::with_capacity(
        256 * 1024,
        temp.as_file()
            .try_clone()
            .map_err(|e| local("a temporary file", e))?,
    ));
    let mut writer = Encryptor::with_recipients(&mut OsRng, readers)
        .and_then(|e| e.wrap_output(sink))
        .map_err(|e| local("encryption", e))?;
    let mut reader = std::io::BufReader::with_capacity(256 * 1024, source);
    let mut buffer = vec![0u8; envelope::CHUNK_SIZE];
    let mut done = 0u64;
    loop {
        let n = reader.read(&mut buffer).map_err(|e| {
            refused(
                ErrorCode::InvalidInput,
                format!("{} cannot be read: {e}", input.display()),
            )
        })?;
        if n == 0 {
            break;
        }
        writer
            .write_all(&buffer[..n])
            .map_err(|e| local("the temporary file", e))?;
        done += n as u64;
        progress(Transfer::Encrypting { done, total });
    }
    let sink = writer.finish().map_err(|e| local("encryption", e))?;
    let (_, body_hash) = sink.finish().map_err(|e| local("the temporary file", e))?;
    let size = temp
        .as_file()
        .metadata()
        .map_err(|e| local("the temporary file", e))?
        .len();
    Ok((temp, body_hash, size))
}

impl Client {
    fn domain(network: &NetworkInfo) -> Domain {
        Domain {
            chain_id: network.chain_id,
            records: network.record_registry,
        }
    }

    pub(crate) fn sign(
        key: &SecretKey,
        network: &NetworkInfo,
        action: RelayAction,
        patient: Address,
        subject: Hash32,
        content: Hash32,
    ) -> caretrail_types::SignedRelayRequest {
        request::sign(
            key,
            Self::domain(network),
            Ask {
                action,
                patient,
                subject,
                content,
            },
            now(),
            &mut OsRng,
        )
    }

    /// Uploads `file` as her own record of `kind` (a FHIR resource type, or `Document` for a
    /// PDF or an image): encrypted here to her key (and to the keys of those she granted that
    /// kind), streamed to the relay, then anchored on chain through the relay (she signs, it
    /// pays). `scratch` holds the temporary envelope.
    pub async fn put_record(
        &self,
        key: &SecretKey,
        file: &Path,
        kind: &str,
        scratch: &Path,
        progress: Progress,
    ) -> Result<AnchoredRecord, ClientError> {
        let kind_hash = records::kind(kind).map_err(ClientError::Refused)?;
        let network = self.network().await?;
        let patient = key.address();
        // Her, and whoever holds a live consent for this kind: a kind consent covers records
        // written after it too, so their keys go in the envelope now.
        let rpc = rpc_url(&network.rpc_url)?;
        let events = consents_of(&rpc, network.record_registry, patient).await?;
        let mut readers = vec![key.public_key()];
        for grantee in kind_readers(&events, kind_hash, now()) {
            let found = participant(&rpc, network.participant_registry, grantee).await?;
            if let Ok(reader) = records::reader_key(grantee, found.as_ref()) {
                readers.push(reader);
            }
        }
        let stored = self
            .upload_file(
                key,
                &network,
                patient,
                kind,
                file,
                readers,
                scratch,
                None,
                progress.clone(),
            )
            .await?;
        let body_hash = stored.body_hash;
        progress(Transfer::Anchoring);
        let anchor = records::own_anchor(patient, kind_hash, body_hash, now());
        let signature = sign_own_anchor(key, network.chain_id, network.record_registry, &anchor);
        self.relay
            .post(
                "v1/records/anchors",
                &OwnAnchorRequest { anchor, signature },
            )
            .await
    }

    /// Encrypts `file` for `readers` into a temporary envelope in `scratch` and streams it to the
    /// relay as `patient`'s record of `kind`, signed with `key` (hers, or a staff member's with
    /// her `authority`): the record as the relay keeps it. Not anchored.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn upload_file(
        &self,
        key: &SecretKey,
        network: &NetworkInfo,
        patient: Address,
        kind: &str,
        file: &Path,
        readers: Vec<PublicKey>,
        scratch: &Path,
        authority: Option<&caretrail_types::VisitAuthority>,
        progress: Progress,
    ) -> Result<StoredRecord, ClientError> {
        let kind_hash = records::kind(kind).map_err(ClientError::Refused)?;
        let (input, dir, encrypting) = (file.to_owned(), scratch.to_owned(), progress.clone());
        std::fs::create_dir_all(&dir).map_err(|e| local("the scratch directory", e))?;
        let (temp, body_hash, size) = tokio::task::spawn_blocking(move || {
            encrypt_to_temp(&input, &readers, &dir, &encrypting)
        })
        .await
        .map_err(|e| local("encryption", e))??;
        let id = record_id(patient, kind_hash, body_hash);
        let signed = Self::sign(key, network, RelayAction::RecordPut, patient, id, body_hash);
        let upload =
            tokio::fs::File::from_std(temp.reopen().map_err(|e| local("the temporary file", e))?);
        let mut sent = 0u64;
        let body =
            tokio_util::io::ReaderStream::with_capacity(upload, 256 * 1024).map(move |chunk| {
                if let Ok(bytes) = &chunk {
                    sent += bytes.len() as u64;
                    progress(Transfer::Uploading {
                        done: sent,
                        total: size,
                    });
                }
                chunk
            });
        let mut request = self
            .relay
            .signed(reqwest::Method::PUT, &format!("v1/records/{id}"), &signed)?
            .header(KIND_HEADER, kind)
            .header(reqwest::header::CONTENT_LENGTH, size);
        if let Some(authority) = authority {
            request = request.header(caretrail_types::STAFF_HEADER, authority.to_header());
        }
        let stored: StoredRecord = self
            .relay
            .json(request.body(reqwest::Body::wrap_stream(body)))
            .await?;
        drop(temp);
        Ok(stored)
    }

    /// Her records: the chain's anchors of records of hers, joined with what the relay holds.
    pub async fn list_records(&self, key: &SecretKey) -> Result<Vec<Listed>, ClientError> {
        let network = self.network().await?;
        let patient = key.address();
        let signed = Self::sign(
            key,
            &network,
            RelayAction::RecordList,
            patient,
            Hash32::ZERO,
            Hash32::ZERO,
        );
        let stored: Vec<StoredRecord> = self
            .relay
            .json(
                self.relay
                    .signed(reqwest::Method::GET, "v1/records", &signed)?,
            )
            .await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let anchors = anchors_of(&rpc, network.record_registry, patient)
            .await?
            .into_iter()
            .map(|(anchor, tx, _)| (anchor, tx))
            .collect();
        // Each batch and each organization once, however many of her records share it.
        let reads = records::ListReads::of(&stored);
        self.listed(&network, stored, anchors, reads).await
    }

    /// Her record `id` as her list shows it, read alone ([`records::alone`]): what the relay
    /// holds of it (its row) and who wrote it, checked; no anchor. Empty when the relay holds
    /// no such record of hers. Reading her whole list instead costs a chain read per batch.
    pub async fn listed_alone(
        &self,
        key: &SecretKey,
        id: Hash32,
    ) -> Result<Vec<Listed>, ClientError> {
        let network = self.network().await?;
        let patient = key.address();
        // Another's record is not hers to read: as absent from her list.
        let row = match self.record_row(key, patient, id).await {
            Err(ClientError::Relay(e)) if e.code == ErrorCode::NotAReader => None,
            read => read?,
        };
        let stored = records::alone(patient, id, row);
        let reads = records::ListReads::writers(&stored);
        self.listed(&network, stored, Vec::new(), reads).await
    }

    /// `stored` listed with `anchors` ([`records::list`]), once the chain answered `reads`: each
    /// batch, and each organization's entry.
    async fn listed(
        &self,
        network: &NetworkInfo,
        stored: Vec<StoredRecord>,
        anchors: Vec<(caretrail_types::RecordAnchor, caretrail_types::TxId)>,
        reads: records::ListReads,
    ) -> Result<Vec<Listed>, ClientError> {
        let rpc = rpc_url(&network.rpc_url)?;
        let mut found = records::ListFound::default();
        for (author, root) in reads.batches {
            let batch = batch_anchored(&rpc, network.record_registry, author, root).await?;
            let answer = batch.map(|(batch, tx)| (batch.patient, tx));
            found.batches.insert((author, root), answer);
        }
        for organization in reads.organizations {
            let entry = participant(&rpc, network.participant_registry, organization).await?;
            found.organizations.insert(organization, entry);
        }
        Ok(records::list(
            stored,
            anchors,
            &found,
            Self::domain(network),
            crate::staff::domain(network),
        ))
    }

    /// A signed `record.get` of record `id` of `patient` with `key`: the record itself
    /// (`part` ""), its `/header` or its `/row`.
    fn record_get(
        &self,
        key: &SecretKey,
        network: &NetworkInfo,
        patient: Address,
        id: Hash32,
        part: &str,
    ) -> Result<reqwest::RequestBuilder, ClientError> {
        let signed = Self::sign(
            key,
            network,
            RelayAction::RecordGet,
            patient,
            id,
            Hash32::ZERO,
        );
        self.relay.signed(
            reqwest::Method::GET,
            &format!("v1/records/{id}{part}"),
            &signed,
        )
    }

    /// What the relay holds about record `id` of `patient` (its row, no content), asked with
    /// `key`, which must be able to read it; `None` when the relay holds no such record.
    pub(crate) async fn record_row(
        &self,
        key: &SecretKey,
        patient: Address,
        id: Hash32,
    ) -> Result<Option<StoredRecord>, ClientError> {
        let network = self.network().await?;
        let asked = self
            .relay
            .json(self.record_get(key, &network, patient, id, "/row")?)
            .await;
        match asked {
            Ok(row) => Ok(Some(row)),
            Err(ClientError::Relay(e)) if e.code == ErrorCode::RecordNotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The anchor of a record its author anchored in a batch, when its proof holds against the
    /// chain's batch (`None`: in no batch, or the proof fails).
    pub(crate) async fn batch_anchor(
        &self,
        network: &NetworkInfo,
        record: &StoredRecord,
    ) -> Result<Option<(caretrail_types::RecordAnchor, caretrail_types::TxId)>, ClientError> {
        let Some(proof) = &record.batch else {
            return Ok(None);
        };
        let rpc = rpc_url(&network.rpc_url)?;
        let found = batch_anchored(&rpc, network.record_registry, proof.author, proof.root).await?;
        let patient = found.as_ref().map(|(batch, _)| batch.patient);
        Ok(caretrail_protocol::visit::batch::anchor(record, patient)
            .ok()
            .zip(found.map(|(_, tx)| tx)))
    }

    /// Who wrote `record`, checked here from its submission and the organization's entry.
    pub(crate) async fn writer(
        &self,
        network: &NetworkInfo,
        record: &StoredRecord,
    ) -> Result<records::Writer, ClientError> {
        let organization = match &record.submission {
            Some(s) => {
                let rpc = rpc_url(&network.rpc_url)?;
                participant(
                    &rpc,
                    network.participant_registry,
                    s.authority.certificate.certificate.organization,
                )
                .await?
            }
            None => None,
        };
        Ok(records::Writer::of(
            record,
            Self::domain(network),
            crate::staff::domain(network),
            organization.as_ref(),
        ))
    }

    /// Reads record `id` of `patient` with `key` (hers, or a grantee's), checks that its body is
    /// the one anchored on chain (by `author`, when given), and decrypts it into `output`.
    pub async fn get_record(
        &self,
        key: &SecretKey,
        patient: Address,
        id: Hash32,
        author: Option<Address>,
        output: &Path,
        progress: Progress,
    ) -> Result<Opened, ClientError> {
        self.read_record(key, patient, id, author, output, progress)
            .await
            .map(|(opened, _)| opened)
    }

    /// [`Client::get_record`], with what the relay holds about the record (who wrote it, its
    /// batch proof), as it served it.
    pub async fn read_record(
        &self,
        key: &SecretKey,
        patient: Address,
        id: Hash32,
        author: Option<Address>,
        output: &Path,
        progress: Progress,
    ) -> Result<(Opened, Option<StoredRecord>), ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let found = find_anchor(&rpc, network.record_registry, id).await?;
        let response = match self
            .relay
            .streamed(self.record_get(key, &network, patient, id, "")?)
            .await
        {
            Ok(response) => response,
            // Anchored neither alone nor, since the relay holds nothing, in a batch.
            Err(e) if found.is_none() && e.code() == ErrorCode::RecordNotFound => {
                return Err(ClientError::Refused(records::not_anchored(id)));
            }
            Err(e) => return Err(e),
        };
        let served =
            served_record(&response).filter(|record| record.id == id && record.patient == patient);
        // Anchored alone, or in a batch whose proof the relay serves with the record.
        let found = match found {
            Some(found) => Some(found),
            None => match &served {
                Some(record) if record.id == id => self.batch_anchor(&network, record).await?,
                _ => None,
            },
        };
        let (anchor, anchored_in) =
            records::trusted_anchor(id, found, author).map_err(ClientError::Refused)?;
        let total = response.content_length().unwrap_or_default();
        let dir = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let temp =
            tempfile::NamedTempFile::new_in(&dir).map_err(|e| local("a temporary file", e))?;
        // A large buffer: each write to a tokio file is a trip to a blocking thread, and the
        // relay's chunks can be as small as 8 KiB.
        let mut file = tokio::io::BufWriter::with_capacity(
            1024 * 1024,
            tokio::fs::File::from_std(temp.reopen().map_err(|e| local("the temporary file", e))?),
        );
        let mut stream = response.bytes_stream();
        let mut done = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ClientError::RelayUnreachable {
                url: "the relay".into(),
                reason: format!("the download stopped: {e}"),
            })?;
            tokio::io::AsyncWriteExt::write_all(&mut file, &chunk)
                .await
                .map_err(|e| local("the temporary file", e))?;
            done += chunk.len() as u64;
            progress(Transfer::Downloading { done, total });
        }
        tokio::io::AsyncWriteExt::flush(&mut file)
            .await
            .map_err(|e| local("the temporary file", e))?;
        drop(file);
        progress(Transfer::Decrypting);
        let (key, output, expected) = (key.clone(), output.to_owned(), anchor.ciphertext_hash);
        let size =
            tokio::task::spawn_blocking(move || decrypt_checked(&temp, &key, expected, &output))
                .await
                .map_err(|e| local("decryption", e))??;
        Ok((
            Opened {
                record: id,
                anchor,
                anchored_in,
                size,
            },
            served,
        ))
    }

    /// Lets `reader` (an admitted participant) read a record, or every record of a kind, until
    /// `expires_at`: each record's header gains the reader's key, then the consent goes on chain.
    pub async fn grant_records(
        &self,
        key: &SecretKey,
        reader: Address,
        share: &Share,
        expires_at: u64,
    ) -> Result<Relayed, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let patient = key.address();
        let found = participant(&rpc, network.participant_registry, reader).await?;
        let reader_key =
            records::reader_key(reader, found.as_ref()).map_err(ClientError::Refused)?;
        records::check_expiry(expires_at, now()).map_err(ClientError::Refused)?;
        let listed = match share {
            Share::Kind(_) => self.list_records(key).await?,
            Share::Record(_) => Vec::new(),
        };
        let ids = share.covered(&listed).map_err(ClientError::Refused)?;
        for id in ids {
            self.add_reader(key, &network, id, &reader_key).await?;
        }
        let nonce = consent_nonce(&rpc, network.record_registry, patient).await?;
        let grant = records::grant(patient, reader, share, expires_at, nonce, now())
            .map_err(ClientError::Refused)?;
        let signature = sign_consent_grant(key, network.chain_id, network.record_registry, &grant);
        self.relay
            .post("v1/consents", &ConsentGrantRequest { grant, signature })
            .await
    }

    /// Rewrites record `id`'s header with one more reader (the body is not touched).
    async fn add_reader(
        &self,
        key: &SecretKey,
        network: &NetworkInfo,
        id: Hash32,
        reader: &PublicKey,
    ) -> Result<(), ClientError> {
        let patient = key.address();
        let header = self
            .relay
            .streamed(self.record_get(key, network, patient, id, "/header")?)
            .await?
            .bytes()
            .await
            .map_err(|e| ClientError::RelayUnreachable {
                url: "the relay".into(),
                reason: e.to_string(),
            })?;
        let Some((rewrapped, content)) = records::with_reader(id, key, &header, reader, &mut OsRng)
            .map_err(ClientError::Refused)?
        else {
            return Ok(());
        };
        let signed = Self::sign(
            key,
            network,
            RelayAction::RecordHeader,
            patient,
            id,
            content,
        );
        let request = self
            .relay
            .signed(
                reqwest::Method::PUT,
                &format!("v1/records/{id}/header"),
                &signed,
            )?
            .body(rewrapped);
        let _: StoredRecord = self.relay.json(request).await?;
        Ok(())
    }

    /// Takes back `reader`'s access (on chain); what was read already cannot be taken back.
    pub async fn revoke_records(
        &self,
        key: &SecretKey,
        reader: Address,
        share: &Share,
    ) -> Result<Relayed, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let patient = key.address();
        let nonce = consent_nonce(&rpc, network.record_registry, patient).await?;
        let revocation = records::revocation(patient, reader, share, nonce, now())
            .map_err(ClientError::Refused)?;
        let signature =
            sign_consent_revocation(key, network.chain_id, network.record_registry, &revocation);
        self.relay
            .post(
                "v1/consents/revocations",
                &ConsentRevocationRequest {
                    revocation,
                    signature,
                },
            )
            .await
    }

    /// The reads the relay logged of `patient`'s records (all of them, for the patient; the
    /// reads `key` made, for anyone else), each checked against the roots the relay anchored on
    /// chain.
    pub async fn audit(
        &self,
        key: &SecretKey,
        patient: Address,
    ) -> Result<Vec<CheckedRead>, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let signed = Self::sign(
            key,
            &network,
            RelayAction::AuditList,
            patient,
            Hash32::ZERO,
            Hash32::ZERO,
        );
        let reads: Vec<AuditedRead> = self
            .relay
            .json(
                self.relay
                    .signed(reqwest::Method::GET, "v1/audit", &signed)?,
            )
            .await?;
        let roots: Vec<Hash32> = audit_roots_of(&rpc, network.record_registry, network.relay)
            .await?
            .into_iter()
            .map(|(root, _)| root.root)
            .collect();
        Ok(records::check_reads(reads, &roots))
    }
}

/// Decrypts the envelope in `temp` into `output` (through a temporary file beside it, renamed at
/// the end), after checking that its body hashes to the anchored `expected`.
fn decrypt_checked(
    temp: &tempfile::NamedTempFile,
    key: &SecretKey,
    expected: Hash32,
    output: &Path,
) -> Result<u64, ClientError> {
    let mut file = temp.reopen().map_err(|e| local("the temporary file", e))?;
    let header = envelope::Header::read(&mut std::io::BufReader::new(&mut file)).map_err(|e| {
        refused(
            ErrorCode::HashMismatch,
            format!("the relay sent something that is not an envelope: {e}"),
        )
    })?;
    file.seek(std::io::SeekFrom::Start(header.len() as u64))
        .map_err(|e| local("the temporary file", e))?;
    let mut hasher = BodyHasher::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| local("the temporary file", e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    records::check_body(hasher.finish(), expected).map_err(ClientError::Refused)?;
    file.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| local("the temporary file", e))?;
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let out = tempfile::NamedTempFile::new_in(dir).map_err(|e| local("the output file", e))?;
    let mut writer = std::io::BufWriter::with_capacity(256 * 1024, out.as_file());
    let size = Decryptor::new(std::io::BufReader::with_capacity(256 * 1024, file))
        .map_err(|e| {
            refused(
                ErrorCode::HashMismatch,
                format!("the envelope cannot be read: {e}"),
            )
        })?
        .decrypt_to(key, &mut writer)
        .map_err(|e| {
            refused(
                ErrorCode::NotAReader,
                format!("this key cannot open the record: {e}"),
            )
        })?;
    writer.flush().map_err(|e| local("the output file", e))?;
    drop(writer);
    out.persist(output)
        .map_err(|e| local(&output.display().to_string(), e.error))?;
    Ok(size)
}
