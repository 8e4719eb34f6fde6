//! The health organizations a patient may check in at: the participant registry's admitted
//! ones (`caretrail_chain::health_organizations`).

use crate::{Client, ClientError};
use caretrail_types::Admission;

impl Client {
    /// Every health organization the participant registry holds as admitted now, by name.
    pub async fn health_organizations(&self) -> Result<Vec<Admission>, ClientError> {
        let network = self.network().await?;
        let rpc = caretrail_chain::rpc_url(&network.rpc_url)?;
        Ok(caretrail_chain::health_organizations(&rpc, network.participant_registry).await?)
    }
}
