//! Every official FHIR R4 example of the types this crate reads (npm `hl7.fhir.r4.examples`
//! 4.0.1, installed by `scripts/setup.sh`) parses, as its own type and as `Resource`, and
//! serializes back to the same JSON value.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use caretrail_fhir::{
    AuditEvent, Claim, ClaimResponse, Consent, Coverage, DiagnosticReport, Encounter,
    InsurancePlan, MedicationRequest, Patient, Resource, ServiceRequest, TypedResource,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn examples_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/hl7.fhir.r4.examples");
    assert!(
        dir.join("package.json").is_file(),
        "the official FHIR R4 examples are missing at {}: run scripts/setup.sh \
         (it runs `npm ci` in crates/fhir)",
        dir.display()
    );
    dir
}

fn example<T: TypedResource + DeserializeOwned>(file: &str) -> T {
    let bytes = fs::read(examples_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    T::from_json(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[derive(Default)]
struct Count {
    found: usize,
    parsed: usize,
    round_tripped: usize,
}

/// How far one example got.
enum Outcome {
    NotParsed(String),
    Differs(String),
    RoundTripped,
}

/// Parses the example as `T` and as `Resource`, writes both back and compares them with it.
fn check<T: TypedResource + DeserializeOwned + Serialize>(original: &Value) -> Outcome {
    let typed = match T::from_value(original.clone()) {
        Ok(typed) => typed,
        Err(e) => return Outcome::NotParsed(format!("as {}: {e}", T::RESOURCE_TYPE)),
    };
    let any = match Resource::from_value(original.clone()) {
        Ok(any) => any,
        Err(e) => return Outcome::NotParsed(format!("as Resource: {e}")),
    };
    for (what, back) in [
        (T::RESOURCE_TYPE, serde_json::to_value(&typed)),
        ("Resource", serde_json::to_value(&any)),
    ] {
        let difference = match back {
            Ok(back) => first_difference(original, &back, String::new()),
            Err(e) => Some(format!("nothing: writing failed: {e}")),
        };
        if let Some(at) = difference {
            return Outcome::Differs(format!("written back as {what}, it differs at {at}"));
        }
    }
    Outcome::RoundTripped
}

/// The JSON pointer of the first place where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|k| match (a.get(k), b.get(k)) {
                (Some(x), Some(y)) => first_difference(x, y, format!("{at}/{k}")),
                (x, _) => Some(format!(
                    "{at}/{k} ({})",
                    if x.is_some() { "lost" } else { "added" }
                )),
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at} ({a} became {b})")),
    }
}

fn check_by_type(resource_type: &str, value: &Value) -> Outcome {
    match resource_type {
        "Patient" => check::<Patient>(value),
        "Coverage" => check::<Coverage>(value),
        "InsurancePlan" => check::<InsurancePlan>(value),
        "Encounter" => check::<Encounter>(value),
        "MedicationRequest" => check::<MedicationRequest>(value),
        "ServiceRequest" => check::<ServiceRequest>(value),
        "DiagnosticReport" => check::<DiagnosticReport>(value),
        "Claim" => check::<Claim>(value),
        "ClaimResponse" => check::<ClaimResponse>(value),
        "Consent" => check::<Consent>(value),
        "AuditEvent" => check::<AuditEvent>(value),
        other => Outcome::NotParsed(format!("no check for {other}")),
    }
}

#[test]
fn every_official_example_parses_and_round_trips() {
    let dir = examples_dir();
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();

    let mut counts: BTreeMap<&str, Count> = Resource::RESOURCE_TYPES
        .iter()
        .map(|t| (*t, Count::default()))
        .collect();
    let mut failures = Vec::new();
    for path in &files {
        let value: Value = serde_json::from_slice(&fs::read(path).unwrap())
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        let Some(resource_type) = value.get("resourceType").and_then(Value::as_str) else {
            continue;
        };
        let Some(count) = counts.get_mut(resource_type) else {
            continue;
        };
        count.found += 1;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        match check_by_type(resource_type, &value) {
            Outcome::RoundTripped => {
                count.parsed += 1;
                count.round_tripped += 1;
            }
            Outcome::Differs(why) => {
                count.parsed += 1;
                failures.push(format!("{name}: {why}"));
            }
            Outcome::NotParsed(why) => failures.push(format!("{name}: not parsed {why}")),
        }
    }

    let mut table = format!(
        "official R4 examples ({})\n{:<18} {:>6} {:>7} {:>14}\n",
        dir.display(),
        "type",
        "found",
        "parsed",
        "round-tripped"
    );
    for (resource_type, c) in &counts {
        let _ = writeln!(
            table,
            "{resource_type:<18} {:>6} {:>7} {:>14}",
            c.found, c.parsed, c.round_tripped
        );
    }
    let total = |f: fn(&Count) -> usize| counts.values().map(f).sum::<usize>();
    let _ = writeln!(
        table,
        "{:<18} {:>6} {:>7} {:>14}",
        "all",
        total(|c| c.found),
        total(|c| c.parsed),
        total(|c| c.round_tripped)
    );
    println!("{table}");

    assert!(
        failures.is_empty(),
        "{} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (resource_type, c) in &counts {
        assert!(c.found > 0, "no official example of {resource_type}");
    }
}

