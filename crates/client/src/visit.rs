//! A visit's records (steps 8–14) from a staff member's workstation, which holds her staff key
//! and the organization's key: each record is encrypted here for the patient (her key, learnt
//! from her signature on the token that opened the visit) and the organization, uploaded under
//! her certificate and assignment with her signature, then anchored by the organization, the
//! visit's records in one batch. The decisions are `caretrail_protocol::visit`'s.

use crate::{Client, ClientError, unix_now};
use caretrail_chain::{
    PrivateKeySigner, anchor_batch, anchor_record, participant, rpc_url, secret_key, visit_opening,
};
use caretrail_crypto::envelope::{self, Header};
use caretrail_crypto::record::{body_hash, record_id};
use caretrail_crypto::visit::RegistryDomain;
use caretrail_crypto::{PublicKey, SecretKey};
use caretrail_protocol::records::{kind, reader_key};
use caretrail_protocol::visit::{authority, batch, orders};
use caretrail_types::{
    ErrorCode, KIND_HEADER, RelayAction, STAFF_HEADER, StoredRecord, UiError, VisitAuthority,
    VisitBatch,
};
use rand_core::OsRng;

fn refused(code: ErrorCode, message: impl Into<String>) -> ClientError {
    ClientError::Refused(UiError::new(code, message))
}

impl Client {
    /// Who a record written under `authority` is encrypted for: the visit's patient (her key
    /// from the chain's `openVisit` call) and its organization (its key in the participant
    /// registry, admitted).
    pub async fn visit_readers(
        &self,
        authority: &VisitAuthority,
    ) -> Result<Vec<PublicKey>, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let a = &authority.assignment.assignment;
        let opening =
            visit_opening(&rpc, network.record_registry, a.organization, a.visit_id).await?;
        let patient = authority::patient_key(
            a,
            opening.as_ref(),
            RegistryDomain {
                chain_id: network.chain_id,
                records: network.record_registry,
            },
        )
        .map_err(ClientError::Refused)?;
        let found = participant(&rpc, network.participant_registry, a.organization).await?;
        let organization =
            reader_key(a.organization, found.as_ref()).map_err(ClientError::Refused)?;
        Ok(vec![patient, organization])
    }

    /// Uploads one record of `kind` (its plaintext `plaintext`), written by `staff` under
    /// `authority`, encrypted here for `readers`. Not anchored yet.
    pub async fn put_visit_record(
        &self,
        staff: &SecretKey,
        authority: &VisitAuthority,
        readers: &[PublicKey],
        kind_name: &str,
        plaintext: &[u8],
    ) -> Result<StoredRecord, ClientError> {
        self.put_sealed(
            staff,
            authority.assignment.assignment.patient,
            kind_name,
            readers,
            plaintext,
            (STAFF_HEADER, authority.to_header()),
        )
        .await
    }

    /// `patient`'s record of kind `kind_name`, its `plaintext` encrypted in memory for
    /// `readers`, uploaded with `key`'s signed request and the header `on` (the ground a staff
    /// member or an insurer uploads on). Not anchored.
    pub(crate) async fn put_sealed(
        &self,
        key: &SecretKey,
        patient: caretrail_types::Address,
        kind_name: &str,
        readers: &[PublicKey],
        plaintext: &[u8],
        on: (&'static str, String),
    ) -> Result<StoredRecord, ClientError> {
        let network = self.network().await?;
        let kind_hash = kind(kind_name).map_err(ClientError::Refused)?;
        let sealed = envelope::encrypt(&mut OsRng, readers, plaintext)
            .map_err(|e| refused(ErrorCode::Internal, format!("encryption: {e}")))?;
        let header_len = Header::parse(&sealed)
            .map_err(|e| refused(ErrorCode::Internal, format!("encryption: {e}")))?
            .len();
        let hash = body_hash(&sealed[header_len..]);
        let id = record_id(patient, kind_hash, hash);
        let signed = Self::sign(key, &network, RelayAction::RecordPut, patient, id, hash);
        let request = self
            .relay
            .signed(reqwest::Method::PUT, &format!("v1/records/{id}"), &signed)?
            .header(KIND_HEADER, kind_name)
            .header(on.0, on.1)
            .header(reqwest::header::CONTENT_LENGTH, sealed.len())
            .body(sealed);
        self.relay.json(request).await
    }

    /// The organization anchors a visit's `records` (uploaded under the same assignment): one
    /// alone, several in one batch whose proofs the relay then keeps. The records as the relay
    /// holds them now.
    pub async fn anchor_visit_records(
        &self,
        organization: PrivateKeySigner,
        records: Vec<StoredRecord>,
    ) -> Result<Vec<StoredRecord>, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let here = secret_key(&organization).address();
        let visit_id = records
            .first()
            .and_then(|r| r.submission.as_ref())
            .map(|s| s.authority.assignment.assignment.visit_id)
            .ok_or_else(|| refused(ErrorCode::InvalidInput, "no visit record to anchor"))?;
        if let [record] = records.as_slice() {
            anchor_record(
                &rpc,
                organization,
                network.record_registry,
                visit_id,
                record.kind,
                record.body_hash,
            )
            .await?;
            return Ok(records);
        }
        let (root, count) = batch::root(&records).map_err(ClientError::Refused)?;
        anchor_batch(
            &rpc,
            organization,
            network.record_registry,
            visit_id,
            root,
            count,
        )
        .await?;
        self.relay
            .post(
                "v1/visits/batches",
                &VisitBatch {
                    organization: here,
                    visit_id,
                    root,
                    records: records.iter().map(|r| r.id).collect(),
                },
            )
            .await
    }

    /// The doctor writes `orders` at the visit she is assigned by `authority`: the visit's
    /// Encounter, U_P and T_D (`caretrail_protocol::visit::orders`), each encrypted for the
    /// patient and the organization and uploaded with her signature, then anchored by the
    /// organization in one batch.
    pub async fn write_orders(
        &self,
        staff: &SecretKey,
        organization: PrivateKeySigner,
        authority: &VisitAuthority,
        orders: &orders::Orders,
    ) -> Result<Vec<StoredRecord>, ClientError> {
        let written = orders::write(&authority.assignment.assignment, orders, unix_now())
            .map_err(ClientError::Refused)?;
        let readers = self.visit_readers(authority).await?;
        let mut stored = Vec::with_capacity(written.len());
        for record in &written {
            stored.push(
                self.put_visit_record(staff, authority, &readers, record.kind, &record.json)
                    .await?,
            );
        }
        self.anchor_visit_records(organization, stored).await
    }
}
