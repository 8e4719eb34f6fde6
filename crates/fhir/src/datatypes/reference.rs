//! FHIR `Reference`: a link from one resource to another.

use serde::{Deserialize, Serialize};

use crate::Extra;
use crate::datatypes::Identifier;

/// A reference by relative URL (`Patient/123`), by business identifier, or only by display.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// `Patient/123`, an absolute URL, or `#contained-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The resource type the reference points to, when `reference` does not say.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Box<Identifier>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Reference {
    /// A reference by URL: `Reference::to("Patient/123")`.
    pub fn to(reference: impl Into<String>) -> Self {
        Self {
            reference: Some(reference.into()),
            ..Self::default()
        }
    }

    /// A reference by business identifier, with the type it points to.
    pub fn by_identifier(resource_type: impl Into<String>, identifier: Identifier) -> Self {
        Self {
            r#type: Some(resource_type.into()),
            identifier: Some(Box::new(identifier)),
            ..Self::default()
        }
    }

    /// Adds the text shown for the reference.
    #[must_use]
    pub fn with_display(mut self, display: impl Into<String>) -> Self {
        self.display = Some(display.into());
        self
    }

    /// Whether the reference says anything at all (FHIR's ref-1 asks for one of these).
    pub fn is_set(&self) -> bool {
        self.reference.is_some() || self.identifier.is_some() || self.display.is_some()
    }
}
