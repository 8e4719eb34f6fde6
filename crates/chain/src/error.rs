//! The ways a chain call can fail, as the client and relay tell them apart. A contract's refusal
//! comes back as its custom Solidity error, decoded into the generated Rust type ([`Refusal`]).

use std::fmt;

use crate::bindings::ParticipantRegistry::ParticipantRegistryErrors;
use crate::bindings::PatientRegistry::PatientRegistryErrors;
use crate::bindings::PolicyRegistry::PolicyRegistryErrors;
use crate::bindings::RecordRegistry::RecordRegistryErrors;
use alloy::transports::{RpcError, TransportError};
use caretrail_types::{ErrorCode, TxId};

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("not a usable JSON-RPC URL: {0}")]
    BadUrl(String),
    #[error("the chain at {url} cannot be reached ({reason})")]
    Unreachable { url: String, reason: String },
    #[error("the chain has no transaction {0}")]
    TxNotFound(TxId),
    #[error("transaction {0} is not mined yet")]
    Pending(TxId),
    #[error("transaction {tx} is not a policy publication: {reason}")]
    NotAPolicyPublication { tx: TxId, reason: String },
    #[error("the signature is not usable: {0}")]
    BadSignature(String),
    #[error("{0}")]
    Refused(Refusal),
    #[error("the chain answered with an error: {0}")]
    Rpc(String),
}

/// One of Caretrail's contracts, to say which one a call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    Participants,
    Policies,
    Patients,
    Records,
}

impl Registry {
    const ALL: [Self; 4] = [
        Self::Participants,
        Self::Policies,
        Self::Patients,
        Self::Records,
    ];
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Participants => "participant registry",
            Self::Policies => "policy registry",
            Self::Patients => "patient registry",
            Self::Records => "record registry",
        })
    }
}

/// A contract said no. The variant is the contract whose custom error it is (the patient registry
/// passes on the policy registry's refusal of an enrolment, which comes back as `Policies`).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Participants(ParticipantRegistryErrors),
    Policies(PolicyRegistryErrors),
    Patients(PatientRegistryErrors),
    Records(RecordRegistryErrors),
    /// The transaction was mined and reverted without a reason the client could decode.
    Reverted {
        registry: Registry,
        tx: TxId,
    },
}

impl Refusal {
    /// Decodes revert data, trying the called registry's errors first: OpenZeppelin's errors
    /// (ECDSA, short strings) and `ZeroAddress()` are declared by more than one contract.
    fn decode(called: Registry, e: &alloy::contract::Error) -> Option<Self> {
        std::iter::once(called)
            .chain(Registry::ALL.into_iter().filter(|r| *r != called))
            .find_map(|registry| Self::decode_as(registry, e))
    }

    fn decode_as(registry: Registry, e: &alloy::contract::Error) -> Option<Self> {
        match registry {
            Registry::Participants => e
                .as_decoded_interface_error::<ParticipantRegistryErrors>()
                .map(Self::Participants),
            Registry::Policies => e
                .as_decoded_interface_error::<PolicyRegistryErrors>()
                .map(Self::Policies),
            Registry::Patients => e
                .as_decoded_interface_error::<PatientRegistryErrors>()
                .map(Self::Patients),
            Registry::Records => e
                .as_decoded_interface_error::<RecordRegistryErrors>()
                .map(Self::Records),
        }
    }

    /// Whether the refusal is about who asked: not admitted, not the verifier, not an authority.
    pub fn is_not_admitted(&self) -> bool {
        matches!(
            self,
            Self::Policies(PolicyRegistryErrors::NotAnAdmittedInsurer(_))
                | Self::Patients(PatientRegistryErrors::NotTheVerifier(_))
                | Self::Patients(PatientRegistryErrors::NotTheVerifierOrTheAuthority(_))
                | Self::Records(RecordRegistryErrors::NotAdmittedOrganization(_))
                | Self::Records(RecordRegistryErrors::NotAdmittedInsurer(_))
                | Self::Participants(ParticipantRegistryErrors::AccessControlUnauthorizedAccount(
                    _
                ))
        )
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Policies(e) => write!(f, "the policy registry refused: {}", policy(e)),
            Self::Patients(e) => write!(f, "the patient registry refused: {}", patient(e)),
            Self::Participants(e) => {
                write!(f, "the participant registry refused: {}", participant(e))
            }
            Self::Records(e) => write!(f, "the record registry refused: {}", record(e)),
            Self::Reverted { registry, tx } => {
                write!(f, "the {registry} reverted transaction {tx}")
            }
        }
    }
}

