//! Recovery of a patient's registration to a new key: the verification unit (a lost key, after
//! it re-verified her) or the health authority (a hijacked NID, after an investigation) proposes
//! it with her new key's signature; after the registry's timelock anyone executes it, and in
//! between the current key may cancel a recovery the verification unit proposed (only the
//! authority cancels its own). The rules are the contract's; see `PatientRegistry.sol`.

use alloy::network::ReceiptResponse as _;
use caretrail_crypto::{SecretKey, sign};
use caretrail_types::{Address, Hash32, PendingRecovery, Recovery, RecoveryProposal, Signature};

use crate::bindings::PatientRegistry;
use crate::convert::{address, b256, domain, from_address, from_b256, from_tx};
use crate::error::Registry;
use crate::patients::DOMAIN;
use crate::records::Written;
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

/// The EIP-712 type the patient registry checks in `proposeRecovery` (the name is part of the hash).
mod typed {
    alloy::sol! {
    struct Recovery {
        bytes32 nidCommitment;
        address to;
        uint64 nonce;
        uint64 deadline;
    }
    }
}

/// The recovery of the registration under `nid_commitment` to `to`, as the registry would check
/// it now: the NID commitment's recovery nonce is read from the chain.
pub async fn recovery(
    rpc: &RpcUrl,
    patients: Address,
    nid_commitment: Hash32,
    to: Address,
    deadline: u64,
) -> Result<Recovery, ChainError> {
    let provider = crate::send::reading(rpc);
    let nonce = PatientRegistry::new(address(patients), &provider)
        .recoveryNonceOf(b256(nid_commitment))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok(Recovery {
        nid_commitment,
        to,
        nonce,
        deadline,
    })
}

/// The new key's EIP-712 signature over `recovery`, computed here (the type is fixed in this
/// crate, so a lying node cannot make the key sign something else): it shows that the patient
/// holds the key she is to be recovered to.
pub fn sign_recovery(
    new_key: &SecretKey,
    chain_id: u64,
    patients: Address,
    recovery: &Recovery,
) -> Signature {
    let typed = typed::Recovery {
        nidCommitment: b256(recovery.nid_commitment),
        to: address(recovery.to),
        nonce: recovery.nonce,
        deadline: recovery.deadline,
    };
    sign::sign_typed(new_key, &typed, &domain(DOMAIN, chain_id, patients))
}

/// The verification unit or the health authority (`proposer`, which holds the role) proposes
/// `recovery` with the new key's signature; returns the announced recovery and its transaction.
pub async fn propose_recovery(
    rpc: &RpcUrl,
    proposer: PrivateKeySigner,
    patients: Address,
    recovery: &Recovery,
    by_new_key: &Signature,
) -> Result<RecoveryProposal, ChainError> {
    let provider = signing(rpc, proposer);
    let contract = PatientRegistry::new(address(patients), &provider);
    let call = contract.proposeRecovery(
        b256(recovery.nid_commitment),
        address(recovery.to),
        recovery.deadline,
        by_new_key.0.to_vec().into(),
    );
    let receipt = mined(rpc, Registry::Patients, call).await?;
    let event = receipt
        .decoded_log::<PatientRegistry::RecoveryProposed>()
        .ok_or_else(|| ChainError::Rpc("the proposal emitted no RecoveryProposed".into()))?;
    Ok(RecoveryProposal {
        pending: PendingRecovery {
            nid_commitment: from_b256(event.nidCommitment),
            record: from_b256(event.record),
            from: from_address(event.from),
            to: from_address(event.to),
            executable_at: event.executableAt,
            proposer_is_authority: event.byAuthority,
        },
        tx_id: from_tx(receipt.transaction_hash()),
        gas_used: receipt.gas_used(),
    })
}

/// Cancels the pending recovery of `nid_commitment`: `sender` is the current key (a recovery the
/// verification unit proposed), the verification unit, or the health authority.
pub async fn cancel_recovery(
    rpc: &RpcUrl,
    sender: PrivateKeySigner,
    patients: Address,
    nid_commitment: Hash32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, sender);
    let contract = PatientRegistry::new(address(patients), &provider);
    let call = contract.cancelRecovery(b256(nid_commitment));
    Ok((&mined(rpc, Registry::Patients, call).await?).into())
}

/// Executes the pending recovery of `nid_commitment` once its timelock has passed; anyone may
/// send it. The registration moves to the new key (with `KeyRotated`, as a rotation).
pub async fn execute_recovery(
    rpc: &RpcUrl,
    sender: PrivateKeySigner,
    patients: Address,
    nid_commitment: Hash32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, sender);
    let contract = PatientRegistry::new(address(patients), &provider);
    let call = contract.executeRecovery(b256(nid_commitment));
    Ok((&mined(rpc, Registry::Patients, call).await?).into())
}

/// The recovery of `nid_commitment` that waits for its timelock, if one does (one view call).
pub async fn pending_recovery(
    rpc: &RpcUrl,
    patients: Address,
    nid_commitment: Hash32,
) -> Result<Option<PendingRecovery>, ChainError> {
    let provider = crate::send::reading(rpc);
    let pending = PatientRegistry::new(address(patients), &provider)
        .pendingRecovery(b256(nid_commitment))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok((!pending.to.is_zero()).then(|| PendingRecovery {
        nid_commitment,
        record: from_b256(pending.record),
        from: from_address(pending.from),
        to: from_address(pending.to),
        executable_at: pending.executableAt,
        proposer_is_authority: pending.byAuthority,
    }))
}

/// The key that holds the registration under `nid_commitment` now, if one is registered.
pub async fn holder_of_nid(
    rpc: &RpcUrl,
    patients: Address,
    nid_commitment: Hash32,
) -> Result<Option<Address>, ChainError> {
    let provider = crate::send::reading(rpc);
    let holder = PatientRegistry::new(address(patients), &provider)
        .holderOfNid(b256(nid_commitment))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok((!holder.is_zero()).then(|| from_address(holder)))
}
