//! Why a resource could not be read.

/// Why bytes or a JSON value are not the FHIR resource asked for.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("not a FHIR resource: no resourceType")]
    NoResourceType,
    #[error("expected a FHIR {expected}, found a {found}")]
    WrongResourceType {
        expected: &'static str,
        found: String,
    },
    #[error("a FHIR {0} is not a resource Caretrail reads")]
    UnsupportedResourceType(String),
    #[error("not a valid FHIR {resource_type}: {source}")]
    Invalid {
        resource_type: &'static str,
        #[source]
        source: serde_json::Error,
    },
}
