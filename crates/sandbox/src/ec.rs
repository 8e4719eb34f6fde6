//! The sandbox EC registry: synthetic citizens with real face photographs.
//!
//! `POST /v1/citizens/lookup {nid}` answers a [`Citizen`]; `POST /v1/citizens/photo {nid}` her
//! photo (JPEG). Both answer the verification unit alone ([`crate::access`]). The names and numbers are invented; the photos are Debian kphotoalbum's demo photos
//! (CC BY-SA 4.0, © 2003-2007 Jesper K. Pedersen), installed by `scripts/assets.sh`.

use crate::access::{Access, require_vu};
use crate::{SandboxError, not_found};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::header;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use caretrail_types::{Citizen, CitizenLookup, Nid};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::Arc;

#[derive(Deserialize)]
struct Entry {
    #[serde(flatten)]
    citizen: Citizen,
    photo: String,
}

/// The registry's citizens and their photos, read once at start.
#[derive(Debug)]
pub struct EcRegistry {
    citizens: HashMap<Nid, (Citizen, Vec<u8>)>,
}

impl EcRegistry {
    /// The sandbox citizens, with their photos from `photos` (where `scripts/assets.sh` put them).
    pub fn load(photos: &FsPath) -> Result<Self, SandboxError> {
        let entries: Vec<Entry> = serde_json::from_str(include_str!("../data/citizens.json"))
            .map_err(|e| SandboxError::Data(format!("citizens.json: {e}")))?;
        let mut citizens = HashMap::new();
        for entry in entries {
            let path = photos.join(&entry.photo);
            let photo = std::fs::read(&path).map_err(|e| {
                SandboxError::Data(format!(
                    "the citizen photo {} cannot be read ({e}); run ./scripts/setup.sh to install it",
                    path.display()
                ))
            })?;
            citizens.insert(entry.citizen.nid.clone(), (entry.citizen, photo));
        }
        Ok(Self { citizens })
    }

    fn find(&self, nid: &Nid) -> Result<&(Citizen, Vec<u8>), SandboxError> {
        self.citizens
            .get(nid)
            .ok_or_else(|| not_found(format!("no citizen has the national ID {nid}")))
    }
}

pub(crate) fn routes(registry: Arc<EcRegistry>, access: Arc<Access>) -> Router {
    Router::new()
        .route("/v1/citizens/lookup", post(citizen))
        .route("/v1/citizens/photo", post(photo))
        .route_layer(from_fn_with_state(access, require_vu))
        .with_state(registry)
}

fn lookup(body: Result<Json<CitizenLookup>, JsonRejection>) -> Result<Nid, SandboxError> {
    let Json(lookup) = body.map_err(|e| SandboxError::BadRequest(e.body_text()))?;
    Ok(lookup.nid)
}

async fn citizen(
    State(registry): State<Arc<EcRegistry>>,
    body: Result<Json<CitizenLookup>, JsonRejection>,
) -> Result<Json<Citizen>, SandboxError> {
    Ok(Json(registry.find(&lookup(body)?)?.0.clone()))
}

async fn photo(
    State(registry): State<Arc<EcRegistry>>,
    body: Result<Json<CitizenLookup>, JsonRejection>,
) -> Result<impl IntoResponse, SandboxError> {
    let photo = registry.find(&lookup(body)?)?.1.clone();
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], photo))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every national ID in `citizens.json` passes the parser people's input goes through.
    #[test]
    fn the_citizens_file_parses() {
        let entries: Vec<Entry> =
            serde_json::from_str(include_str!("../data/citizens.json")).expect("citizens.json");
        assert!(!entries.is_empty());
        for entry in entries {
            let nid = entry.citizen.nid;
            assert_eq!(Nid::parse(nid.as_str()), Ok(nid.clone()), "{nid}");
        }
    }
}
