//! FHIR `Coding` and `CodeableConcept`: codes from code systems, with text.

use serde::{Deserialize, Serialize};

use crate::Extra;

/// One code from one code system.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_selected: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Coding {
    /// `code` from the code system `system`.
    pub fn new(system: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            system: Some(system.into()),
            code: Some(code.into()),
            ..Self::default()
        }
    }

    /// Adds the code's display text.
    #[must_use]
    pub fn with_display(mut self, display: impl Into<String>) -> Self {
        self.display = Some(display.into());
        self
    }

    /// Whether this is `code` from `system`.
    pub fn is(&self, system: &str, code: &str) -> bool {
        self.system.as_deref() == Some(system) && self.code.as_deref() == Some(code)
    }
}

/// A concept: codes that mean it, and the text a person typed or read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CodeableConcept {
    /// The concept one code means.
    pub fn coded(coding: Coding) -> Self {
        Self {
            coding: vec![coding],
            ..Self::default()
        }
    }

    /// The concept only as text (no code system has it).
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// Adds the text.
    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Whether one of its codes is `code` from `system`.
    pub fn has_code(&self, system: &str, code: &str) -> bool {
        self.coding.iter().any(|c| c.is(system, code))
    }
}

impl From<Coding> for CodeableConcept {
    fn from(coding: Coding) -> Self {
        Self::coded(coding)
    }
}
