//! `Resource`: any of the resource types this crate types, read by its `resourceType`.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::resource_type::resource_type_of;
use crate::{
    AuditEvent, Claim, ClaimResponse, Consent, Coverage, DiagnosticReport, Encounter,
    InsurancePlan, MedicationRequest, ParseError, Patient, ServiceRequest, TypedResource,
};

macro_rules! resources {
    ($($kind:ident),+ $(,)?) => {
        /// One of the resources Caretrail reads and writes, chosen by its `resourceType`.
        ///
        /// It serializes as the resource itself (whose `resourceType` says which it is); any
        /// other `resourceType` is refused when read.
        #[derive(Debug, Clone, PartialEq)]
        // Every variant is a resource of about a kilobyte; boxing them would only make each
        // match and constructor clumsier for a value that lives as long as one read or write.
        #[allow(clippy::large_enum_variant)]
        pub enum Resource {
            $($kind($kind),)+
        }

        impl Resource {
            /// The resource types `Resource` reads.
            pub const RESOURCE_TYPES: &'static [&'static str] =
                &[$(<$kind as TypedResource>::RESOURCE_TYPE,)+];

            /// Reads a resource from a JSON value, by its `resourceType`.
            pub fn from_value(value: Value) -> Result<Self, ParseError> {
                let found = resource_type_of(&value)?;
                $(
                    if found == <$kind as TypedResource>::RESOURCE_TYPE {
                        return $kind::from_value(value).map(Self::$kind);
                    }
                )+
                Err(ParseError::UnsupportedResourceType(found.to_owned()))
            }

            /// Its `resourceType`.
            pub fn resource_type(&self) -> &'static str {
                match self {
                    $(Self::$kind(_) => <$kind as TypedResource>::RESOURCE_TYPE,)+
                }
            }

            /// Its logical id, if it has one.
            pub fn id(&self) -> Option<&str> {
                match self {
                    $(Self::$kind(resource) => resource.id.as_deref(),)+
                }
            }
        }

        impl Serialize for Resource {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$kind(resource) => resource.serialize(serializer),)+
                }
            }
        }

        $(
            impl From<$kind> for Resource {
                fn from(resource: $kind) -> Self {
                    Self::$kind(resource)
                }
            }
        )+
    };
}

resources!(
    Patient,
    Coverage,
    InsurancePlan,
    Encounter,
    MedicationRequest,
    ServiceRequest,
    DiagnosticReport,
    Claim,
    ClaimResponse,
    Consent,
    AuditEvent,
);

impl Resource {
    /// Reads a resource from JSON bytes, by its `resourceType`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ParseError> {
        Self::from_value(serde_json::from_slice(bytes).map_err(ParseError::Json)?)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Claim, ParseError, Patient, Resource, TypedResource};

    fn patient() -> serde_json::Value {
        json!({ "resourceType": "Patient", "id": "p1", "birthDate": "1990-04-12" })
    }

    #[test]
    fn a_claim_is_not_read_from_a_patient() {
        let refused = Claim::from_value(patient());
        assert!(
            matches!(
                &refused,
                Err(ParseError::WrongResourceType { expected: "Claim", found }) if found == "Patient"
            ),
            "{refused:?}"
        );
        let bytes = serde_json::to_vec(&patient()).unwrap();
        assert!(matches!(
            Claim::from_json(&bytes),
            Err(ParseError::WrongResourceType {
                expected: "Claim",
                ..
            })
        ));
        // Plain serde refuses it too: the resourceType field reads only its own name.
        let plain = serde_json::from_value::<Claim>(patient());
        assert!(plain.is_err_and(|e| e.to_string().contains("resourceType \"Claim\"")));
    }

    #[test]
    fn a_resource_without_its_type_is_refused() {
        let untyped = json!({ "id": "p1", "birthDate": "1990-04-12" });
        assert!(matches!(
            Patient::from_value(untyped.clone()),
            Err(ParseError::NoResourceType)
        ));
        assert!(matches!(
            Resource::from_value(untyped),
            Err(ParseError::NoResourceType)
        ));
        assert!(matches!(
            Resource::from_value(json!({ "resourceType": 7 })),
            Err(ParseError::NoResourceType)
        ));
    }

    #[test]
    fn other_resource_types_are_refused_by_name() {
        let observation = json!({ "resourceType": "Observation", "status": "final" });
        assert!(matches!(
            Resource::from_value(observation.clone()),
            Err(ParseError::UnsupportedResourceType(found)) if found == "Observation"
        ));
        assert!(serde_json::from_value::<Resource>(observation).is_err());
        assert!(matches!(
            Resource::from_json(b"{"),
            Err(ParseError::Json(_))
        ));
    }

    #[test]
    fn a_resource_missing_a_required_element_is_invalid() {
        let claim = json!({ "resourceType": "Claim", "status": "active" });
        assert!(matches!(
            Claim::from_value(claim),
            Err(ParseError::Invalid {
                resource_type: "Claim",
                ..
            })
        ));
    }

    #[test]
    fn resource_reads_and_writes_the_resource_itself() {
        let read = Resource::from_value(patient()).unwrap();
        assert_eq!(read.resource_type(), "Patient");
        assert_eq!(read.id(), Some("p1"));
        assert!(matches!(read, Resource::Patient(_)));
        assert_eq!(serde_json::to_value(&read).unwrap(), patient());
        let via_serde: Resource = serde_json::from_value(patient()).unwrap();
        assert_eq!(via_serde, read);
        assert_eq!(Resource::RESOURCE_TYPES.len(), 11);
    }
}
