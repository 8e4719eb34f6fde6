//! The patient registry: enrolments signed by the patient and the insurer, registration by the
//! verification unit, and the look-up of H.

use crate::error::Registry;
use alloy::network::ReceiptResponse as _;
use caretrail_crypto::{SecretKey, sign};
use caretrail_types::{
    Address, Enrolment, Hash32, KeyRotation, Registered, Registration, Signature, TxId,
};

use crate::bindings::PatientRegistry;
use crate::bindings::patients::PolicyRegistry::Enrolment as SolEnrolment;
use crate::convert::{address, b256, domain, from_address, from_b256, from_tx};
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

/// The contract's EIP-712 domain name (as in its constructor).
pub(crate) const DOMAIN: &str = "Caretrail PatientRegistry";

impl From<&Enrolment> for SolEnrolment {
    fn from(e: &Enrolment) -> Self {
        Self {
            patient: address(e.patient),
            insurer: address(e.insurer),
            policyId: b256(e.policy_id),
            version: e.version,
            cardHash: b256(e.card_hash),
            deadline: e.deadline,
        }
    }
}

/// The EIP-712 type the patient registry checks in `rotateKey` (the type name is part of the hash).
mod typed {
    alloy::sol! {
    struct KeyRotation {
        address from;
        address to;
        bytes32 record;
        uint64 nonce;
        uint64 deadline;
    }
    }
}

/// The patient's or the insurer's EIP-712 signature over an enrolment (the policy registry's
/// domain); the type is defined once, in `caretrail_crypto::identity`.
pub use caretrail_crypto::identity::sign_enrolment;

/// Who signed an enrolment (the patient or the insurer), by the contract's rules.
pub fn enrolment_signer(
    chain_id: u64,
    policies: Address,
    enrolment: &Enrolment,
    signature: &Signature,
) -> Result<Address, ChainError> {
    caretrail_crypto::identity::enrolment_signer(chain_id, policies, enrolment, signature)
        .map_err(|e| ChainError::BadSignature(e.to_string()))
}

/// The verification unit registers a patient; returns H and the transaction.
pub async fn register_patient(
    rpc: &RpcUrl,
    verifier: PrivateKeySigner,
    patients: Address,
    registration: &Registration,
) -> Result<Registered, ChainError> {
    crate::Relayer::new(rpc, verifier)
        .register_patient(patients, registration)
        .await
}

impl crate::Relayer {
    /// The verification unit (this relayer's account, which holds the verifier role) registers
    /// a patient, taking its turn with the relayer's other sends; returns H and the transaction.
    pub async fn register_patient(
        &self,
        patients: Address,
        registration: &Registration,
    ) -> Result<Registered, ChainError> {
        let contract = PatientRegistry::new(address(patients), self.provider());
        let call = contract.register(
            address(registration.enrolment.patient),
            b256(registration.nid_commitment),
            registration.encrypted_data.clone().into(),
            SolEnrolment::from(&registration.enrolment),
            registration.patient_signature.0.to_vec().into(),
            registration.insurer_signature.0.to_vec().into(),
        );
        let receipt = self.mined(Registry::Patients, call).await?;
        let event = receipt
            .decoded_log::<PatientRegistry::PatientRegistered>()
            .ok_or_else(|| {
                ChainError::Rpc("the registration emitted no PatientRegistered".into())
            })?;
        Ok(Registered {
            record: from_b256(event.record),
            tx_id: from_tx(receipt.transaction_hash()),
            gas_used: receipt.gas_used(),
        })
    }
}

/// Whether a patient is registered under this NID commitment.
pub async fn is_nid_registered(
    rpc: &RpcUrl,
    patients: Address,
    nid_commitment: Hash32,
) -> Result<bool, ChainError> {
    let provider = crate::send::reading(rpc);
    PatientRegistry::new(address(patients), &provider)
        .isNidRegistered(b256(nid_commitment))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))
}

pub use caretrail_types::RegistrationRecord;

/// The registration `patient`'s key holds now (from her `PatientRegistered` event, confirmed by
/// the registry), or `None`.
pub async fn registration_of(
    rpc: &RpcUrl,
    patients: Address,
    patient: Address,
) -> Result<Option<RegistrationRecord>, ChainError> {
    let Some(record) = record_of(rpc, patients, patient).await? else {
        return Ok(None);
    };
    let provider = crate::send::reading(rpc);
    let logs = PatientRegistry::new(address(patients), &provider)
        .PatientRegistered_filter()
        .topic1(address(patient))
        .topic2(b256(record))
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok(logs.first().and_then(|(event, log)| {
        Some(RegistrationRecord {
            record,
            tx_id: from_tx(log.transaction_hash?),
            card_hash: from_b256(event.cardHash),
        })
    }))
}

