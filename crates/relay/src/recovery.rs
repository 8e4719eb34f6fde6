//! Recovery of a registration to a new key, the relay's side (see `PatientRegistry.sol` for the
//! rules on chain):
//!
//! 1. [`verify`]: the verification unit re-verifies her for her new key (photo, EC record and
//!    face as for a registration, then the registration under her NID and her card). The
//!    decisions are `caretrail_protocol::verification::recovery::decide`; this only asks. The
//!    answer is a ticket naming the `Recovery` her new key signs.
//! 2. [`propose`]: the ticket and her new key's signature; the VU proposes on chain, and the
//!    recovery waits out the registry's timelock, during which the current key may cancel it.
//!    The same signed recovery, handed to the health authority, is what the authority proposes
//!    (`caretrail authority recover`) when the current key is a hijacker's.
//! 3. [`cancel`]: the current key's signed cancellation, sent for her (she holds no ether).
//! 4. [`execute`]: anyone's request to execute a recovery whose timelock has passed.

use crate::registration::{Subject, ask, photo_refusal};
use crate::{Relay, RelayError, unix_now};
use caretrail_chain::{holder_of_nid, pending_recovery, record_of, recovery};
use caretrail_crypto::identity::nid_commitment;
use caretrail_crypto::recovery::{
    RegistryDomain, cancellation_signer, check_ticket, recovery_signer, sign_ticket,
};
use caretrail_protocol::verification::Facts;
use caretrail_protocol::verification::recovery::{Holding, Step, decide};
use caretrail_types::{
    CancellationRequest, ErrorCode, ExecutionRequest, MAX_PHOTO_BYTES, RecoverRequest,
    RecoveryProposal, RecoveryVerified, Relayed, SignedRecovery,
};
use std::net::IpAddr;
use std::sync::Arc;

/// The registry's answer about the registration under `subject`'s NID and about its new key.
pub(crate) async fn holding(relay: &Relay, subject: Subject<'_>) -> Result<Holding, RelayError> {
    let config = &relay.config;
    let (rpc, patients) = (&config.rpc_url, config.patient_registry);
    let nid_commitment = nid_commitment(config.nid_salt.bytes(), subject.nid);
    let registration = match holder_of_nid(rpc, patients, nid_commitment).await? {
        Some(holder) => record_of(rpc, patients, holder)
            .await?
            .map(|record| (record, holder)),
        None => None,
    };
    Ok(Holding {
        nid_commitment,
        registration,
        pending: pending_recovery(rpc, patients, nid_commitment).await?,
        nonce: recovery(rpc, patients, nid_commitment, subject.patient, 0)
            .await?
            .nonce,
        new_key_registered: record_of(rpc, patients, subject.patient).await?.is_some(),
    })
}

/// Step 1: re-verifies her, in the order `decide` asks; the clock is read once.
pub async fn verify(
    relay: &Relay,
    mut request: RecoverRequest,
    client: IpAddr,
) -> Result<RecoveryVerified, RelayError> {
    let config = &relay.config;
    let now = unix_now();
    if request.photo.len() > MAX_PHOTO_BYTES {
        return Err(photo_refusal(caretrail_face::CompareError::Probe(
            caretrail_face::PhotoError::TooLarge {
                size: request.photo.len(),
                max: MAX_PHOTO_BYTES,
            },
        )));
    }
    let photo = Arc::new(std::mem::take(&mut request.photo));
    let mut facts = Facts::default();
    for _ in 0..=5 {
        match decide(&request, &facts, config.verifier_key.address(), now) {
            Step::Ask(need) => {
                let subject = Subject {
                    nid: &request.nid,
                    card_number: &request.card_number,
                    patient: request.patient,
                };
                ask(relay, subject, &photo, client, need, &mut facts).await?;
            }
            Step::Refuse(error) => return Err(error.into()),
            Step::Issue { body, checks } => {
                let (Some(citizen), Some(card)) = (facts.citizen, facts.card) else {
                    return Err(RelayError::Internal(
                        "a recovery ticket without the citizen or the card".into(),
                    ));
                };
                return Ok(RecoveryVerified {
                    citizen,
                    coverage: card.coverage,
                    checks,
                    ticket: sign_ticket(&config.verifier_key, *body),
                });
            }
        }
    }
    Err(RelayError::Internal(
        "the re-verification asked more questions than it has".into(),
    ))
}

