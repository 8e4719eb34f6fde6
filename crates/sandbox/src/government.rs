//! The sandbox government health-service registry: licensed health organizations and insurers,
//! some suspended or revoked. `POST /v1/licences/lookup {licence}` answers a [`Licence`]. The
//! register is public: anyone may look a licence up.

use crate::{SandboxError, not_found};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::routing::post;
use axum::{Json, Router};
use caretrail_types::{Licence, LicenceLookup, LicenceNumber};
use std::sync::Arc;

/// The registry's licences.
#[derive(Debug)]
pub struct GovernmentRegistry {
    licences: Vec<Licence>,
}

impl GovernmentRegistry {
    pub fn load() -> Result<Self, SandboxError> {
        let licences = serde_json::from_str(include_str!("../data/licences.json"))
            .map_err(|e| SandboxError::Data(format!("licences.json: {e}")))?;
        Ok(Self { licences })
    }

    fn find(&self, licence: &LicenceNumber) -> Result<&Licence, SandboxError> {
        self.licences
            .iter()
            .find(|l| &l.licence == licence)
            .ok_or_else(|| not_found(format!("the registry lists no licence {licence}")))
    }
}

pub(crate) fn routes(registry: Arc<GovernmentRegistry>) -> Router {
    Router::new()
        .route("/v1/licences/lookup", post(licence))
        .with_state(registry)
}

async fn licence(
    State(registry): State<Arc<GovernmentRegistry>>,
    body: Result<Json<LicenceLookup>, JsonRejection>,
) -> Result<Json<Licence>, SandboxError> {
    let Json(lookup) = body.map_err(|e| SandboxError::BadRequest(e.body_text()))?;
    Ok(Json(registry.find(&lookup.licence)?.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every licence number in `licences.json` passes the parser people's input goes through.
    #[test]
    fn the_licences_file_parses() {
        let registry = GovernmentRegistry::load().expect("licences.json");
        assert!(!registry.licences.is_empty());
        for licence in &registry.licences {
            assert!(
                LicenceNumber::parse(licence.licence.as_str())
                    .is_ok_and(|parsed| registry.find(&parsed).is_ok()),
                "{}",
                licence.licence
            );
        }
    }
}
