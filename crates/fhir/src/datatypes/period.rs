//! FHIR `Period`: a time range, open at either end.

use serde::{Deserialize, Serialize};

use crate::Extra;
use crate::datatypes::Instant;

/// From `start` to `end`, each a FHIR dateTime (`2026`, `2026-03-01`, `2026-03-01T09:30:00Z`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Period {
    /// From `start` to `end`.
    pub fn between(start: &Instant, end: &Instant) -> Self {
        Self {
            start: Some(start.into()),
            end: Some(end.into()),
            ..Self::default()
        }
    }

    /// From `start`, with no end yet.
    pub fn starting(start: &Instant) -> Self {
        Self {
            start: Some(start.into()),
            ..Self::default()
        }
    }
}
