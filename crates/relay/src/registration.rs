//! Registration through the verification unit (the paper's VU and the relay's side of PU),
//! steps 3–4 of Fig. 2, in two requests:
//!
//! 1. [`verify`]: her instant photo's cheap checks (one face), the national ID at the EC
//!    registry, her photo against the registry's photo, the NID not registered yet (told only
//!    after the face matched), her card at the insurer, her policy document's hash against the
//!    insurer's copy and the chain's version, and the insurer's signature on her enrolment. The
//!    decisions are `caretrail_protocol::verification::decide`, a pure function; this module
//!    only asks. The answer is a ticket the VU signs. Nothing is sent to the chain; the only
//!    thing stored is the evidence when the insurer's copy of a policy differs from what it
//!    published.
//! 2. [`register`]: with the ticket, Enc(U_D) (encrypted to her key on her device) and her own
//!    enrolment signature, the VU registers her on chain; the contract derives H.
//!
//! No photo and no face template outlives the request: the match gives only a distance, which
//! goes into the signed ticket (the face attestation) and nowhere else, never into a refusal.

use crate::db::PolicyMismatch;
use crate::{Relay, RelayError, unix_now};
use caretrail_chain::{enrolment_signer, is_admitted, is_nid_registered, policy_head, record_of};
use caretrail_crypto::envelope::Header;
use caretrail_crypto::identity::{check_ticket, nid_commitment, sign_ticket};
use caretrail_face::{CompareError, PhotoError};
use caretrail_protocol::verification::{
    Card, Enrolment, FaceScore, Facts, Fraud, Need, Policy, Registered, Step, decide,
};
use caretrail_types::{
    Address, CardNumber, EnrolmentRequest, ErrorCode, Hash32, MAX_PHOTO_BYTES, Nid,
    ParticipantKind, RegisterRequest, Registration, RegistrationReceipt, RegistrationRecord, TxId,
    VerificationTicket, Verified, VerifyRequest,
};
use std::net::IpAddr;
use std::sync::Arc;

pub use caretrail_protocol::verification::TICKET_TTL_SECS;
/// The most bytes Enc(U_D) may have (the patient registry's limit).
pub const MAX_ENCRYPTED_DATA: usize = 16 * 1024;

/// Step 1: every check, in the order `caretrail_protocol::verification::decide` asks for them;
/// the first that fails stops the rest. This is only the asking: the face model (in the face
/// queue, under `client`'s quota), the EC registry (under the NID's look-up quota), the chain and
/// the insurer. The clock is read once.
pub async fn verify(
    relay: &Relay,
    mut request: VerifyRequest,
    client: IpAddr,
) -> Result<Verified, RelayError> {
    let config = &relay.config;
    let now = unix_now();
    if request.photo.len() > MAX_PHOTO_BYTES {
        return Err(RelayError::refused(
            ErrorCode::PhotoRefused,
            format!(
                "the photo is {} bytes; the most allowed is {MAX_PHOTO_BYTES}",
                request.photo.len()
            ),
        ));
    }
    let photo = Arc::new(std::mem::take(&mut request.photo));
    let mut facts = Facts::default();
    // One question per step, each answered once: the loop ends within as many turns.
    for _ in 0..=7 {
        match decide(&request, &facts, config.verifier_key.address(), now) {
            Step::Ask(need) => {
                let subject = Subject::of(&request);
                ask(relay, subject, &photo, client, need, &mut facts).await?
            }
            Step::Refuse { error, fraud } => {
                if let Some(fraud) = fraud {
                    keep_evidence(relay, &request, &facts, fraud, now).await?;
                }
                return Err(error.into());
            }
            Step::Issue { body, checks } => {
                let (Some(citizen), Some(card)) = (facts.citizen, facts.card) else {
                    return Err(RelayError::Internal(
                        "a ticket without the citizen or the card".into(),
                    ));
                };
                return Ok(Verified {
                    citizen,
                    coverage: card.coverage,
                    checks,
                    ticket: sign_ticket(&config.verifier_key, *body),
                });
            }
        }
    }
    Err(RelayError::Internal(
        "the verification asked more questions than it has".into(),
    ))
}

/// Whom the verification unit asks about: her NID, her card and her (new) key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub nid: &'a Nid,
    pub card_number: &'a CardNumber,
    pub patient: Address,
}

impl<'a> Subject<'a> {
    fn of(request: &'a VerifyRequest) -> Self {
        Self {
            nid: &request.nid,
            card_number: &request.card_number,
            patient: request.patient,
        }
    }
}

