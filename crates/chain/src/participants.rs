//! The participant registry: deployment of the registries, admission of health organizations and
//! insurers by the health authority, and the roles.

use alloy::network::ReceiptResponse as _;
use alloy::primitives::keccak256;
use alloy::providers::ProviderBuilder;
use caretrail_crypto::SecretKey;
use caretrail_types::{
    Address, Admission, Participant, ParticipantKind, ParticipantStatus, Registries, TxId,
};

use crate::bindings::{ParticipantRegistry, PatientRegistry, PolicyRegistry, RecordRegistry};
use crate::convert::{address, from_address, from_tx};
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

/// The admission of the participant whose key is `key`: its address signs, its public key is
/// its encryption key.
pub fn admission_of(
    key: &SecretKey,
    kind: ParticipantKind,
    licence_id: &str,
    name: &str,
) -> Admission {
    Admission {
        signer: key.address(),
        kind,
        licence_id: licence_id.to_owned(),
        name: name.to_owned(),
        encryption_key: key.public_key().to_compressed().to_vec(),
    }
}

fn kind_code(kind: ParticipantKind) -> u8 {
    match kind {
        ParticipantKind::HealthOrganization => 1,
        ParticipantKind::Insurer => 2,
    }
}

/// Deploys the participant, policy, patient and record registries. `deployer` becomes the participant
/// registry's admin and, for a sandbox or a fresh network, its health authority.
pub async fn deploy_registries(
    rpc: &RpcUrl,
    deployer: PrivateKeySigner,
) -> Result<Registries, ChainError> {
    let admin = deployer.address();
    let provider = signing(rpc, deployer);
    let fail = |e| ChainError::from_contract(rpc, e);
    let participants = ParticipantRegistry::deploy(&provider, admin)
        .await
        .map_err(fail)?;
    mined(
        rpc,
        participants.grantRole(keccak256("HEALTH_AUTHORITY_ROLE"), admin),
        "granting the health authority role",
    )
    .await?;
    let policies = PolicyRegistry::deploy(&provider, *participants.address())
        .await
        .map_err(fail)?;
    let patients = PatientRegistry::deploy(&provider, *participants.address(), *policies.address())
        .await
        .map_err(fail)?;
    let records = RecordRegistry::deploy(&provider, *participants.address())
        .await
        .map_err(fail)?;
    Ok(Registries {
        participants: from_address(*participants.address()),
        policies: from_address(*policies.address()),
        patients: from_address(*patients.address()),
        records: from_address(*records.address()),
    })
}

/// The health authority admits a health organization or an insurer.
pub async fn admit(
    rpc: &RpcUrl,
    authority: PrivateKeySigner,
    registry: Address,
    admission: &Admission,
) -> Result<TxId, ChainError> {
    let provider = signing(rpc, authority);
    let contract = ParticipantRegistry::new(address(registry), &provider);
    let call = contract.admit(
        address(admission.signer),
        kind_code(admission.kind),
        admission.licence_id.clone(),
        admission.name.clone(),
        admission.encryption_key.clone().into(),
    );
    let receipt = mined(rpc, call, "the admission").await?;
    Ok(from_tx(receipt.transaction_hash()))
}

/// The admin gives `account` the verification role (the relay's verification unit).
pub async fn grant_verifier(
    rpc: &RpcUrl,
    admin: PrivateKeySigner,
    registry: Address,
    account: Address,
) -> Result<(), ChainError> {
    let provider = signing(rpc, admin);
    let contract = ParticipantRegistry::new(address(registry), &provider);
    let call = contract.grantRole(keccak256("VERIFIER_ROLE"), address(account));
    mined(rpc, call, "granting the verifier role").await?;
    Ok(())
}

/// Whether `signer` is an admitted participant of `kind` (not suspended, not blocked).
pub async fn is_admitted(
    rpc: &RpcUrl,
    registry: Address,
    signer: Address,
    kind: ParticipantKind,
) -> Result<bool, ChainError> {
    let provider = ProviderBuilder::new().connect_http(rpc.clone());
    ParticipantRegistry::new(address(registry), &provider)
        .isAdmitted(address(signer), kind_code(kind))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, e))
}

/// The participant registered under `signer`, if any.
pub async fn participant(
    rpc: &RpcUrl,
    registry: Address,
    signer: Address,
) -> Result<Option<Participant>, ChainError> {
    let provider = ProviderBuilder::new().connect_http(rpc.clone());
    let record = ParticipantRegistry::new(address(registry), &provider)
        .participant(address(signer))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, e))?;
    let kind = match record.kind {
        0 => return Ok(None),
        1 => ParticipantKind::HealthOrganization,
        2 => ParticipantKind::Insurer,
        other => return Err(ChainError::Rpc(format!("unknown participant kind {other}"))),
    };
    let status = match record.status {
        1 => ParticipantStatus::Admitted,
        2 => ParticipantStatus::Suspended,
        3 => ParticipantStatus::Blocked,
        other => {
            return Err(ChainError::Rpc(format!(
                "unknown participant status {other}"
            )));
        }
    };
    Ok(Some(Participant {
        admission: Admission {
            signer,
            kind,
            licence_id: record.licenceId,
            name: record.name,
            encryption_key: record.encryptionKey.to_vec(),
        },
        status,
        admitted_at: record.admittedAt,
    }))
}
