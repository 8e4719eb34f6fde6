//! Registration through the verification unit (the paper's VU and the relay's side of PU),
//! steps 3–4 of Fig. 2, in two requests:
//!
//! 1. [`verify`]: the national ID at the EC registry, her instant photo against the registry's
//!    photo, the NID not registered yet (told only after the face matched), her card at the insurer, her policy document's hash against
//!    the insurer's copy and the chain's version, and the insurer's signature on her enrolment.
//!    The answer is a ticket the VU signs. Nothing is sent to the chain; the only thing stored is
//!    the evidence when the insurer's copy of a policy differs from what it published.
//! 2. [`register`]: with the ticket, Enc(U_D) (encrypted to her key on her device) and her own
//!    enrolment signature, the VU registers her on chain; the contract derives H.
//!
//! No photo and no face template outlives the request: the match gives only a distance, which
//! goes into the signed ticket (the face attestation).

use crate::db::PolicyMismatch;
use crate::{Relay, RelayError, unix_now};
use caretrail_chain::{enrolment_signer, is_admitted, is_nid_registered, policy_head, record_of};
use caretrail_crypto::envelope::Header;
use caretrail_crypto::identity::{card_hash, check_ticket, nid_commitment, sign_ticket};
use caretrail_crypto::policy::content_hash;
use caretrail_face::{CompareError, PhotoError};
use caretrail_types::{
    Address, Check, CheckResult, CoverageStatus, EnrolmentRequest, ErrorCode, FaceAttestation,
    Hash32, MAX_PHOTO_BYTES, ParticipantKind, RegisterRequest, Registration, RegistrationReceipt,
    RegistrationRecord, TicketBody, TxId, VerificationTicket, Verified, VerifyRequest,
};

/// How long a ticket (and the enrolment the insurer signed for it) stays valid.
pub const TICKET_TTL_SECS: u64 = 15 * 60;
/// The most bytes Enc(U_D) may have (the patient registry's limit).
pub const MAX_ENCRYPTED_DATA: usize = 16 * 1024;

