//! The patient registry: enrolments signed by the patient and the insurer, registration by the
//! verification unit, and the look-up of H.

use alloy::network::ReceiptResponse as _;
use alloy::providers::ProviderBuilder;
use caretrail_crypto::{SecretKey, sign};
use caretrail_types::{Address, Enrolment, Hash32, Registered, Registration, Signature};

use crate::bindings::PatientRegistry;
use crate::bindings::patients::PolicyRegistry::Enrolment as SolEnrolment;
use crate::convert::{address, b256, from_address, from_b256, from_tx};
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

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

/// The patient's or the insurer's EIP-712 signature over an enrolment.
pub fn sign_enrolment(
    key: &SecretKey,
    chain_id: u64,
    policies: Address,
    enrolment: &Enrolment,
) -> Signature {
    sign::sign_typed(
        key,
        &SolEnrolment::from(enrolment),
        &crate::policy::domain(chain_id, policies),
    )
}

/// The verification unit registers a patient; returns H and the transaction.
pub async fn register_patient(
    rpc: &RpcUrl,
    verifier: PrivateKeySigner,
    patients: Address,
    registration: &Registration,
) -> Result<Registered, ChainError> {
    let provider = signing(rpc, verifier);
    let contract = PatientRegistry::new(address(patients), &provider);
    let call = contract.register(
        address(registration.enrolment.patient),
        b256(registration.nid_commitment),
        registration.encrypted_data.clone().into(),
        SolEnrolment::from(&registration.enrolment),
        registration.patient_signature.0.to_vec().into(),
        registration.insurer_signature.0.to_vec().into(),
    );
    let receipt = mined(rpc, call, "the registration").await?;
    let event = receipt
        .decoded_log::<PatientRegistry::PatientRegistered>()
        .ok_or_else(|| ChainError::Rpc("the registration emitted no PatientRegistered".into()))?;
    Ok(Registered {
        record: from_b256(event.record),
        tx_id: from_tx(receipt.transaction_hash()),
        gas_used: receipt.gas_used(),
    })
}

/// The patient H belongs to, if any (the paper's login check).
pub async fn patient_of(
    rpc: &RpcUrl,
    patients: Address,
    record: Hash32,
) -> Result<Option<Address>, ChainError> {
    let provider = ProviderBuilder::new().connect_http(rpc.clone());
    let patient = PatientRegistry::new(address(patients), &provider)
        .patientOf(b256(record))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, e))?;
    Ok((!patient.is_zero()).then(|| from_address(patient)))
}
