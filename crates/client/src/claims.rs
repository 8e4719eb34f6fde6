//! The bill, step 15. The hospital's billing desk (its billing staff key and the hospital's
//! key) bills a visit: the patient's coverage read from the chain (the enrolment her
//! registration pinned), the bill checked against that policy version's terms and against the
//! hospital's earlier claims for her, U_B encrypted for the insurer, the patient and the
//! hospital, uploaded with the staff member's signature, anchored with `anchorClaim`, and filed
//! with the relay for the insurer ([`Client::send_bill`]). The insurer follows its queue of
//! claims, reads each, and uploads and anchors its answers ([`Client::claim_queue`],
//! [`Client::take_claim`], [`Client::answer_claim`]). The patient reads her bills, the answers,
//! and her own computation of what her policy says ([`Client::bills`]). The decisions are
//! `caretrail_protocol::visit::bill`'s.

use crate::read_cache::Read;
use crate::{Client, ClientError, unix_now};
use caretrail_chain::{
    NotPinned, PrivateKeySigner, anchor_claim, anchor_claim_response, claim_kind, claim_of,
    claims_of, participant, pinned_publication, rpc_url, secret_key,
};
use caretrail_crypto::SecretKey;
use caretrail_protocol::records::reader_key;
use caretrail_protocol::visit::bill::{
    self, Bill, BillView, Coverage, DecryptedBills, DecryptedClaim, PinnedTerms,
};
use caretrail_types::{
    Address, AnswerOf, CLAIM_HEADER, ClaimNotice, ErrorCode, FiledClaim, Hash32, NetworkInfo,
    PolicyPublication, RecordAnchor, RelayAction, StoredRecord, UiError, VisitAuthority,
};
use std::path::Path;

fn refused(code: ErrorCode, message: impl Into<String>) -> ClientError {
    ClientError::Refused(UiError::new(code, message))
}

