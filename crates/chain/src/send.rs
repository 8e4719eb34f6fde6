//! Sending a contract call and waiting until it is mined, the one way every write here goes.

use std::time::Duration;

use alloy::contract::{CallBuilder, CallDecoder};
use alloy::network::ReceiptResponse as _;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionReceipt;
use tokio::sync::Mutex;

use crate::convert::from_tx;
use crate::error::{Refusal, Registry};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

/// How long a transaction may take to be mined before the sender gives up waiting.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long one JSON-RPC call may take, and its connection.
const RPC_TIMEOUT: Duration = Duration::from_secs(30);
const RPC_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client of every provider here: HTTPS through rustls and the system's roots, no
/// redirect followed (an endpoint that answers one is failing, whatever it points to), and a
/// time limit on each call.
fn rpc_client() -> alloy::transports::http::reqwest::Client {
    use alloy::transports::http::reqwest;
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(RPC_CONNECT_TIMEOUT)
        .timeout(RPC_TIMEOUT)
        .build()
        // As `reqwest::Client::new()` (what alloy's `connect_http` uses): a fixed configuration
        // fails to build only when no TLS backend can be set up at all.
        .expect("the JSON-RPC client's fixed configuration builds")
}

/// A provider that only reads (calls, logs, receipts).
pub(crate) fn reading(rpc: &RpcUrl) -> impl Provider + use<> {
    ProviderBuilder::new().connect_reqwest(rpc_client(), rpc.clone())
}

/// A provider that signs as `signer`. It asks the node for the account's pending nonce at every
/// send and caches nothing: alloy's default cache fills the nonce while the gas is estimated, so
/// a refused estimate would leave a gap that holds every later transaction of the account back.
/// Concurrent sends from one account take turns (`mined_in_turn`).
pub(crate) fn signing(rpc: &RpcUrl, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(signer)
        .connect_reqwest(rpc_client(), rpc.clone())
        .erased()
}

/// Sends `call` to `registry`, waits for its receipt, and refuses a reverted one. Custom Solidity
/// errors (caught when the call is estimated) come back decoded.
pub(crate) async fn mined<P: Provider, D: CallDecoder>(
    rpc: &RpcUrl,
    registry: Registry,
    call: CallBuilder<P, D>,
) -> Result<TransactionReceipt, ChainError> {
    mined_in_turn(rpc, registry, call, &Mutex::new(())).await
}

/// `mined`, for an account that sends concurrently: the sends take `turn` one at a time (so each
/// gets the nonce after the previous one's), then all wait for their receipts together.
pub(crate) async fn mined_in_turn<P: Provider, D: CallDecoder>(
    rpc: &RpcUrl,
    registry: Registry,
    call: CallBuilder<P, D>,
    turn: &Mutex<()>,
) -> Result<TransactionReceipt, ChainError> {
    let pending = {
        let _turn = turn.lock().await;
        call.send()
            .await
            .map_err(|e| ChainError::from_contract(rpc, registry, e))?
    };
    let receipt = pending
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

/// Sends `wei` from `from` to `to` (an operator funding an account that pays its own
/// transactions, such as an insurer anchoring its answers), and waits for it.
pub async fn transfer(
    rpc: &RpcUrl,
    from: PrivateKeySigner,
    to: caretrail_types::Address,
    wei: u128,
) -> Result<caretrail_types::TxId, ChainError> {
    use alloy::network::TransactionBuilder as _;
    let provider = signing(rpc, from);
    let request = alloy::rpc::types::TransactionRequest::default()
        .with_to(crate::convert::address(to))
        .with_value(alloy::primitives::U256::from(wei));
    let receipt = provider
        .send_transaction(request)
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?
        .with_timeout(Some(RECEIPT_TIMEOUT))
        .get_receipt()
        .await
        .map_err(|e| ChainError::Rpc(e.to_string()))?;
    Ok(from_tx(receipt.transaction_hash()))
}