fn domain(relay: &Relay) -> RegistryDomain {
    RegistryDomain {
        chain_id: relay.config.chain_id,
        patients: relay.config.patient_registry,
    }
}

/// Step 2: the verification unit proposes the recovery its own ticket names, with her new key's
/// signature (checked here before any gas is spent, and again by the registry).
pub async fn propose(
    relay: &Relay,
    request: SignedRecovery,
) -> Result<RecoveryProposal, RelayError> {
    let config = &relay.config;
    let ours = config.verifier_key.address();
    check_ticket(&request.ticket, |signer| signer == ours, unix_now())
        .map_err(|e| RelayError::refused(ErrorCode::TicketRefused, e.to_string()))?;
    let recovery = &request.ticket.body.recovery;
    match recovery_signer(domain(relay), recovery, &request.new_key_signature) {
        Ok(signer) if signer == recovery.to => {}
        _ => {
            return Err(RelayError::refused(
                ErrorCode::BadSignature,
                format!("the recovery is not signed by its new key {}", recovery.to),
            ));
        }
    }
    Ok(config
        .verifier
        .propose_recovery(
            config.patient_registry,
            recovery,
            &request.new_key_signature,
        )
        .await?)
}

/// Step 3: sends the current key's signed cancellation of the recovery pending now.
pub async fn cancel(relay: &Relay, request: CancellationRequest) -> Result<Relayed, RelayError> {
    let config = &relay.config;
    let c = &request.cancellation;
    if c.deadline <= unix_now() {
        return Err(RelayError::refused(
            ErrorCode::SignatureExpired,
            "the cancellation's deadline has passed; sign it again",
        ));
    }
    let Some(pending) =
        pending_recovery(&config.rpc_url, config.patient_registry, c.nid_commitment).await?
    else {
        return Err(RelayError::refused(
            ErrorCode::NoRecoveryPending,
            "no recovery of this registration is pending",
        ));
    };
    let signer = cancellation_signer(domain(relay), c, &request.signature).map_err(|e| {
        RelayError::refused(
            ErrorCode::BadSignature,
            format!("the cancellation's signature: {e}"),
        )
    })?;
    caretrail_protocol::recovery::may_cancel(&pending, signer).map_err(|e| match e.code {
        // Signed by another key than the holder's: not her signature.
        ErrorCode::ForeignKey => RelayError::refused(
            ErrorCode::BadSignature,
            format!(
                "the cancellation is not signed by the key that holds the registration ({})",
                pending.from
            ),
        ),
        _ => e.into(),
    })?;
    let written = config
        .relayer
        .cancel_recovery_by_sig(config.patient_registry, c, &request.signature)
        .await?;
    Ok(Relayed {
        tx_id: written.tx_id,
        gas_used: written.gas_used,
    })
}

/// Step 4: executes the recovery of `request`'s NID commitment once its timelock has passed.
pub async fn execute(relay: &Relay, request: ExecutionRequest) -> Result<Relayed, RelayError> {
    let config = &relay.config;
    let Some(pending) = pending_recovery(
        &config.rpc_url,
        config.patient_registry,
        request.nid_commitment,
    )
    .await?
    else {
        return Err(RelayError::refused(
            ErrorCode::NoRecoveryPending,
            "no recovery of this registration is pending",
        ));
    };
    let written = config
        .relayer
        .execute_recovery(config.patient_registry, request.nid_commitment)
        .await
        .map_err(|e| match e {
            caretrail_chain::ChainError::Refused(_) if !pending.is_executable(unix_now()) => {
                RelayError::refused(
                    ErrorCode::NoRecoveryPending,
                    format!(
                        "the recovery waits for its timelock until unix time {}",
                        pending.executable_at
                    ),
                )
            }
            e => e.into(),
        })?;
    Ok(Relayed {
        tx_id: written.tx_id,
        gas_used: written.gas_used,
    })
}
