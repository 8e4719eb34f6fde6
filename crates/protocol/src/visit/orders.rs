//! The doctor's orders (steps 8–9) as FHIR R4: the visit's `Encounter`, the prescription U_P (a
//! `MedicationRequest`) and the test list T_D (a `collection` `Bundle` of one `ServiceRequest` per
//! test, sharing a requisition), each its own record, each referring to the patient, the
//! organization and the doctor by their keys. Checked as the doctor fills the form ([`write`])
//! and read back by the patient and the lab ([`tests_of`]).

use caretrail_fhir::{
    Bundle, CodeableConcept, Coding, Encounter, Identifier, Instant, MedicationRequest, Reference,
    Resource, ServiceRequest, TypedResource,
};
use caretrail_types::{Address, ErrorCode, UiError, VisitAssignment};

/// The identifier system of a key (a patient, an organization, a staff member).
pub const KEY_SYSTEM: &str = "urn:caretrail:key";
/// The identifier system of a visit (its on-chain id).
pub const VISIT_SYSTEM: &str = "urn:caretrail:visit";
/// LOINC, the code system of tests.
pub const LOINC: &str = "http://loinc.org";
/// The most tests one list orders.
pub const MAX_TESTS: usize = 20;
/// The longest text a field takes.
pub const MAX_TEXT: usize = 200;

/// A prescription as the doctor types it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Prescription {
    /// The medication, e.g. "Amoxicillin 500 mg capsule".
    pub medication: String,
    /// How to take it, e.g. "1 capsule 3 times a day for 7 days".
    pub dosage: String,
}

/// A test as the doctor orders it: its LOINC code and name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TestOrder {
    pub loinc: String,
    pub name: String,
}

impl std::str::FromStr for TestOrder {
    type Err = UiError;

    /// A test as typed: `CODE=NAME`, e.g. "58410-2=Complete blood count" (the code is checked
    /// when the list is written).
    fn from_str(text: &str) -> Result<Self, UiError> {
        let (loinc, name) = text
            .split_once('=')
            .ok_or_else(|| refused(format!("{text:?} is not CODE=NAME")))?;
        Ok(Self {
            loinc: loinc.trim().to_owned(),
            name: name.trim().to_owned(),
        })
    }
}

/// The doctor's form: a prescription, tests, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Orders {
    pub prescription: Option<Prescription>,
    pub tests: Vec<TestOrder>,
}

/// One record to write: its kind and its plaintext (FHIR JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub kind: &'static str,
    pub json: Vec<u8>,
}

fn refused(message: impl Into<String>) -> UiError {
    UiError::new(ErrorCode::InvalidInput, message)
}

fn text(field: &str, value: &str) -> Result<String, UiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(refused(format!("{field} is empty")));
    }
    if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
        return Err(refused(format!(
            "{field} must be one line of at most {MAX_TEXT} characters"
        )));
    }
    Ok(value.to_owned())
}

/// Whether `code` has LOINC's shape: 1 to 7 digits, a hyphen, one check digit, and that check
/// digit right (mod 10, as LOINC computes it).
pub fn is_loinc(code: &str) -> bool {
    let Some((body, check)) = code.split_once('-') else {
        return false;
    };
    if body.is_empty()
        || body.len() > 7
        || check.len() != 1
        || !body
            .bytes()
            .chain(check.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return false;
    }
    // Luhn over the body's digits, the rightmost doubled.
    let mut sum = 0u32;
    for (i, b) in body.bytes().rev().enumerate() {
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 {
            let twice = d * 2;
            twice / 10 + twice % 10
        } else {
            d
        };
    }
    (10 - sum % 10) % 10 == u32::from(check.as_bytes()[0] - b'0')
}

fn key(resource: &str, key: Address) -> Reference {
    Reference::by_identifier(resource, Identifier::new(KEY_SYSTEM, key.to_string()))
}

fn json(resource: &impl serde::Serialize) -> Vec<u8> {
    // The crate's types serialize to JSON without fail.
    serde_json::to_vec(resource).unwrap_or_default()
}

