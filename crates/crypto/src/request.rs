//! Requests to the relay's records API, signed with EIP-712 so they cannot be replayed elsewhere
//! or later: the domain names the relay's chain and its record registry, the request carries a
//! short deadline and a random nonce the relay uses once.

use crate::SecretKey;
use crate::sign::{SignatureError, recover_typed, sign_typed};
use alloy_primitives::{Address as SolAddress, B256};
use alloy_sol_types::Eip712Domain;
use caretrail_types::{Address, Hash32, RelayRequest, SignedRelayRequest};

mod typed {
    alloy_sol_types::sol! {
        struct RelayRequest {
            address signer;
            string action;
            address patient;
            bytes32 subject;
            bytes32 content;
            uint64 deadline;
            bytes32 nonce;
        }
    }
}

/// The records API's EIP-712 domain: this chain and this record registry.
pub fn relay_domain(chain_id: u64, records: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some("Caretrail Relay".into()),
        Some("1".into()),
        Some(alloy_primitives::U256::from(chain_id)),
        Some(SolAddress::from(records.0)),
        None,
    )
}

fn typed(request: &RelayRequest) -> typed::RelayRequest {
    typed::RelayRequest {
        signer: SolAddress::from(request.signer.0),
        action: request.action.as_str().into(),
        patient: SolAddress::from(request.patient.0),
        subject: B256::from(request.subject.0),
        content: B256::from(request.content.0),
        deadline: request.deadline,
        nonce: B256::from(request.nonce.0),
    }
}

/// Signs `request` for the relay of `chain_id` and `records`.
pub fn sign_relay_request(
    key: &SecretKey,
    chain_id: u64,
    records: Address,
    request: RelayRequest,
) -> SignedRelayRequest {
    let signature = sign_typed(key, &typed(&request), &relay_domain(chain_id, records));
    SignedRelayRequest {
        chain_id,
        records,
        request,
        signature,
    }
}

/// Who signed `signed`, in the domain it names (the caller checks that the domain is its own).
pub fn relay_request_signer(signed: &SignedRelayRequest) -> Result<Address, SignatureError> {
    recover_typed(
        &typed(&signed.request),
        &relay_domain(signed.chain_id, signed.records),
        &signed.signature,
    )
}

/// The digest a nonce is remembered by: nothing else about the request needs keeping.
pub fn nonce_key(request: &RelayRequest) -> Hash32 {
    Hash32(alloy_primitives::keccak256([request.signer.0.as_slice(), &request.nonce.0].concat()).0)
}
