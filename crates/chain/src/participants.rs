//! The participant registry: deployment of the registries, admission of health organizations and
//! insurers by the health authority, and the roles.

use crate::error::Registry;
use alloy::network::ReceiptResponse as _;
use alloy::primitives::keccak256;
use caretrail_crypto::SecretKey;
use caretrail_types::{
    Address, Admission, Participant, ParticipantEvent, ParticipantKind, ParticipantStatus,
    Registries, TxId,
};
use std::collections::BTreeMap;

use crate::bindings::{ParticipantRegistry, PatientRegistry, PolicyRegistry, RecordRegistry};
use crate::convert::{address, from_address, from_tx, in_chain_order, log_position};
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
    let fail = |e| ChainError::from_contract(rpc, Registry::Participants, e);
    let participants = ParticipantRegistry::deploy(&provider, admin)
        .await
        .map_err(fail)?;
    mined(
        rpc,
        Registry::Participants,
        participants.grantRole(keccak256("HEALTH_AUTHORITY_ROLE"), admin),
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
    let receipt = mined(rpc, Registry::Participants, call).await?;
    Ok(from_tx(receipt.transaction_hash()))
}

/// The signer holding `licence_id`, if any participant does.
pub async fn licence_holder(
    rpc: &RpcUrl,
    registry: Address,
    licence_id: &str,
) -> Result<Option<Address>, ChainError> {
    let provider = crate::send::reading(rpc);
    let holder = ParticipantRegistry::new(address(registry), &provider)
        .licenceHolder(licence_id.to_owned())
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Participants, e))?;
    Ok((!holder.is_zero()).then(|| from_address(holder)))
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
    mined(rpc, Registry::Participants, call).await?;
    Ok(())
}

/// Whether `account` holds the verification unit's role (a recovery ticket's signer must).
pub async fn is_verifier(
    rpc: &RpcUrl,
    registry: Address,
    account: Address,
) -> Result<bool, ChainError> {
    let provider = crate::send::reading(rpc);
    ParticipantRegistry::new(address(registry), &provider)
        .isVerifier(address(account))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Participants, e))
}

/// Whether `signer` is an admitted participant of `kind` (not suspended, not blocked).
pub async fn is_admitted(
    rpc: &RpcUrl,
    registry: Address,
    signer: Address,
    kind: ParticipantKind,
) -> Result<bool, ChainError> {
    let provider = crate::send::reading(rpc);
    ParticipantRegistry::new(address(registry), &provider)
        .isAdmitted(address(signer), kind_code(kind))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Participants, e))
}

/// The participant registered under `signer`, if any.
pub async fn participant(
    rpc: &RpcUrl,
    registry: Address,
    signer: Address,
) -> Result<Option<Participant>, ChainError> {
    let provider = crate::send::reading(rpc);
    let record = ParticipantRegistry::new(address(registry), &provider)
        .participant(address(signer))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Participants, e))?;
    if record.kind == 0 {
        return Ok(None);
    }
    let kind = kind_of(record.kind)?;
    let status = status_of(record.status)?;
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

/// The health authority moves an admitted or suspended participant to `status`: `Suspended`
/// (suspend), `Admitted` (reinstate a suspended one) or `Blocked` (final). Returns the change as
/// the registry's event tells it.
pub async fn set_status(
    rpc: &RpcUrl,
    authority: PrivateKeySigner,
    registry: Address,
    signer: Address,
    status: ParticipantStatus,
) -> Result<ParticipantEvent, ChainError> {
    let provider = signing(rpc, authority);
    let contract = ParticipantRegistry::new(address(registry), &provider);
    let signer = address(signer);
    let receipt = match status {
        ParticipantStatus::Suspended => {
            mined(rpc, Registry::Participants, contract.suspend(signer)).await?
        }
        ParticipantStatus::Admitted => {
            mined(rpc, Registry::Participants, contract.reinstate(signer)).await?
        }
        ParticipantStatus::Blocked => {
            mined(
                rpc,
                Registry::Participants,
                contract.blockParticipant(signer),
            )
            .await?
        }
    };
    let block = receipt.block_number.unwrap_or_default();
    let event = receipt
        .decoded_log::<ParticipantRegistry::ParticipantStatusChanged>()
        .ok_or_else(|| {
            ChainError::Rpc("the status change emitted no ParticipantStatusChanged".into())
        })?;
    status_changed(&event, block)
}

