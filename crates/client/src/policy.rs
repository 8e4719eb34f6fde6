//! Viewing a published policy by transaction id, and checking a document against it (PU, the
//! patient's side).

use crate::{Client, ClientError};
use caretrail_chain::{read_policy_publication, rpc_url};
use caretrail_crypto::policy::{check_document, review};
use caretrail_types::{PolicyCheck, PolicyPublication, PolicyView, TxId};

impl Client {
    /// The publication made by `tx_id`, read from the chain the relay names.
    pub async fn policy_publication(&self, tx_id: &str) -> Result<PolicyPublication, ClientError> {
        let tx = TxId::from_input(tx_id)?;
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        Ok(read_policy_publication(&rpc, network.policy_registry, tx).await?)
    }

    /// The policy published by `tx_id` as the patient sees it, checked against its signed hash.
    pub async fn policy_show(&self, tx_id: &str) -> Result<PolicyView, ClientError> {
        Ok(review(self.policy_publication(tx_id).await?))
    }

    /// Checks a copy of the policy the patient holds (e.g. the insurer's PDF or JSON) against the
    /// version published by `tx_id`.
    pub async fn policy_compare(
        &self,
        tx_id: &str,
        document: &[u8],
    ) -> Result<(PolicyView, PolicyCheck), ClientError> {
        let view = self.policy_show(tx_id).await?;
        let check = check_document(&view.publication, document);
        Ok((view, check))
    }
}