impl ChainError {
    /// The code the UI and scripts see for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUrl(_) | Self::BadSignature(_) => ErrorCode::InvalidInput,
            Self::Unreachable { .. } => ErrorCode::ChainUnreachable,
            Self::TxNotFound(_) | Self::Pending(_) => ErrorCode::TxNotFound,
            Self::NotAPolicyPublication { .. } => ErrorCode::NotAPolicyPublication,
            Self::Refused(refusal) if refusal.is_not_admitted() => ErrorCode::NotAdmitted,
            Self::Refused(Refusal::Patients(
                PatientRegistryErrors::AlreadyRegistered(_)
                | PatientRegistryErrors::NidAlreadyRegistered(_),
            )) => ErrorCode::AlreadyRegistered,
            Self::Refused(Refusal::Patients(PatientRegistryErrors::NidNotRegistered(_))) => {
                ErrorCode::NotRegistered
            }
            Self::Refused(Refusal::Patients(PatientRegistryErrors::RecoveryAlreadyPending(_))) => {
                ErrorCode::RecoveryPending
            }
            Self::Refused(Refusal::Patients(
                PatientRegistryErrors::NoPendingRecovery(_)
                | PatientRegistryErrors::RecoveryTimelocked(_),
            )) => ErrorCode::NoRecoveryPending,
            Self::Refused(Refusal::Patients(
                PatientRegistryErrors::RecoveryExpired(_)
                | PatientRegistryErrors::CancellationExpired(_),
            )) => ErrorCode::SignatureExpired,
            Self::Refused(_) => ErrorCode::ChainRefused,
            Self::Rpc(_) => ErrorCode::ChainError,
        }
    }

    /// The refusal, when a contract refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(refusal) => Some(refusal),
            _ => None,
        }
    }

    pub(crate) fn from_transport(url: &crate::RpcUrl, e: TransportError) -> Self {
        match e {
            RpcError::Transport(kind) => Self::Unreachable {
                url: url.to_string(),
                reason: with_causes(&kind),
            },
            other => Self::Rpc(other.to_string()),
        }
    }

    /// A failed call to `called`, with its custom error decoded when the contract refused.
    pub(crate) fn from_contract(
        url: &crate::RpcUrl,
        called: Registry,
        e: alloy::contract::Error,
    ) -> Self {
        if let Some(refusal) = Refusal::decode(called, &e) {
            return Self::Refused(refusal);
        }
        match e {
            alloy::contract::Error::TransportError(t) => Self::from_transport(url, t),
            other => Self::Rpc(other.to_string()),
        }
    }
}

/// `e`'s message followed by its causes' (an untrusted certificate, a refused connection), each
/// once: reqwest's own message names only the request.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        cause = inner.source();
    }
    text
}

fn policy(e: &PolicyRegistryErrors) -> String {
    use PolicyRegistryErrors as E;
    match e {
        E::EmptyDocument(_) => "the document is empty".into(),
        E::EmptyContentHash(_) => "the content hash is zero".into(),
        E::DocumentHashMismatch(v) => format!(
            "the document sent (keccak {}) is not the one signed (keccak {})",
            v.sent, v.signed
        ),
        E::NotNextVersion(v) => format!(
            "version {} is not the next one ({} is): published versions never change and none is skipped",
            v.given, v.expected
        ),
        E::PreviousHashMismatch(v) => format!(
            "the previous hash {} is not the content hash of version {}",
            v.given, v.version
        ),
        E::NotAnAdmittedInsurer(v) => format!("{} is not an admitted insurer", v.insurer),
        E::PublicationExpired(v) => format!(
            "the signed version could be submitted until {}, and that has passed",
            v.deadline
        ),
        E::EffectiveBeforePublication(v) => format!(
            "the version takes effect at {}, more than {} seconds before its publication at {}",
            v.effectiveAt,
            caretrail_types::POLICY_EFFECTIVE_SKEW_SECS,
            v.publishedAt
        ),
        E::EffectiveBeforePreviousVersion(v) => format!(
            "the version takes effect at {}, before the version it follows ({})",
            v.effectiveAt, v.previousEffectiveAt
        ),
        E::EnrolmentExpired(v) => format!("the enrolment expired at {}", v.deadline),
        E::NoSuchPolicyVersion(v) => format!(
            "insurer {} has no version {} of policy {}",
            v.insurer, v.version, v.policyId
        ),
        E::NotSignedBy(v) => format!("the signature is by {}, not by {}", v.recovered, v.expected),
        other => format!("{other:?}"),
    }
}

