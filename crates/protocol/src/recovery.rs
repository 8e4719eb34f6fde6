//! Recovery of her registration to a new key, on the patient's device (the verification unit's
//! side is `verification::recovery`; the rules on chain are `PatientRegistry.sol`'s). The shell
//! runs, in order:
//!
//! 1. [`apply`]: what she entered is checked (NID, card, photo); nothing has been sent yet.
//! 2. Her new key (a new one, with its phrase), and the request to the verification unit.
//! 3. [`sign`]: the VU's ticket is checked against what she asked and her pinned network, and her
//!    new key signs the recovery it names. The signed recovery goes to the relay (the VU proposes)
//!    or, as a file, to the health authority.
//! 4. [`profile`]: what her wallet keeps: her registration H, under her new key, pending.
//!
//! While a recovery of her registration is pending, [`status`] says what it means for the key
//! this device holds, and [`cancellation`] is what her current key signs to say no.

use caretrail_crypto::SecretKey;
use caretrail_crypto::recovery::{RegistryDomain, sign_cancellation, sign_recovery};
use caretrail_types::{
    Address, CancellationRequest, CardNumber, ErrorCode, NetworkInfo, Nid, PendingRecovery,
    Profile, RecoverRequest, RecoveryCancellation, RecoveryProposal, RecoveryStatus,
    RecoveryVerified, SignedRecovery, TxId, UiError, check_photo,
};

/// What she enters to recover her registration, as she entered it.
#[derive(Debug, Clone, Copy)]
pub struct Form<'a> {
    pub nid: &'a str,
    pub card_number: &'a str,
    /// Her instant photo (JPEG or PNG).
    pub photo: &'a [u8],
}

/// Her request, checked.
#[derive(Debug, Clone)]
pub struct Application {
    pub nid: Nid,
    pub card_number: CardNumber,
    photo: Vec<u8>,
}

/// Step 1: checks what she entered, in the registration's order.
pub fn apply(form: Form<'_>) -> Result<Application, UiError> {
    let invalid =
        |e: caretrail_types::IdentifierError| UiError::new(ErrorCode::InvalidInput, e.to_string());
    let nid = Nid::parse(form.nid).map_err(invalid)?;
    let card_number = CardNumber::parse(form.card_number).map_err(invalid)?;
    check_photo(form.photo)?;
    Ok(Application {
        nid,
        card_number,
        photo: form.photo.to_vec(),
    })
}

/// Step 2: the request for the verification unit, for her new key.
pub fn verify_request(application: &Application, new_key: Address) -> RecoverRequest {
    RecoverRequest {
        nid: application.nid.clone(),
        card_number: application.card_number.clone(),
        patient: new_key,
        photo: application.photo.clone(),
    }
}

fn domain(network: &NetworkInfo) -> RegistryDomain {
    RegistryDomain {
        chain_id: network.chain_id,
        patients: network.patient_registry,
    }
}

/// Step 3: her new key signs the recovery the VU's ticket names, once the ticket is shown to be
/// for her key and unexpired at `now`. (The VU's own signature is checked by whoever proposes.)
pub fn sign(
    verified: &RecoveryVerified,
    new_key: &SecretKey,
    network: &NetworkInfo,
    now: u64,
) -> Result<SignedRecovery, UiError> {
    let recovery = &verified.ticket.body.recovery;
    if recovery.to != new_key.address() {
        return Err(UiError::new(
            ErrorCode::TicketRefused,
            format!(
                "the verification unit's ticket names the key {}, not this device's {}",
                recovery.to,
                new_key.address()
            ),
        ));
    }
    if now > recovery.deadline {
        return Err(UiError::new(
            ErrorCode::TicketRefused,
            "the verification unit's ticket expired; verify again",
        ));
    }
    Ok(SignedRecovery {
        ticket: verified.ticket.clone(),
        new_key_signature: sign_recovery(new_key, domain(network), recovery),
    })
}

/// Step 4: what her wallet keeps: H under her new key, from the proposal's transaction.
pub fn profile(nid: Nid, card_number: CardNumber, signed: &SignedRecovery, tx_id: TxId) -> Profile {
    Profile {
        nid,
        card_number,
        patient: signed.ticket.body.recovery.to,
        record: signed.ticket.body.record,
        tx_id,
    }
}

/// What `pending` means for `key` at `now`; `None` when it concerns neither side of it.
pub fn status(pending: &PendingRecovery, key: Address, now: u64) -> Option<RecoveryStatus> {
    if pending.to == key {
        Some(RecoveryStatus::Incoming {
            executable_at: pending.executable_at,
            ready: pending.is_executable(now),
        })
    } else if pending.from == key {
        Some(RecoveryStatus::Outgoing {
            to: pending.to,
            executable_at: pending.executable_at,
            may_cancel: pending.holder_may_cancel(),
        })
    } else {
        None
    }
}

/// Whether `key` may cancel `pending` by its signature: it holds the registration, and the
/// verification unit proposed the recovery (the health authority's only the authority cancels).
/// The app asks it before signing; the relay, of the signer, before sending.
pub fn may_cancel(pending: &PendingRecovery, key: Address) -> Result<(), UiError> {
    if pending.from != key {
        return Err(UiError::new(
            ErrorCode::ForeignKey,
            format!(
                "this recovery moves the registration held by {}, not by the key {key}",
                pending.from
            ),
        ));
    }
    if !pending.holder_may_cancel() {
        return Err(UiError::new(
            ErrorCode::NotAdmitted,
            "the health authority proposed this recovery: only the health authority may cancel it",
        ));
    }
    Ok(())
}

/// The current key's signature of `cancellation` (the chain's, for `pending`), once `pending` is
/// shown to be hers to cancel.
pub fn cancellation(
    pending: &PendingRecovery,
    cancellation: RecoveryCancellation,
    key: &SecretKey,
    network: &NetworkInfo,
) -> Result<CancellationRequest, UiError> {
    may_cancel(pending, key.address())?;
    if cancellation.nid_commitment != pending.nid_commitment {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            "the cancellation names another recovery than the pending one",
        ));
    }
    Ok(CancellationRequest {
        cancellation,
        signature: sign_cancellation(key, domain(network), &cancellation),
    })
}

/// The proposal as the screen tells it.
pub fn proposed(proposal: &RecoveryProposal) -> String {
    format!(
        "recovery of registration {} to {} proposed in transaction {}; it can be executed from \
         unix time {}, unless the key that holds it now cancels it",
        proposal.pending.record,
        proposal.pending.to,
        proposal.tx_id,
        proposal.pending.executable_at
    )
}