/// The records the doctor assigned by `assignment` writes at `now` for `orders`: the visit's
/// Encounter first, then U_P when she prescribes, then T_D when she orders tests.
pub fn write(
    assignment: &VisitAssignment,
    orders: &Orders,
    now: u64,
) -> Result<Vec<Written>, UiError> {
    if orders.prescription.is_none() && orders.tests.is_empty() {
        return Err(refused("write a prescription, a test, or both"));
    }
    if orders.tests.len() > MAX_TESTS {
        return Err(refused(format!("at most {MAX_TESTS} tests in one list")));
    }
    let at = Instant::from_unix_seconds(now).map_err(|e| refused(e.to_string()))?;
    let patient = key("Patient", assignment.patient);
    let doctor = key("Practitioner", assignment.staff);
    let visit = Identifier::new(VISIT_SYSTEM, assignment.visit_id.to_string());
    let encounter_ref = Reference::by_identifier("Encounter", visit.clone());
    let mut encounter = Encounter::outpatient_visit(
        patient.clone(),
        key("Organization", assignment.organization),
        &at,
    );
    encounter.identifier.push(visit.clone());
    let mut written = vec![Written {
        kind: Encounter::RESOURCE_TYPE,
        json: json(&encounter),
    }];
    if let Some(p) = &orders.prescription {
        let medication = CodeableConcept::text(text("the medication", &p.medication)?);
        let request =
            MedicationRequest::prescription(patient.clone(), medication, doctor.clone(), &at)
                .with_encounter(encounter_ref.clone())
                .with_dosage(text("the dosage", &p.dosage)?);
        written.push(Written {
            kind: MedicationRequest::RESOURCE_TYPE,
            json: json(&request),
        });
    }
    if !orders.tests.is_empty() {
        let mut codes = Vec::with_capacity(orders.tests.len());
        for test in &orders.tests {
            let code = test.loinc.trim();
            if !is_loinc(code) {
                return Err(refused(format!(
                    "{code:?} is not a LOINC code (digits, a hyphen, a check digit: e.g. 58410-2)"
                )));
            }
            codes.push(
                CodeableConcept::coded(Coding::new(LOINC, code))
                    .with_text(text("the test's name", &test.name)?),
            );
        }
        let requisition = Identifier::new(VISIT_SYSTEM, format!("{}/tests", assignment.visit_id));
        let list = ServiceRequest::test_list(&requisition, &patient, codes, &doctor, &at)
            .into_iter()
            .map(|r| Resource::from(r.with_encounter(encounter_ref.clone())));
        written.push(Written {
            kind: ServiceRequest::RESOURCE_TYPE,
            json: json(&Bundle::collection(list)),
        });
    }
    Ok(written)
}

/// The tests a T_D record orders (its plaintext), as (LOINC code, name).
pub fn tests_of(plaintext: &[u8]) -> Result<Vec<TestOrder>, UiError> {
    let bundle = Bundle::from_json(plaintext)
        .map_err(|e| refused(format!("the test list is not a FHIR Bundle: {e}")))?;
    bundle
        .resources()
        .map(|r| match r {
            Resource::ServiceRequest(s) => {
                let code = s.code.as_ref();
                let loinc = code
                    .and_then(|c| c.coding.iter().find(|c| c.system.as_deref() == Some(LOINC)))
                    .and_then(|c| c.code.clone())
                    .unwrap_or_default();
                let name = code.and_then(|c| c.text.clone()).unwrap_or_default();
                Ok(TestOrder { loinc, name })
            }
            other => Err(refused(format!(
                "the test list holds a {}, not a ServiceRequest",
                other.resource_type()
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loinc_codes_are_checked_by_their_check_digit() {
        for good in ["58410-2", "2345-7", "718-7", "4548-4", "1-8"] {
            assert!(is_loinc(good), "{good}");
        }
        for bad in [
            "58410-3",
            "2345",
            "-7",
            "12345678-9",
            "58a10-2",
            "2345-77",
            "",
        ] {
            assert!(!is_loinc(bad), "{bad}");
        }
    }
}