fn patient(e: &PatientRegistryErrors) -> String {
    use PatientRegistryErrors as E;
    match e {
        E::NotTheVerifier(v) => format!("{} is not the verification unit", v.caller),
        E::AlreadyRegistered(v) => format!("{} is already registered", v.patient),
        E::NidAlreadyRegistered(_) => "this national ID is already registered".into(),
        E::NotRegistered(v) => format!("{} is not registered", v.patient),
        E::BadEncryptedData(v) => format!("Enc(U_D) of {} bytes is refused", v.length),
        E::RotationExpired(v) => format!("the key rotation expired at {}", v.deadline),
        E::NotSignedByTheOldKey(v) => format!(
            "the rotation is signed by {}, not by the old key {}",
            v.recovered, v.expected
        ),
        E::NotSignedByTheNewKey(v) => format!(
            "the move is signed by {}, not by the new key {}: nobody showed that the patient holds it \
             (a recovery signature also proposes only once)",
            v.recovered, v.expected
        ),
        E::NotTheVerifierOrTheAuthority(v) => format!(
            "{} is neither the verification unit nor the health authority: only they propose a recovery",
            v.caller
        ),
        E::NidNotRegistered(_) => {
            "nobody is registered under this national ID: there is nothing to recover".into()
        }
        E::RecoveryExpired(v) => format!(
            "the new key's signature of the recovery could be used until {}, and that has passed",
            v.deadline
        ),
        E::RecoveryAlreadyPending(v) => format!(
            "a recovery of this national ID to {} is already pending (executable from {}): cancel or execute it first",
            v.to, v.executableAt
        ),
        E::NoPendingRecovery(_) => "no recovery of this national ID is pending".into(),
        E::RecoveryTimelocked(v) => format!(
            "the recovery waits for its timelock: it can be executed from {}",
            v.executableAt
        ),
        E::CancellationExpired(v) => format!(
            "the cancellation could be sent until {}, and that has passed",
            v.deadline
        ),
        E::NotAllowedToCancel(v) if v.byAuthority => format!(
            "{} may not cancel this recovery: the health authority proposed it, and only the authority cancels it",
            v.caller
        ),
        E::NotAllowedToCancel(v) => format!(
            "{} may not cancel this recovery: only the key that holds the registration, the verification unit or the health authority",
            v.caller
        ),
        other => format!("{other:?}"),
    }
}

fn participant(e: &ParticipantRegistryErrors) -> String {
    use ParticipantRegistryErrors as E;
    match e {
        E::AccessControlUnauthorizedAccount(v) => {
            format!("{} does not hold the role this needs", v.account)
        }
        E::AlreadyAParticipant(v) => format!("{} is already a participant", v.signer),
        E::LicenceTaken(v) => format!("licence {} is already held by {}", v.licenceId, v.holder),
        E::NotAParticipant(v) => format!("{} is not a participant", v.signer),
        other => format!("{other:?}"),
    }
}