/// Asks what `need` names and writes the answer into `facts`, for a registration or a recovery.
pub(crate) async fn ask(
    relay: &Relay,
    request: Subject<'_>,
    photo: &Arc<Vec<u8>>,
    client: IpAddr,
    need: Need,
    facts: &mut Facts,
) -> Result<(), RelayError> {
    let config = &relay.config;
    let rpc = &config.rpc_url;
    match need {
        Need::Photo => {
            let probe = photo.clone();
            let faces = relay
                .with_face_model(client, request.nid, move |model| model.count_faces(&probe))
                .await?
                .map_err(|e| photo_refusal(CompareError::Probe(e)))?;
            if faces != 1 {
                let e = if faces == 0 {
                    PhotoError::NoFace
                } else {
                    PhotoError::SeveralFaces(faces)
                };
                return Err(photo_refusal(CompareError::Probe(e)));
            }
            facts.photo_checked = true;
        }
        Need::Citizen => {
            relay.nid_lookups.check(request.nid)?;
            facts.citizen = Some(relay.outside.citizen(request.nid).await?);
        }
        Need::Face => {
            let reference = relay.outside.citizen_photo(request.nid).await?;
            let probe = photo.clone();
            let face = relay
                .with_face_model(client, request.nid, move |model| {
                    model.compare(&probe, &reference)
                })
                .await?
                .map_err(photo_refusal)?;
            facts.face = Some(FaceScore {
                distance: face.distance,
                threshold: face.threshold,
                model: caretrail_face::MODEL_ID,
            });
        }
        Need::Registered => {
            let nid_commitment = nid_commitment(config.nid_salt.bytes(), request.nid);
            facts.registered = Some(Registered {
                nid_commitment,
                nid: is_nid_registered(rpc, config.patient_registry, nid_commitment).await?,
                key: record_of(rpc, config.patient_registry, request.patient)
                    .await?
                    .is_some(),
            });
        }
        Need::Card => {
            let coverage = relay.outside.coverage(request.card_number).await?;
            let insurer_admitted = is_admitted(
                rpc,
                config.participant_registry,
                coverage.insurer,
                ParticipantKind::Insurer,
            )
            .await?;
            facts.card = Some(Card {
                coverage,
                insurer_admitted,
            });
        }
        Need::Policy => {
            let Some(card) = &facts.card else {
                return Err(RelayError::Internal(
                    "the policy asked before the card".into(),
                ));
            };
            let document = relay.outside.policy(request.card_number).await?;
            let (version, chain_hash) = policy_head(
                rpc,
                config.policy_registry,
                card.coverage.insurer,
                card.coverage.policy_id,
            )
            .await?;
            facts.policy = Some(Policy {
                document,
                version,
                chain_hash,
            });
        }
        Need::Enrolment { deadline } => {
            let offer = relay
                .outside
                .enrol(
                    request.card_number,
                    &EnrolmentRequest {
                        patient: request.patient,
                        nid: request.nid.clone(),
                        deadline,
                    },
                )
                .await?;
            let signer = enrolment_signer(
                config.chain_id,
                config.policy_registry,
                &offer.enrolment,
                &offer.insurer_signature,
            )
            .ok();
            facts.enrolment = Some(Enrolment { offer, signer });
        }
        Need::Holding => {
            facts.holding = Some(crate::recovery::holding(relay, request).await?);
        }
    }
    Ok(())
}

/// Keeps the evidence of an insurer whose copy of a policy is not what it published.
async fn keep_evidence(
    relay: &Relay,
    request: &VerifyRequest,
    facts: &Facts,
    fraud: Fraud,
    now: u64,
) -> Result<(), RelayError> {
    let (Some(card), Some(policy)) = (&facts.card, &facts.policy) else {
        return Err(RelayError::Internal("fraud without its evidence".into()));
    };
    let coverage = &card.coverage;
    relay
        .db
        .record_mismatch(&PolicyMismatch {
            at: now,
            insurer: coverage.insurer,
            insurer_name: coverage.insurer_name.clone(),
            policy_id: coverage.policy_id,
            chain_version: fraud.version,
            patient_hash: request.policy_hash,
            insurer_hash: fraud.insurer_hash,
            chain_hash: fraud.chain_hash,
            insurer_document: policy.document.clone(),
            media_type: coverage.media_type.clone(),
        })
        .await?;
    Ok(())
}

