//! Sending a contract call and waiting until it is mined, the one way every write here goes.

use std::time::Duration;

use alloy::contract::{CallBuilder, CallDecoder};
use alloy::network::ReceiptResponse as _;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionReceipt;

use crate::convert::from_tx;
use crate::error::{Refusal, Registry};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

/// How long a transaction may take to be mined before the sender gives up waiting.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// A provider that signs as `signer`. One per account: providers keep their own nonce.
pub(crate) fn signing(rpc: &RpcUrl, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .wallet(signer)
        .connect_http(rpc.clone())
        .erased()
}

/// Sends `call` to `registry`, waits for its receipt, and refuses a reverted one. Custom Solidity
/// errors (caught when the call is estimated) come back decoded.
pub(crate) async fn mined<P: Provider, D: CallDecoder>(
    rpc: &RpcUrl,
    registry: Registry,
    call: CallBuilder<P, D>,
) -> Result<TransactionReceipt, ChainError> {
    let receipt = call
        .send()
        .await
        .map_err(|e| ChainError::from_contract(rpc, registry, e))?
        .with_timeout(Some(RECEIPT_TIMEOUT))
        .get_receipt()
        .await
        .map_err(|e| ChainError::Rpc(e.to_string()))?;
    if !receipt.status() {
        return Err(ChainError::Refused(Refusal::Reverted {
            registry,
            tx: from_tx(receipt.transaction_hash()),
        }));
    }
    Ok(receipt)
}
