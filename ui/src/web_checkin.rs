//! Check-in in the web page (step 6): the same `caretrail_protocol::checkin::code` the desktop
//! client runs, signed here in wasm with her session's key. The page cannot read the chain, so
//! it asks the relay which health organizations are admitted (`GET /v1/organizations`) and
//! whether the one she picked still is (`GET /v1/participants/{address}`).

use crate::clock::now;
use crate::device::CheckinCode;
use crate::ipc::web::relay_get;
use crate::web_wallet;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::checkin;
use caretrail_types::{Address, Admission, ErrorCode, NetworkInfo, Participant, UiError};
use rand_core::OsRng;

/// The health organizations admitted now, by name.
pub async fn organizations() -> Result<Vec<Admission>, UiError> {
    relay_get("/v1/organizations").await
}

/// Her check-in code for `organization`, once the relay says it is an admitted health
/// organization.
pub async fn code(organization: Address) -> Result<CheckinCode, UiError> {
    let key = web_wallet::session_key()?;
    let record = web_wallet::held_record()?.ok_or_else(|| {
        UiError::new(
            ErrorCode::NoKey,
            "this browser holds no registration to check in with",
        )
    })?;
    let participant: Option<Participant> =
        relay_get(&format!("/v1/participants/{organization}")).await?;
    checkin::check_organization(organization, participant.as_ref())?;
    let network: NetworkInfo = relay_get("/v1/network").await?;
    let domain = RegistryDomain {
        chain_id: network.chain_id,
        records: network.record_registry,
    };
    let (code, text) = checkin::code(&key, domain, organization, record, now(), &mut OsRng);
    Ok(checkin::shown(&code, text))
}