fn record(e: &RecordRegistryErrors) -> String {
    use RecordRegistryErrors as E;
    match e {
        E::NotAdmittedOrganization(v) => {
            format!("{} is not an admitted health organization", v.account)
        }
        E::NotSignedByPatient(v) => format!(
            "the signature is by {}, not by the patient {}",
            v.signer, v.patient
        ),
        E::NotTokenOrganization(v) => format!(
            "the visit token names the organization {}, not {}",
            v.organization, v.sender
        ),
        E::VisitOpeningClosed(v) => format!(
            "visit {} could be opened until {}, and that has passed: the patient shows a new check-in code",
            v.visitId, v.notAfter
        ),
        E::NotVisitParty(v) => format!(
            "{} may not close this visit: only its patient or its organization",
            v.account
        ),
        E::ECDSAInvalidSignature(_) => "the signature is not a valid signature".into(),
        E::ECDSAInvalidSignatureLength(v) => {
            format!("the signature is {} bytes long, not 65", v.length)
        }
        E::ECDSAInvalidSignatureS(_) => "the signature is malleable (high s): it is refused".into(),
        E::VisitExpired(v) => format!("visit {} ended at {}", v.visitId, v.expiresAt),
        E::UnknownVisit(v) => format!("{} has no visit {}", v.organization, v.visitId),
        E::VisitAlreadyOpened(v) => {
            format!("{} already opened visit {}", v.organization, v.visitId)
        }
        E::EmptyKind(_) => "the record kind is empty".into(),
        E::EmptyCiphertextHash(_) => "the ciphertext hash is zero".into(),
        E::EmptyRoot(_) => "the Merkle root is zero".into(),
        E::EmptyBatch(_) => "a batch holds at least one record".into(),
        E::BatchAlreadyAnchored(v) => {
            format!("{} already anchored a batch under {}", v.author, v.root)
        }
        E::NoAuditEntries(_) => "an audit root covers at least one entry".into(),
        E::AuditRootAlreadyAnchored(v) => {
            format!("{} already anchored the audit root {}", v.relay, v.root)
        }
        E::ZeroGrantee(_) => "a consent needs a grantee".into(),
        E::GrantToSelf(_) => "the patient always reads her own records".into(),
        E::EmptyTarget(_) => "a consent needs a record or a kind".into(),
        E::ExpiryNotInFuture(v) => format!("the expiry {} is not in the future", v.expiresAt),
        E::NoSuchConsent(v) => format!(
            "{} holds no consent of {} to revoke for {}",
            v.grantee, v.patient, v.target
        ),
        E::SignatureExpired(v) => format!("the signature expired at {}", v.deadline),
        E::NotAdmittedInsurer(v) => format!("{} is not an admitted insurer", v.account),
        E::ClaimAlreadyAnchored(v) => format!(
            "{} already anchored claim {}: the insurer a claim names never changes",
            v.organization, v.claimId
        ),
        E::UnknownClaim(v) => format!(
            "{} anchored no claim {} (for this patient and content)",
            v.organization, v.claimId
        ),
        E::NotClaimInsurer(v) => format!(
            "claim {} names the insurer {}: {} may not answer it",
            v.claimId, v.insurer, v.sender
        ),
        E::InvalidAccountNonce(v) => format!(
            "the signature's nonce is used or out of turn ({} expects {})",
            v.account, v.currentNonce
        ),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolInterface as _;

    /// Every refusal the record registry can send (all but OpenZeppelin's two constructor-time
    /// `ShortStrings` errors) reads as a plain sentence, not the Rust debug form of its error.
    #[test]
    fn every_record_registry_refusal_has_a_plain_message() {
        let arguments = [0u8; 8 * 32];
        let mut unnamed = Vec::new();
        for selector in RecordRegistryErrors::SELECTORS {
            let error = RecordRegistryErrors::abi_decode_raw(*selector, &arguments)
                .expect("zero arguments decode");
            if matches!(
                error,
                RecordRegistryErrors::StringTooLong(_)
                    | RecordRegistryErrors::InvalidShortString(_)
            ) {
                continue;
            }
            let debug = format!("{error:?}");
            let name = debug.split('(').next().unwrap_or_default().to_owned();
            let message = record(&error);
            if message.contains(&name) {
                unnamed.push(name);
            }
        }
        assert!(unnamed.is_empty(), "no plain message for {unnamed:?}");
    }
}