/// The typed fields, not only `extra`, hold the examples' elements (a misnamed field would
/// still round-trip, through `extra`).
#[test]
fn typed_elements_hold_the_examples_values() {
    use caretrail_fhir::{
        AdministrativeGender, AuditEventAction, ClaimResponseOutcome, ConsentDataMeaning,
        DiagnosticReportStatus, EncounterStatus, FinancialStatus, MedicationRequestIntent,
        MedicationRequestStatus, RequestIntent,
    };

    let patient: Patient = example("Patient-example.json");
    assert_eq!(patient.gender, Some(AdministrativeGender::Male));
    assert_eq!(patient.birth_date.as_deref(), Some("1974-12-25"));
    assert_eq!(patient.name[0].family.as_deref(), Some("Chalmers"));
    assert_eq!(patient.name[0].given, ["Peter", "James"]);
    assert_eq!(patient.identifier[0].value.as_deref(), Some("12345"));
    assert!(patient.extra.contains_key("telecom"));

    let coverage: Coverage = example("Coverage-9876B1.json");
    assert_eq!(coverage.status, FinancialStatus::Active);
    assert_eq!(coverage.beneficiary.reference.as_deref(), Some("Patient/4"));
    assert_eq!(
        coverage.payor[0].reference.as_deref(),
        Some("Organization/2")
    );
    assert!(!coverage.class.is_empty());

    let plan: InsurancePlan = example("InsurancePlan-example.json");
    assert_eq!(plan.name.as_deref(), Some("foo"));

    let encounter: Encounter = example("Encounter-example.json");
    assert_eq!(encounter.status, EncounterStatus::InProgress);
    assert_eq!(encounter.class.code.as_deref(), Some("IMP"));

    let prescription: MedicationRequest = example("MedicationRequest-medrx0302.json");
    assert_eq!(prescription.status, MedicationRequestStatus::Active);
    assert_eq!(prescription.intent, MedicationRequestIntent::Order);
    assert!(prescription.medication_reference.is_some());
    assert_eq!(prescription.authored_on.as_deref(), Some("2015-01-15"));
    assert_eq!(
        prescription.dosage_instruction[0].text.as_deref(),
        Some("Two tablets at once")
    );

    let order: ServiceRequest = example("ServiceRequest-lipid.json");
    assert_eq!(order.intent, RequestIntent::OriginalOrder);
    assert!(order.code.is_some() && order.requester.is_some());

    let report: DiagnosticReport = example("DiagnosticReport-gingival-mass.json");
    assert_eq!(report.status, DiagnosticReportStatus::Final);
    let form = &report.presented_form[0];
    assert_eq!(form.content_type.as_deref(), Some("application/pdf"));
    assert!(
        form.decoded_data()
            .is_some_and(|pdf| pdf.starts_with(b"%PDF"))
    );

    let claim: Claim = example("Claim-100150.json");
    assert_eq!(claim.item[0].sequence, 1);
    assert_eq!(
        claim.item[0].product_or_service.coding[0].code.as_deref(),
        Some("1200")
    );
    let price = claim.item[0]
        .unit_price
        .as_ref()
        .and_then(|m| m.value.as_ref());
    assert_eq!(price.map(ToString::to_string).as_deref(), Some("135.57"));
    assert!(claim.insurance[0].focal);

    let response: ClaimResponse = example("ClaimResponse-R3500.json");
    assert_eq!(response.outcome, ClaimResponseOutcome::Complete);
    let paid = response
        .payment
        .as_ref()
        .and_then(|p| p.amount.value.as_ref());
    assert_eq!(paid.map(ToString::to_string).as_deref(), Some("100.47"));
    assert!(!response.item[0].adjudication.is_empty());

    let consent: Consent = example("Consent-consent-example-notThis.json");
    let provision = consent.provision.as_ref().unwrap();
    assert_eq!(provision.data[0].meaning, ConsentDataMeaning::Related);
    assert!(consent.policy_rule.is_some());
    let consent: Consent = example("Consent-consent-example-notThem.json");
    let provision = consent.provision.as_ref().unwrap();
    assert_eq!(
        provision.actor[0].reference.reference.as_deref(),
        Some("Practitioner/f204")
    );
    assert!(!provision.action.is_empty());

    let audit: AuditEvent = example("AuditEvent-example.json");
    assert_eq!(audit.action, Some(AuditEventAction::Execute));
    assert!(!audit.agent[0].requestor);
    assert!(audit.source.observer.is_set());
}