/// Everything the registry says happened to `signer` (or to everyone, with `None`): admissions
/// and status changes, oldest first.
pub async fn participant_events(
    rpc: &RpcUrl,
    registry: Address,
    signer: Option<Address>,
) -> Result<Vec<ParticipantEvent>, ChainError> {
    let provider = crate::send::reading(rpc);
    let contract = ParticipantRegistry::new(address(registry), &provider);
    let fail = |e| ChainError::from_contract(rpc, Registry::Participants, e);
    let mut admitted = contract.ParticipantAdmitted_filter().from_block(0);
    let mut changed = contract.ParticipantStatusChanged_filter().from_block(0);
    if let Some(signer) = signer {
        admitted = admitted.topic1(address(signer).into_word());
        changed = changed.topic1(address(signer).into_word());
    }
    let mut events = Vec::new();
    for (event, log) in admitted.query().await.map_err(fail)? {
        let position = log_position(&log);
        events.push((
            position,
            ParticipantEvent::Admitted {
                admission: Admission {
                    signer: from_address(event.signer),
                    kind: kind_of(event.kind)?,
                    licence_id: event.licenceId,
                    name: event.name,
                    encryption_key: event.encryptionKey.to_vec(),
                },
                block: position.0,
            },
        ));
    }
    for (event, log) in changed.query().await.map_err(fail)? {
        let position = log_position(&log);
        events.push((position, status_changed(&event, position.0)?));
    }
    Ok(in_chain_order(events))
}

/// Every health organization the registry holds as admitted now (a suspended or blocked one is
/// left out), by name: those a patient may check in at. The registry keeps no list, so this reads
/// its events.
pub async fn health_organizations(
    rpc: &RpcUrl,
    registry: Address,
) -> Result<Vec<Admission>, ChainError> {
    Ok(admitted_health_organizations(
        participant_events(rpc, registry, None).await?,
    ))
}

/// The admitted health organizations after `events` (in chain order): a suspended or blocked
/// one is left out, a reinstated one is back.
fn admitted_health_organizations(events: Vec<ParticipantEvent>) -> Vec<Admission> {
    let mut standing: BTreeMap<_, (Admission, ParticipantStatus)> = BTreeMap::new();
    for event in events {
        match event {
            ParticipantEvent::Admitted { admission, .. } => {
                standing.insert(admission.signer, (admission, ParticipantStatus::Admitted));
            }
            ParticipantEvent::StatusChanged {
                signer, current, ..
            } => {
                if let Some((_, status)) = standing.get_mut(&signer) {
                    *status = current;
                }
            }
        }
    }
    let mut admitted: Vec<Admission> = standing
        .into_values()
        .filter(|(a, status)| {
            a.kind == ParticipantKind::HealthOrganization && *status == ParticipantStatus::Admitted
        })
        .map(|(a, _)| a)
        .collect();
    admitted.sort_by(|a, b| a.name.cmp(&b.name).then(a.signer.cmp(&b.signer)));
    admitted
}

fn status_changed(
    event: &ParticipantRegistry::ParticipantStatusChanged,
    block: u64,
) -> Result<ParticipantEvent, ChainError> {
    Ok(ParticipantEvent::StatusChanged {
        signer: from_address(event.signer),
        kind: kind_of(event.kind)?,
        previous: status_of(event.previous)?,
        current: status_of(event.current)?,
        block,
    })
}

/// A participant kind as the chain encodes it; `None` (0) is refused here, callers check it first.
fn kind_of(code: u8) -> Result<ParticipantKind, ChainError> {
    match code {
        1 => Ok(ParticipantKind::HealthOrganization),
        2 => Ok(ParticipantKind::Insurer),
        other => Err(ChainError::Rpc(format!("unknown participant kind {other}"))),
    }
}

fn status_of(code: u8) -> Result<ParticipantStatus, ChainError> {
    match code {
        1 => Ok(ParticipantStatus::Admitted),
        2 => Ok(ParticipantStatus::Suspended),
        3 => Ok(ParticipantStatus::Blocked),
        other => Err(ChainError::Rpc(format!(
            "unknown participant status {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(n: u8, kind: ParticipantKind, name: &str) -> ParticipantEvent {
        ParticipantEvent::Admitted {
            admission: Admission {
                signer: Address([n; 20]),
                kind,
                licence_id: format!("L-{n}"),
                name: name.into(),
                encryption_key: vec![2; 33],
            },
            block: u64::from(n),
        }
    }

    fn changed(n: u8, current: ParticipantStatus) -> ParticipantEvent {
        ParticipantEvent::StatusChanged {
            signer: Address([n; 20]),
            kind: ParticipantKind::HealthOrganization,
            previous: ParticipantStatus::Admitted,
            current,
            block: 100,
        }
    }

    #[test]
    fn only_health_organizations_admitted_now_are_offered() {
        let events = vec![
            admitted(1, ParticipantKind::HealthOrganization, "St Olav"),
            admitted(2, ParticipantKind::Insurer, "Insurer"),
            admitted(3, ParticipantKind::HealthOrganization, "Blocked clinic"),
            admitted(4, ParticipantKind::HealthOrganization, "Aker"),
            admitted(5, ParticipantKind::HealthOrganization, "Suspended"),
            admitted(6, ParticipantKind::HealthOrganization, "Reinstated"),
            changed(3, ParticipantStatus::Blocked),
            changed(5, ParticipantStatus::Suspended),
            changed(6, ParticipantStatus::Suspended),
            changed(6, ParticipantStatus::Admitted),
        ];
        let names: Vec<String> = admitted_health_organizations(events)
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(names, ["Aker", "Reinstated", "St Olav"]);
    }
}