impl Client {
    /// The policy version `patient`'s registration pinned, as published on chain.
    pub async fn pinned_publication(
        &self,
        patient: Address,
    ) -> Result<PolicyPublication, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        pinned_publication(
            &rpc,
            network.patient_registry,
            network.policy_registry,
            patient,
        )
        .await?
        .map_err(|why| match why {
            NotPinned::NotRegistered => refused(
                ErrorCode::NotRegistered,
                format!("{patient} is not a registered patient"),
            ),
            NotPinned::NoEnrolment => refused(
                ErrorCode::NotRegistered,
                format!("{patient}'s registration pins no enrolment"),
            ),
            NotPinned::VersionMissing { version } => refused(
                ErrorCode::ChainError,
                format!("version {version} of the policy {patient} is enrolled in is not on chain"),
            ),
        })
    }

    /// The coverage `patient`'s registration pinned on chain and that policy version's terms.
    pub async fn pinned_terms(&self, patient: Address) -> Result<PinnedTerms, ClientError> {
        let publication = self.pinned_publication(patient).await?;
        PinnedTerms::of(patient, &publication).map_err(ClientError::Refused)
    }

    /// The bills `organization` (its key `here`) anchored before for `patient`, decrypted.
    async fn earlier_bills(
        &self,
        network: &NetworkInfo,
        here: &SecretKey,
        patient: Address,
        scratch: &Path,
    ) -> Result<Vec<Bill>, ClientError> {
        let rpc = rpc_url(&network.rpc_url)?;
        let anchors = caretrail_chain::anchors_of(&rpc, network.record_registry, patient).await?;
        let mut bills = Vec::new();
        for (anchor, _, _) in anchors {
            if anchor.kind != claim_kind() || anchor.author != here.address() {
                continue;
            }
            let json = self
                .read_plain(
                    here,
                    patient,
                    anchor.record_id,
                    Some(here.address()),
                    scratch,
                )
                .await?;
            bills.push(bill::read_claim(&json).map_err(ClientError::Refused)?.1);
        }
        Ok(bills)
    }

    /// Record `id` of `patient` read with `key`, checked and decrypted in memory (through a
    /// temporary file in `scratch`); read once by this client ([`crate::read_cache`]).
    pub(crate) async fn read_plain(
        &self,
        key: &SecretKey,
        patient: Address,
        id: Hash32,
        author: Option<Address>,
        scratch: &Path,
    ) -> Result<Vec<u8>, ClientError> {
        let read = Read {
            reader: key.address(),
            patient,
            id,
            author,
        };
        if let Some(plain) = self.reads.plain(&read) {
            return Ok(plain);
        }
        self.read_plain_with_row(key, patient, id, author, scratch)
            .await
            .map(|(plain, _)| plain)
    }

    /// [`Client::read_plain`], with the relay's row of the record (who wrote it, its batch
    /// proof), which the relay must serve.
    pub(crate) async fn read_plain_with_row(
        &self,
        key: &SecretKey,
        patient: Address,
        id: Hash32,
        author: Option<Address>,
        scratch: &Path,
    ) -> Result<(Vec<u8>, StoredRecord), ClientError> {
        std::fs::create_dir_all(scratch)
            .map_err(|e| refused(ErrorCode::Internal, format!("the scratch directory: {e}")))?;
        let temp = tempfile::NamedTempFile::new_in(scratch)
            .map_err(|e| refused(ErrorCode::Internal, format!("a temporary file: {e}")))?;
        let (_, stored) = self
            .read_record(
                key,
                patient,
                id,
                author,
                temp.path(),
                std::sync::Arc::new(|_| {}),
            )
            .await?;
        let stored = stored.ok_or_else(|| {
            refused(
                ErrorCode::RelayError,
                format!("the relay served record {id} without its row"),
            )
        })?;
        let plain = std::fs::read(temp.path())
            .map_err(|e| refused(ErrorCode::Internal, format!("the record read back: {e}")))?;
        let read = Read {
            reader: key.address(),
            patient,
            id,
            author,
        };
        self.reads.keep_plain(read, &plain);
        Ok((plain, stored))
    }

    /// The billing desk, holding its staff key (certified for billing) and the hospital's key,
    /// bills the hospital's visit `visit_id`: the bill checked as [`Client::send_bill`] checks
    /// it, then the desk assigns itself to the visit and files it.
    #[allow(clippy::too_many_arguments)]
    pub async fn bill_visit(
        &self,
        staff: &SecretKey,
        certificate: &caretrail_types::SignedStaffCertificate,
        organization: PrivateKeySigner,
        visit_id: Hash32,
        insurer: Option<Address>,
        bill: &Bill,
        scratch: &Path,
    ) -> Result<(StoredRecord, ClaimNotice), ClientError> {
        let here = secret_key(&organization);
        let visit = self.visit(here.address(), visit_id).await?.ok_or_else(|| {
            refused(
                ErrorCode::UnknownVisit,
                format!("this hospital opened no visit {visit_id}"),
            )
        })?;
        // The bill is checked before the desk is assigned: a refused bill writes nothing.
        let pinned = self
            .billable(&here, visit.patient, visit_id, insurer, bill, scratch)
            .await?;
        let queued = self
            .assign_visit(
                &here,
                &visit,
                staff.address(),
                caretrail_types::StaffRole::Billing,
            )
            .await?;
        let authority = VisitAuthority {
            certificate: *certificate,
            assignment: queued.assignment,
        };
        self.file_bill(staff, organization, &authority, &pinned, bill)
            .await
    }

    /// The billing desk bills the visit it is assigned by `authority` (role billing): the
    /// patient's coverage from the chain; `insurer`, when given, must be hers; each line a service
    /// her policy covers; no record billed before by this hospital. U_B is encrypted for the
    /// insurer, the patient and the hospital, uploaded, anchored with `anchorClaim` and filed for
    /// the insurer.
    pub async fn send_bill(
        &self,
        staff: &SecretKey,
        organization: PrivateKeySigner,
        authority: &VisitAuthority,
        insurer: Option<Address>,
        bill: &Bill,
        scratch: &Path,
    ) -> Result<(StoredRecord, ClaimNotice), ClientError> {
        let a = &authority.assignment.assignment;
        let pinned = self
            .billable(
                &secret_key(&organization),
                a.patient,
                a.visit_id,
                insurer,
                bill,
                scratch,
            )
            .await?;
        self.file_bill(staff, organization, authority, &pinned, bill)
            .await
    }

    /// The coverage `patient`'s registration pinned, once `bill` for the visit `visit_id` is
    /// checked against it: the insurer named (if any) is hers, each line a service her policy
    /// covers, each record one the organization's staff wrote at that visit and anchored, none
    /// billed before by `organization`.
    async fn billable(
        &self,
        organization: &SecretKey,
        patient: Address,
        visit_id: Hash32,
        insurer: Option<Address>,
        bill: &Bill,
        scratch: &Path,
    ) -> Result<PinnedTerms, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let here = organization.address();
        for id in &bill.records {
            let row = self.record_row(organization, patient, *id).await?;
            let (mut writer, mut anchored) = (None, false);
            if let Some(row) = &row {
                writer = Some(self.writer(&network, row).await?);
                anchored = self.batch_anchor(&network, row).await?.is_some()
                    || caretrail_chain::find_anchor(&rpc, network.record_registry, *id)
                        .await?
                        .is_some_and(|(a, _)| a.author == here && a.patient == patient);
            }
            bill::check_billed_record(
                *id,
                row.as_ref().zip(writer.as_ref()),
                (here, visit_id, patient),
                anchored,
            )
            .map_err(ClientError::Refused)?;
        }
        let pinned = self.pinned_terms(patient).await?;
        if let Some(named) = insurer.filter(|named| *named != pinned.coverage.insurer) {
            return Err(refused(
                ErrorCode::NotAdmitted,
                format!(
                    "{patient} is not enrolled with {named}: her enrolment names {}",
                    pinned.coverage.insurer
                ),
            ));
        }
        let earlier = self
            .earlier_bills(&network, organization, patient, scratch)
            .await?;
        bill::check_billable(&pinned.terms, bill, &earlier).map_err(ClientError::Refused)?;
        Ok(pinned)
    }

    /// U_B for a checked bill: encrypted for the insurer, the patient and the hospital,
    /// uploaded, anchored with `anchorClaim` and filed for the insurer.
    async fn file_bill(
        &self,
        staff: &SecretKey,
        organization: PrivateKeySigner,
        authority: &VisitAuthority,
        pinned: &PinnedTerms,
        bill: &Bill,
    ) -> Result<(StoredRecord, ClaimNotice), ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let here = secret_key(&organization);
        let a = &authority.assignment.assignment;
        let json = bill::claim(
            a,
            &pinned.coverage,
            bill,
            &pinned.terms.currency,
            unix_now(),
        )
        .map_err(ClientError::Refused)?;
        let mut readers = self.visit_readers(authority).await?;
        let found =
            participant(&rpc, network.participant_registry, pinned.coverage.insurer).await?;
        readers.push(
            reader_key(pinned.coverage.insurer, found.as_ref()).map_err(ClientError::Refused)?,
        );
        let stored = self
            .put_visit_record(staff, authority, &readers, "Claim", &json)
            .await?;
        anchor_claim(
            &rpc,
            organization,
            network.record_registry,
            a.visit_id,
            stored.body_hash,
            pinned.coverage.insurer,
        )
        .await?;
        let notice = self
            .relay
            .post(
                "v1/claims",
                &FiledClaim {
                    organization: here.address(),
                    claim_id: stored.id,
                },
            )
            .await?;
        Ok((stored, notice))
    }

    /// The insurer's queue of claims as the relay pushes them (those it has not answered first):
    /// a stream that ends when the relay goes.
    pub async fn claim_queue(
        &self,
        insurer: &SecretKey,
    ) -> Result<
        impl futures_util::Stream<Item = Result<ClaimNotice, ClientError>> + Send + 'static,
        ClientError,
    > {
        let network = self.network().await?;
        let signed = Self::sign(
            insurer,
            &network,
            RelayAction::ClaimQueue,
            insurer.address(),
            Hash32::ZERO,
            Hash32::ZERO,
        );
        self.relay
            .events(
                self.relay
                    .signed(reqwest::Method::POST, "v1/insurers/claims", &signed)?,
                "claim",
            )
            .await
    }

    /// The insurer reads a claim from its queue: the record (anchored by the hospital) and its
    /// plaintext.
    pub async fn take_claim(
        &self,
        insurer: &SecretKey,
        notice: &ClaimNotice,
        scratch: &Path,
    ) -> Result<(StoredRecord, Vec<u8>), ClientError> {
        let (json, stored) = self
            .read_plain_with_row(
                insurer,
                notice.patient,
                notice.claim_id,
                Some(notice.organization),
                scratch,
            )
            .await?;
        Ok((stored, json))
    }

    /// The bills of `notice`'s patient that the insurer (its key `insurer`) was sent before
    /// `notice`'s claim: her claims on chain, oldest first, up to that one, that name this
    /// insurer, each read on its `claim` ground and decrypted. What its decision counts a year's
    /// limits and repeated records against, read from the chain each time, so a restart loses
    /// nothing.
    pub async fn bills_before(
        &self,
        insurer: &SecretKey,
        notice: &ClaimNotice,
        scratch: &Path,
    ) -> Result<Vec<(Coverage, Bill)>, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let anchors =
            caretrail_chain::anchors_of(&rpc, network.record_registry, notice.patient).await?;
        let mut bills = Vec::new();
        for (anchor, _, _) in anchors {
            if anchor.record_id == notice.claim_id {
                break;
            }
            if anchor.kind != claim_kind() {
                continue;
            }
            let named = match self.reads.insurer(anchor.author, anchor.record_id) {
                Some(insurer) => Some(insurer),
                None => {
                    let found = claim_of(
                        &rpc,
                        network.record_registry,
                        anchor.author,
                        anchor.record_id,
                    )
                    .await?
                    .map(|c| c.insurer);
                    if let Some(insurer) = found {
                        self.reads
                            .keep_insurer(anchor.author, anchor.record_id, insurer);
                    }
                    found
                }
            };
            if named != Some(insurer.address()) {
                continue;
            }
            let json = self
                .read_plain(
                    insurer,
                    notice.patient,
                    anchor.record_id,
                    Some(anchor.author),
                    scratch,
                )
                .await?;
            bills.push(bill::read_claim(&json).map_err(ClientError::Refused)?);
        }
        Ok(bills)
    }

    /// The insurer answers `claim` (as [`Client::take_claim`] read it) with `json`, a
    /// `ClaimResponse`: encrypted for the patient and the hospital, uploaded, anchored with
    /// `anchorClaimResponse`; `last` takes the claim off its queue.
    pub async fn answer_claim(
        &self,
        insurer: &SecretKey,
        signer: PrivateKeySigner,
        claim: &StoredRecord,
        json: &[u8],
        last: bool,
    ) -> Result<StoredRecord, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let authority = claim
            .submission
            .as_ref()
            .map(|s| s.authority)
            .ok_or_else(|| refused(ErrorCode::InvalidInput, "the claim has no submission"))?;
        let organization = authority.assignment.assignment.organization;
        let readers = self.visit_readers(&authority).await?;
        let answer = AnswerOf {
            organization,
            claim_id: claim.id,
            last,
        };
        let stored = self
            .put_sealed(
                insurer,
                claim.patient,
                "ClaimResponse",
                &readers,
                json,
                (CLAIM_HEADER, answer.to_header()),
            )
            .await?;
        anchor_claim_response(
            &rpc,
            signer,
            network.record_registry,
            &RecordAnchor {
                record_id: claim.id,
                patient: claim.patient,
                author: organization,
                kind: claim_kind(),
                ciphertext_hash: claim.body_hash,
            },
            stored.body_hash,
        )
        .await?;
        Ok(stored)
    }

    /// Her bills: each claim of hers on chain, decrypted, with the insurer's answers, her own
    /// computation of what her policy pays, and the differences ([`DecryptedBills::views`]).
    pub async fn bills(
        &self,
        key: &SecretKey,
        scratch: &Path,
    ) -> Result<Vec<BillView>, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let patient = key.address();
        let text = |json| bill::fhir_text(json).map_err(ClientError::Refused);
        let mut claims = Vec::new();
        for (claim, _, answers) in claims_of(&rpc, network.record_registry, patient).await? {
            let json = self
                .read_plain(
                    key,
                    patient,
                    claim.claim_id(),
                    Some(claim.organization()),
                    scratch,
                )
                .await?;
            let mut answered = Vec::with_capacity(answers.len());
            for answer in answers {
                let json = self
                    .read_plain(
                        key,
                        patient,
                        answer.record.record_id,
                        Some(claim.insurer),
                        scratch,
                    )
                    .await?;
                answered.push(text(json)?);
            }
            claims.push(DecryptedClaim {
                claim: claim.claim_id(),
                organization: claim.organization(),
                insurer: claim.insurer,
                json: text(json)?,
                answers: answered,
            });
        }
        // Her policy is read only when she has a bill (see `DecryptedBills::views`).
        let publication = match claims.is_empty() {
            true => None,
            false => Some(self.pinned_publication(patient).await?),
        };
        DecryptedBills {
            patient,
            publication,
            claims,
        }
        .views()
        .map_err(ClientError::Refused)
    }
}