/// Step 2: the ticket, her data encrypted to her key, her signature; then the chain.
pub async fn register(
    relay: &Relay,
    request: RegisterRequest,
) -> Result<RegistrationReceipt, RelayError> {
    let config = &relay.config;
    let body = &request.ticket.body;
    let patient = body.enrolment.patient;
    check_ticket(&request.ticket, config.verifier_key.address(), unix_now())
        .map_err(|e| RelayError::refused(ErrorCode::TicketRefused, e.to_string()))?;
    if request.encrypted_data.is_empty() || request.encrypted_data.len() > MAX_ENCRYPTED_DATA {
        return Err(RelayError::BadRequest(format!(
            "Enc(U_D) is {} bytes; it must be 1 to {MAX_ENCRYPTED_DATA}",
            request.encrypted_data.len()
        )));
    }
    let header = Header::parse(&request.encrypted_data)
        .map_err(|e| RelayError::BadRequest(format!("Enc(U_D) is not an envelope: {e}")))?;
    let readers: Vec<_> = header.recipients().collect();
    if readers != [patient] {
        return Err(RelayError::BadRequest(format!(
            "Enc(U_D) must be readable by the patient's key {patient} alone; it names {} reader(s)",
            readers.len()
        )));
    }
    let signer = enrolment_signer(
        config.chain_id,
        config.policy_registry,
        &body.enrolment,
        &request.patient_signature,
    )?;
    if signer != patient {
        return Err(RelayError::BadRequest(format!(
            "the enrolment is signed by {signer}, not by the patient's key {patient}"
        )));
    }
    let registered = config
        .verifier
        .register_patient(
            config.patient_registry,
            &Registration {
                nid_commitment: body.nid_commitment,
                encrypted_data: request.encrypted_data,
                enrolment: body.enrolment.clone(),
                patient_signature: request.patient_signature,
                insurer_signature: body.insurer_signature,
            },
        )
        .await?;
    let ticket_json = serde_json::to_string(&request.ticket)
        .map_err(|e| RelayError::BadRequest(e.to_string()))?;
    // The chain holds the registration; the relay's copy of the ticket is a convenience, so a
    // failure to keep it is logged, not returned (the patient must learn H and the tx id).
    if let Err(e) = relay
        .db
        .record_registration(
            patient,
            registered.record,
            &registered.tx_id.to_string(),
            &ticket_json,
            unix_now(),
        )
        .await
    {
        tracing::warn!(%patient, "registered on chain, but the relay could not keep the ticket: {e}");
    }
    Ok(RegistrationReceipt {
        patient,
        record: registered.record,
        tx_id: registered.tx_id,
        gas_used: registered.gas_used,
        face: request.ticket.body.face,
    })
}

/// The registration `patient`'s key holds, for a client whose registration answer was lost (the
/// web page, which cannot read the chain itself): the relay's own row when the chain still says
/// the same H, else the relay's index of the registry's log.
pub async fn registration_of(
    relay: &Relay,
    patient: Address,
) -> Result<Option<RegistrationRecord>, RelayError> {
    let rpc = &relay.config.rpc_url;
    let Some(record) = record_of(rpc, relay.config.patient_registry, patient).await? else {
        return Ok(None);
    };
    if let Some((kept_record, tx_id, ticket)) = relay.db.registration_of(patient).await? {
        let parsed = (
            kept_record.parse::<Hash32>(),
            TxId::from_input(&tx_id),
            serde_json::from_str::<VerificationTicket>(&ticket),
        );
        if let (Ok(kept_record), Ok(tx_id), Ok(ticket)) = parsed
            && kept_record == record
        {
            return Ok(Some(RegistrationRecord {
                record,
                tx_id,
                card_hash: ticket.body.enrolment.card_hash,
            }));
        }
    }
    Ok(crate::patient_index::holder_of(relay, record)
        .await?
        .map(|indexed| RegistrationRecord {
            record,
            tx_id: indexed.registered_tx,
            card_hash: indexed.card_hash,
        }))
}

/// The refusal for a photo the face match cannot use.
pub(crate) fn photo_refusal(e: CompareError) -> RelayError {
    match e {
        CompareError::Probe(e) => RelayError::refused(
            ErrorCode::PhotoRefused,
            match e {
                PhotoError::NoFace => {
                    "no face was found in your photo; take it facing the camera, in good light"
                        .to_owned()
                }
                PhotoError::SeveralFaces(n) => {
                    format!("your photo shows {n} faces; it must show only yours")
                }
                other => format!("your photo cannot be used: {other}"),
            },
        ),
        CompareError::Reference(e) => RelayError::refused(
            ErrorCode::ServiceUnavailable,
            format!("the EC registry's photo cannot be used for a face match: {e}"),
        ),
    }
}
