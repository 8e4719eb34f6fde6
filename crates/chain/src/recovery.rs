//! Recovery of a patient's registration to a new key: the verification unit (a lost key, after
//! it re-verified her) or the health authority (a hijacked NID, after an investigation) proposes
//! it with her new key's signature; after the registry's timelock anyone executes it, and in
//! between the current key may cancel a recovery the verification unit proposed (only the
//! authority cancels its own). The rules are the contract's; see `PatientRegistry.sol`.

use alloy::network::ReceiptResponse as _;
use caretrail_crypto::SecretKey;
use caretrail_crypto::recovery::RegistryDomain;
use caretrail_types::{
    Address, Hash32, PendingRecovery, Recovery, RecoveryCancellation, RecoveryProposal, Signature,
};

use crate::bindings::PatientRegistry;
use crate::convert::{address, b256, from_address, from_b256, from_tx};
use crate::error::Registry;
use crate::records::Written;
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, Relayer, RpcUrl};

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

/// The new key's EIP-712 signature over `recovery` (the type is `caretrail_crypto::recovery`'s,
/// which the app and the web page sign too): it shows that the patient holds the key she is to be
/// recovered to.
pub fn sign_recovery(
    new_key: &SecretKey,
    chain_id: u64,
    patients: Address,
    recovery: &Recovery,
) -> Signature {
    caretrail_crypto::recovery::sign_recovery(
        new_key,
        RegistryDomain { chain_id, patients },
        recovery,
    )
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
    Relayer::new(rpc, proposer)
        .propose_recovery(patients, recovery, by_new_key)
        .await
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

/// Sends the current key's signed cancellation of the pending recovery it names (`sender` pays).
pub async fn cancel_recovery_by_sig(
    rpc: &RpcUrl,
    sender: PrivateKeySigner,
    patients: Address,
    cancellation: &RecoveryCancellation,
    signature: &Signature,
) -> Result<Written, ChainError> {
    Relayer::new(rpc, sender)
        .cancel_recovery_by_sig(patients, cancellation, signature)
        .await
}

/// The cancellation the current key signs for the recovery of `nid_commitment` pending now,
/// valid until `deadline`; `None` when none is pending.
pub async fn cancellation(
    rpc: &RpcUrl,
    patients: Address,
    nid_commitment: Hash32,
    deadline: u64,
) -> Result<Option<RecoveryCancellation>, ChainError> {
    if pending_recovery(rpc, patients, nid_commitment)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let provider = crate::send::reading(rpc);
    let next = PatientRegistry::new(address(patients), &provider)
        .recoveryNonceOf(b256(nid_commitment))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    Ok(Some(RecoveryCancellation {
        nid_commitment,
        // The pending proposal took the nonce before the current count.
        nonce: next.saturating_sub(1),
        deadline,
    }))
}

/// The recovery of the registration H (`record`) pending now, if one is: the NID commitment
/// comes from the last `RecoveryProposed` of H in the log (H is indexed), and the pending state
/// from the registry.
pub async fn pending_recovery_of_record(
    rpc: &RpcUrl,
    patients: Address,
    record: Hash32,
) -> Result<Option<PendingRecovery>, ChainError> {
    let provider = crate::send::reading(rpc);
    let logs = PatientRegistry::new(address(patients), &provider)
        .RecoveryProposed_filter()
        .topic2(b256(record))
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Patients, e))?;
    let Some((event, _)) = logs.last() else {
        return Ok(None);
    };
    pending_recovery(rpc, patients, from_b256(event.nidCommitment)).await
}

/// Executes the pending recovery of `nid_commitment` once its timelock has passed; anyone may
/// send it. The registration moves to the new key (with `KeyRotated`, as a rotation).
pub async fn execute_recovery(
    rpc: &RpcUrl,
    sender: PrivateKeySigner,
    patients: Address,
    nid_commitment: Hash32,
) -> Result<Written, ChainError> {
    Relayer::new(rpc, sender)
        .execute_recovery(patients, nid_commitment)
        .await
}

impl Relayer {
    /// Proposes `recovery` with the new key's signature, as this relayer's account (the
    /// verification unit or the health authority), taking its turn with its other sends.
    pub async fn propose_recovery(
        &self,
        patients: Address,
        recovery: &Recovery,
        by_new_key: &Signature,
    ) -> Result<RecoveryProposal, ChainError> {
        let contract = PatientRegistry::new(address(patients), self.provider());
        let call = contract.proposeRecovery(
            b256(recovery.nid_commitment),
            address(recovery.to),
            recovery.deadline,
            by_new_key.0.to_vec().into(),
        );
        let receipt = self.mined(Registry::Patients, call).await?;
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

    /// Sends the current key's signed cancellation (the contract checks that the signer holds
    /// the registration and that the verification unit proposed the recovery).
    pub async fn cancel_recovery_by_sig(
        &self,
        patients: Address,
        cancellation: &RecoveryCancellation,
        signature: &Signature,
    ) -> Result<Written, ChainError> {
        let contract = PatientRegistry::new(address(patients), self.provider());
        let call = contract.cancelRecoveryBySig(
            b256(cancellation.nid_commitment),
            cancellation.deadline,
            signature.0.to_vec().into(),
        );
        Ok((&self.mined(Registry::Patients, call).await?).into())
    }

    /// Executes the pending recovery of `nid_commitment` (refused before its timelock ends).
    pub async fn execute_recovery(
        &self,
        patients: Address,
        nid_commitment: Hash32,
    ) -> Result<Written, ChainError> {
        let contract = PatientRegistry::new(address(patients), self.provider());
        let call = contract.executeRecovery(b256(nid_commitment));
        Ok((&self.mined(Registry::Patients, call).await?).into())
    }
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
