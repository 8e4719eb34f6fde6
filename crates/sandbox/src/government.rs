//! The sandbox government health-service registry: licensed health organizations and insurers,
//! some suspended or revoked. `GET /v1/licences/{licence}` answers a [`Licence`].

use crate::{SandboxError, not_found};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use caretrail_types::{Licence, LicenceNumber};
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

    fn find(&self, licence: &str) -> Result<&Licence, SandboxError> {
        let licence =
            LicenceNumber::parse(licence).map_err(|e| SandboxError::BadRequest(e.to_string()))?;
        self.licences
            .iter()
            .find(|l| l.licence == licence)
            .ok_or_else(|| not_found(format!("the registry lists no licence {licence}")))
    }
}

pub(crate) fn routes(registry: Arc<GovernmentRegistry>) -> Router {
    Router::new()
        .route("/v1/licences/{licence}", get(licence))
        .with_state(registry)
}

async fn licence(
    State(registry): State<Arc<GovernmentRegistry>>,
    Path(licence): Path<String>,
) -> Result<Json<Licence>, SandboxError> {
    Ok(Json(registry.find(&licence)?.clone()))
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
                registry.find(licence.licence.as_str()).is_ok(),
                "{}",
                licence.licence
            );
        }
    }
}
