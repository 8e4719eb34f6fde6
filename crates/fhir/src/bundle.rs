//! FHIR `Bundle` of type `collection`: several resources kept as one record (a test list of one
//! `ServiceRequest` per test).

use serde::{Deserialize, Serialize};

use crate::{Extra, Identifier, Resource, ResourceType, TypedResource};

/// A collection of resources, with no meaning beyond being kept together.
///
/// R4 requires `type`; each entry of a collection carries its resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: ResourceType<Bundle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// Required: `collection` is the only type this crate writes.
    #[serde(rename = "type")]
    pub bundle_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One resource of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    pub resource: Resource,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for Bundle {
    const RESOURCE_TYPE: &'static str = "Bundle";
}

impl Bundle {
    /// A collection of `resources`, in their order.
    pub fn collection(resources: impl IntoIterator<Item = Resource>) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            identifier: None,
            bundle_type: "collection".into(),
            entry: resources
                .into_iter()
                .map(|resource| BundleEntry {
                    resource,
                    extra: Extra::new(),
                })
                .collect(),
            extra: Extra::new(),
        }
    }

    /// The entries' resources.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.entry.iter().map(|e| &e.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CodeableConcept, Coding, Instant, Reference, ServiceRequest};

    #[test]
    fn a_collection_reads_back_as_written_and_refuses_another_resource_type() {
        let at = Instant::from_unix_seconds(1_800_000_000).expect("instant");
        let tests = ServiceRequest::test_list(
            &Identifier::new("urn:caretrail:requisition", "r-1"),
            &Reference::to("Patient/p"),
            [
                CodeableConcept::coded(Coding::new("http://loinc.org", "58410-2")),
                CodeableConcept::coded(Coding::new("http://loinc.org", "2345-7")),
            ],
            &Reference::to("Practitioner/d"),
            &at,
        );
        let bundle = Bundle::collection(tests.into_iter().map(Resource::from));
        let json = serde_json::to_vec(&bundle).expect("json");
        let back = Bundle::from_json(&json).expect("reads back");
        assert_eq!(back, bundle);
        assert_eq!(back.resources().count(), 2);
        let value: serde_json::Value = serde_json::from_slice(&json).expect("value");
        assert_eq!(value["type"], "collection");
        assert_eq!(
            value["entry"][1]["resource"]["resourceType"],
            "ServiceRequest"
        );
        assert!(ServiceRequest::from_json(&json).is_err());
    }
}