/// H of `patient`, or `None` when she is not registered.
pub async fn record_of(
    rpc: &RpcUrl,
    patients: Address,
    patient: Address,
) -> Result<Option<Hash32>, ChainError> {
    let provider = crate::send::reading(rpc);
    let record = PatientRegistry::new(address(patients), &provider)
        .recordOf(address(patient))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok((!record.is_zero()).then(|| from_b256(record)))
}

/// Whether H belongs to the registered patient `patient` (the paper's login check; the patient
/// is known from her signature over the challenge or the check-in QR).
pub async fn is_registered(
    rpc: &RpcUrl,
    patients: Address,
    patient: Address,
    record: Hash32,
) -> Result<bool, ChainError> {
    let provider = crate::send::reading(rpc);
    PatientRegistry::new(address(patients), &provider)
        .isRegistered(address(patient), b256(record))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))
}

/// The patient H belongs to now, if any, from H alone: the registry keeps each H's holder
/// (`holderOf`), current through rotations and recoveries, so this is one call and no log scan.
pub async fn patient_of(
    rpc: &RpcUrl,
    patients: Address,
    record: Hash32,
) -> Result<Option<Address>, ChainError> {
    let provider = crate::send::reading(rpc);
    let holder = PatientRegistry::new(address(patients), &provider)
        .holderOf(b256(record))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok((!holder.is_zero()).then(|| from_address(holder)))
}

/// The rotation of `from`'s registration to `to` as the registry would check it now: her H and
/// the record's rotation count are read from the chain.
pub async fn key_rotation(
    rpc: &RpcUrl,
    patients: Address,
    from: Address,
    to: Address,
    deadline: u64,
) -> Result<KeyRotation, ChainError> {
    let provider = crate::send::reading(rpc);
    let contract = PatientRegistry::new(address(patients), &provider);
    let fail = |e| ChainError::from_contract(rpc, Registry::Patients, e);
    let record = contract
        .recordOf(address(from))
        .call()
        .await
        .map_err(fail)?;
    let nonce = contract.rotationsOf(record).call().await.map_err(fail)?;
    Ok(KeyRotation {
        from,
        to,
        record: from_b256(record),
        nonce,
        deadline,
    })
}

/// One key's EIP-712 signature over `rotation`, computed here (the type is fixed in this crate, so
/// a lying node cannot make the key sign something else). The registry wants it from both keys:
/// the old one gives the record away, the new one shows that the patient holds it.
pub fn sign_key_rotation(
    key: &SecretKey,
    chain_id: u64,
    patients: Address,
    rotation: &KeyRotation,
) -> Signature {
    let typed = typed::KeyRotation {
        from: address(rotation.from),
        to: address(rotation.to),
        record: b256(rotation.record),
        nonce: rotation.nonce,
        deadline: rotation.deadline,
    };
    sign::sign_typed(key, &typed, &domain(DOMAIN, chain_id, patients))
}

/// Moves a registration to the new key with both keys' signatures over `rotation` (see
/// [`sign_key_rotation`]); anyone may send it.
pub async fn rotate_key(
    rpc: &RpcUrl,
    sender: PrivateKeySigner,
    patients: Address,
    rotation: &KeyRotation,
    by_old_key: &Signature,
    by_new_key: &Signature,
) -> Result<TxId, ChainError> {
    let provider = signing(rpc, sender);
    let contract = PatientRegistry::new(address(patients), &provider);
    let call = contract.rotateKey(
        address(rotation.from),
        address(rotation.to),
        rotation.deadline,
        by_old_key.0.to_vec().into(),
        by_new_key.0.to_vec().into(),
    );
    let receipt = mined(rpc, Registry::Patients, call).await?;
    Ok(from_tx(receipt.transaction_hash()))
}

/// The policy a registration's enrolment pinned: who insures her, which policy, which version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinnedPolicy {
    pub record: Hash32,
    pub insurer: Address,
    pub policy_id: Hash32,
    pub version: u64,
    pub card_hash: Hash32,
}

/// The enrolment registration `record` (H) pinned, from its `PatientRegistered` event (H stays
/// the same through key rotations and recoveries), or `None` when no such registration exists.
pub async fn enrolment_of(
    rpc: &RpcUrl,
    patients: Address,
    record: Hash32,
) -> Result<Option<PinnedPolicy>, ChainError> {
    let provider = crate::send::reading(rpc);
    let logs = PatientRegistry::new(address(patients), &provider)
        .PatientRegistered_filter()
        .topic2(b256(record))
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok(logs.first().map(|(event, _)| PinnedPolicy {
        record,
        insurer: from_address(event.insurer),
        policy_id: from_b256(event.policyId),
        version: event.version,
        card_hash: from_b256(event.cardHash),
    }))
}