/// Step 1: every check, in order; the first that fails stops the rest.
pub async fn verify(relay: &Relay, request: VerifyRequest) -> Result<Verified, RelayError> {
    let config = &relay.config;
    let rpc = &config.rpc_url;
    let mut checks = Vec::new();
    if request.photo.len() > MAX_PHOTO_BYTES {
        return Err(RelayError::refused(
            ErrorCode::PhotoRefused,
            format!(
                "the photo is {} bytes; the most allowed is {MAX_PHOTO_BYTES}",
                request.photo.len()
            ),
        ));
    }

    let citizen = relay.outside.citizen(&request.nid).await?;
    checks.push(CheckResult {
        check: Check::Citizen,
        detail: format!(
            "{} {}, born {}",
            citizen.given_name, citizen.family_name, citizen.birth_date
        ),
    });

    let reference = relay.outside.citizen_photo(&request.nid).await?;
    let face = relay.match_faces(request.photo, reference).await?;
    let attestation = FaceAttestation {
        distance_millionths: millionths(face.distance),
        threshold_millionths: millionths(face.threshold),
        model: caretrail_face::MODEL_ID.into(),
        at: unix_now(),
    };
    if !face.is_match() {
        return Err(RelayError::refused(
            ErrorCode::FaceMismatch,
            format!(
                "the face in the photo does not match the national ID photo (distance {:.3}; \
                 the same person is below {:.2})",
                face.distance, face.threshold
            ),
        ));
    }
    checks.push(CheckResult {
        check: Check::Face,
        detail: format!(
            "distance {:.3} (match below {:.2})",
            face.distance, face.threshold
        ),
    });

    // Whether this NID is registered is told only to the person whose face matched it.
    let commitment = nid_commitment(config.nid_salt.bytes(), &request.nid);
    if is_nid_registered(rpc, config.patient_registry, commitment).await? {
        return Err(RelayError::refused(
            ErrorCode::AlreadyRegistered,
            format!(
                "a patient is already registered with the national ID {}",
                request.nid
            ),
        ));
    }
    if record_of(rpc, config.patient_registry, request.patient)
        .await?
        .is_some()
    {
        return Err(RelayError::refused(
            ErrorCode::AlreadyRegistered,
            format!(
                "the key {} is already registered; use a new key",
                request.patient
            ),
        ));
    }
    checks.push(CheckResult {
        check: Check::NotRegistered,
        detail: "no registration with this national ID".into(),
    });

    let coverage = relay.outside.coverage(&request.card_number).await?;
    match coverage.status {
        CoverageStatus::Active => {}
        status => {
            return Err(RelayError::refused(
                ErrorCode::CardRefused,
                format!(
                    "the insurance card {} is {} (valid until {})",
                    coverage.card_number,
                    match status {
                        CoverageStatus::Expired => "expired",
                        _ => "cancelled",
                    },
                    coverage.valid_until
                ),
            ));
        }
    }
    if !is_admitted(
        rpc,
        config.participant_registry,
        coverage.insurer,
        ParticipantKind::Insurer,
    )
    .await?
    {
        return Err(RelayError::refused(
            ErrorCode::NotAdmitted,
            format!(
                "the card's insurer {} ({}) is not an admitted insurer",
                coverage.insurer_name, coverage.insurer
            ),
        ));
    }
    checks.push(CheckResult {
        check: Check::Card,
        detail: format!(
            "{}, plan {}, valid until {}",
            coverage.insurer_name, coverage.plan, coverage.valid_until
        ),
    });

    let document = relay.outside.policy(&request.card_number).await?;
    let insurer_hash = content_hash(&coverage.media_type, &document).map_err(|e| {
        RelayError::refused(
            ErrorCode::ServiceUnavailable,
            format!(
                "the insurer's policy document cannot be hashed as {}: {e}",
                coverage.media_type
            ),
        )
    })?;
    let (version, chain_hash) = policy_head(
        rpc,
        config.policy_registry,
        coverage.insurer,
        coverage.policy_id,
    )
    .await?;
    if version == 0 {
        return Err(RelayError::refused(
            ErrorCode::PolicyMismatch,
            format!(
                "{} has not published the policy of plan {} on chain",
                coverage.insurer_name, coverage.plan
            ),
        ));
    }
    if insurer_hash != chain_hash {
        // The insurer serves something other than what it published: the paper's fraudulent
        // insurer. Stop, and keep the evidence.
        relay
            .db
            .record_mismatch(&PolicyMismatch {
                at: unix_now(),
                insurer: coverage.insurer,
                insurer_name: coverage.insurer_name.clone(),
                policy_id: coverage.policy_id,
                chain_version: version,
                patient_hash: request.policy_hash,
                insurer_hash,
                chain_hash,
                insurer_document: document,
                media_type: coverage.media_type.clone(),
            })
            .await?;
        return Err(RelayError::refused(
            ErrorCode::PolicyMismatch,
            format!(
                "{} ({}) holds a policy that is not the one it published: its copy hashes to \
                 {insurer_hash}, version {version} on chain to {chain_hash} (yours: {}). \
                 Registration stopped; the evidence is kept.",
                coverage.insurer_name, coverage.insurer, request.policy_hash
            ),
        ));
    }
    if request.policy_hash != chain_hash {
        return Err(RelayError::refused(
            ErrorCode::PolicyMismatch,
            format!(
                "your policy document (hash {}) is not the policy of plan {} that {} holds and \
                 published as version {version} (hash {chain_hash}); attach that document",
                request.policy_hash, coverage.plan, coverage.insurer_name
            ),
        ));
    }
    checks.push(CheckResult {
        check: Check::Policy,
        detail: format!("hash {chain_hash}, version {version} on chain"),
    });

    let expires_at = unix_now() + TICKET_TTL_SECS;
    let offer = relay
        .outside
        .enrol(
            &request.card_number,
            &EnrolmentRequest {
                patient: request.patient,
                nid: request.nid.clone(),
                deadline: expires_at,
            },
        )
        .await?;
    let e = &offer.enrolment;
    let as_asked = e.patient == request.patient
        && e.insurer == coverage.insurer
        && e.policy_id == coverage.policy_id
        && e.version == version
        && e.card_hash == card_hash(&request.card_number)
        && e.deadline == expires_at;
    let signer = enrolment_signer(
        config.chain_id,
        config.policy_registry,
        e,
        &offer.insurer_signature,
    );
    if !as_asked || signer.ok() != Some(coverage.insurer) {
        return Err(RelayError::refused(
            ErrorCode::ServiceUnavailable,
            "the insurer's signed enrolment is not the one asked for, or not signed by the insurer"
                .to_owned(),
        ));
    }
    checks.push(CheckResult {
        check: Check::Enrolment,
        detail: format!("version {version} of plan {}", coverage.plan),
    });

    let ticket = sign_ticket(
        &config.verifier_key,
        TicketBody {
            nid_commitment: commitment,
            enrolment: offer.enrolment,
            insurer_signature: offer.insurer_signature,
            face: attestation,
            policy_hash: chain_hash,
            expires_at,
            verifier: config.verifier_key.address(),
        },
    );
    Ok(Verified {
        citizen,
        coverage,
        checks,
        ticket,
    })
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
        .relayer
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
/// the same H, else the chain's record (a log look-up narrowed to her address and H).
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
    Ok(caretrail_chain::registration_of(rpc, relay.config.patient_registry, patient).await?)
}

fn millionths(x: f64) -> u32 {
    // Distances are in [0, 2]; the cast saturates anyway.
    (x * 1e6).round() as u32
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
