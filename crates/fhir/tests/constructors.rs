//! The resources Caretrail writes come out of their constructors as valid R4: the required
//! elements are there, and they read back as what was written.

use std::fmt::Debug;

use caretrail_fhir::{
    Adjudication, Attachment, AuditEvent, Claim, ClaimResponse, ClaimResponseOutcome,
    CodeableConcept, Coding, Consent, DiagnosticReport, Encounter, Identifier, Instant,
    MedicationRequest, Money, Payment, Period, RecordRead, Reference, Resource, ServiceRequest,
    TypedResource,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Writes the resource, checks that every JSON pointer in `required` holds something, reads it
/// back (as its type and as `Resource`) and returns the JSON.
fn written<T>(resource: &T, required: &[&str]) -> Value
where
    T: TypedResource + Serialize + DeserializeOwned + PartialEq + Debug + Into<Resource> + Clone,
{
    let json = serde_json::to_value(resource).expect("a resource always serializes");
    assert_eq!(json["resourceType"], T::RESOURCE_TYPE);
    for pointer in required {
        let present = match json.pointer(pointer) {
            None | Some(Value::Null) => false,
            Some(Value::Array(items)) => !items.is_empty(),
            Some(Value::String(text)) => !text.is_empty(),
            Some(Value::Object(members)) => !members.is_empty(),
            Some(_) => true,
        };
        assert!(present, "{} lacks {pointer}: {json:#}", T::RESOURCE_TYPE);
    }
    let bytes = serde_json::to_vec(resource).expect("a resource always serializes");
    let typed = T::from_json(&bytes).unwrap_or_else(|e| panic!("{json:#} reads back: {e}"));
    assert_eq!(&typed, resource);
    assert_eq!(
        Resource::from_json(&bytes).expect("reads back as a Resource"),
        resource.clone().into()
    );
    json
}

fn at(seconds: u64) -> Instant {
    Instant::from_unix_seconds(seconds).expect("a time before the year 9999")
}

fn patient() -> Reference {
    Reference::to("Patient/0x5c3b").with_display("Amina Rahman")
}

fn doctor() -> Reference {
    Reference::to("Practitioner/bmdc-a-12345")
}

fn hospital() -> Reference {
    Reference::to("Organization/ho-7")
}

#[test]
fn an_outpatient_visit() {
    let visit = Encounter::outpatient_visit(patient(), hospital(), &at(1_800_000_000));
    let json = written(
        &visit,
        &["/status", "/class/code", "/subject", "/period/start"],
    );
    assert_eq!(json["status"], "in-progress");
    assert_eq!(json["class"]["code"], "AMB");
    let closed = visit.finished(&at(1_800_003_600));
    let json = written(
        &closed,
        &["/status", "/class", "/period/start", "/period/end"],
    );
    assert_eq!(json["status"], "finished");
    assert_eq!(json["period"]["end"], "2027-01-15T09:00:00Z");
}

#[test]
fn a_prescription() {
    let paracetamol = CodeableConcept::coded(
        Coding::new("http://www.nlm.nih.gov/research/umls/rxnorm", "313782")
            .with_display("Acetaminophen 325 MG Oral Tablet"),
    );
    let prescription =
        MedicationRequest::prescription(patient(), paracetamol, doctor(), &at(1_800_000_000))
            .with_encounter(Reference::to("Encounter/visit-1"))
            .with_dosage("1 tablet every 6 hours when needed, at most 4 a day");
    let json = written(
        &prescription,
        &[
            "/status",
            "/intent",
            "/medicationCodeableConcept/coding/0/code",
            "/subject/reference",
            "/requester",
            "/authoredOn",
            "/dosageInstruction/0/text",
        ],
    );
    assert_eq!(
        (&json["status"], &json["intent"]),
        (&"active".into(), &"order".into())
    );
    // medication[x]: exactly one of its forms.
    assert!(json.get("medicationReference").is_none());
}

#[test]
fn a_test_list() {
    let requisition = Identifier::new("urn:caretrail:requisition", "visit-1/tests");
    let tests = ["2345-7", "718-7"].map(|code| Coding::new("http://loinc.org", code).into());
    let orders = ServiceRequest::test_list(
        &requisition,
        &patient(),
        tests,
        &doctor(),
        &at(1_800_000_000),
    );
    assert_eq!(orders.len(), 2);
    for order in &orders {
        let json = written(
            order,
            &[
                "/status",
                "/intent",
                "/code/coding/0/code",
                "/subject",
                "/requisition/value",
            ],
        );
        assert_eq!(json["requisition"]["value"], "visit-1/tests");
    }
}

#[test]
fn a_report_with_its_documents() {
    let pdf = b"%PDF-1.7 CBC results";
    let forms = vec![
        Attachment::inline("application/pdf", pdf).with_title("CBC report"),
        Attachment::stored("image/jpeg", "caretrail:record/0xabc", 2_400_000).with_title("Slide"),
    ];
    let report = DiagnosticReport::issued(
        patient(),
        Coding::new("http://loinc.org", "58410-2").into(),
        Reference::to("Organization/lab-3"),
        &at(1_800_086_400),
        forms,
    )
    .with_based_on([Reference::to("ServiceRequest/cbc-1")]);
    let json = written(
        &report,
        &[
            "/status",
            "/code/coding/0/code",
            "/subject",
            "/issued",
            "/basedOn/0/reference",
            "/presentedForm/0/data",
            "/presentedForm/0/hash",
            "/presentedForm/1/url",
        ],
    );
    assert_eq!(json["status"], "final");
    // att-1: an attachment with data has a contentType.
    for form in json["presentedForm"].as_array().unwrap() {
        assert!(form.get("contentType").is_some());
    }
    assert_eq!(json["presentedForm"][0]["size"], pdf.len());
    assert_eq!(report.presented_form[0].matches(pdf), Some(true));
}

#[test]
fn a_claim_and_its_response() {
    let consultation = CodeableConcept::text("Doctor consultation");
    let cbc = CodeableConcept::coded(Coding::new("http://loinc.org", "58410-2"));
    let claim = Claim::new(
        "institutional",
        patient(),
        hospital(),
        Reference::to("Coverage/card-1234"),
        &at(1_800_090_000),
    )
    .with_insurer(Reference::to("Organization/meridian"))
    .with_item(
        consultation,
        1u64,
        Money::new(800u64, "BDT"),
        Money::new(800u64, "BDT"),
    )
    .with_item(
        cbc,
        2u64,
        Money::new(caretrail_fhir::Decimal::parse("450.50").unwrap(), "BDT"),
        Money::new(901u64, "BDT"),
    )
    .with_total(Money::new(1701u64, "BDT"));
    let json = written(
        &claim,
        &[
            "/status",
            "/type/coding/0/code",
            "/use",
            "/patient",
            "/created",
            "/provider",
            "/priority/coding/0/code",
            "/insurance/0/coverage",
            "/item/1/productOrService",
            "/item/1/unitPrice/value",
            "/total/value",
        ],
    );
    assert_eq!(json["insurance"][0]["focal"], true);
    assert_eq!(json["insurance"][0]["sequence"], 1);
    assert_eq!(
        (&json["item"][0]["sequence"], &json["item"][1]["sequence"]),
        (&1.into(), &2.into())
    );
    assert_eq!(
        json["item"][1]["unitPrice"]["value"],
        serde_json::json!(450.5)
    );

    let response = ClaimResponse::for_claim(
        &claim,
        Reference::to("Claim/claim-1"),
        Reference::to("Organization/meridian"),
        &at(1_800_176_400),
        ClaimResponseOutcome::Complete,
    )
    .with_item(
        1,
        vec![
            Adjudication::amount("eligible", Money::new(800u64, "BDT")),
            Adjudication::amount("benefit", Money::new(720u64, "BDT")),
        ],
    )
    .with_total("benefit", Money::new(720u64, "BDT"))
    .with_payment(Payment::new("complete", Money::new(720u64, "BDT")))
    .with_disposition("Claim settled: co-payment 10%");
    let json = written(
        &response,
        &[
            "/status",
            "/type",
            "/use",
            "/patient/reference",
            "/created",
            "/insurer",
            "/outcome",
            "/request",
            "/item/0/itemSequence",
            "/item/0/adjudication/1/category/coding/0/code",
            "/total/0/amount/value",
            "/payment/type",
            "/payment/amount/value",
        ],
    );
    assert_eq!(json["outcome"], "complete");
    assert_eq!(
        json["patient"],
        serde_json::to_value(&claim.patient).unwrap()
    );
    assert_eq!(
        json["requestor"],
        serde_json::to_value(&claim.provider).unwrap()
    );
}

#[test]
fn a_grant_and_its_revocation() {
    let grant = Consent::grant(
        patient(),
        doctor(),
        Period::between(&at(1_800_000_000), &at(1_802_592_000)),
        &at(1_800_000_000),
    )
    .with_records([Reference::to("DocumentReference/0xabc")])
    .with_classes([Coding::new("urn:caretrail:record-kind", "lab-report")]);
    let json = written(
        &grant,
        &[
            "/status",
            "/scope/coding/0/code",
            "/category/0/coding/0/code",
            "/patient",
            "/dateTime",
            "/policyRule",
            "/provision/type",
            "/provision/period/end",
            "/provision/actor/0/role",
            "/provision/actor/0/reference/reference",
            "/provision/data/0/meaning",
            "/provision/class/0/code",
        ],
    );
    assert_eq!(json["status"], "active");
    assert_eq!(json["provision"]["type"], "permit");
    assert_eq!(json["provision"]["data"][0]["meaning"], "instance");
    let revoked = grant.revoked();
    assert_eq!(written(&revoked, &["/status"])["status"], "inactive");
}

#[test]
fn a_logged_read() {
    let event = AuditEvent::record_read(RecordRead {
        reader: doctor(),
        patient: patient(),
        record: Reference::to("DocumentReference/0xabc"),
        grant: Some("urn:caretrail:consent:0x42".into()),
        observer: Reference::to("Device/relay"),
        recorded: at(1_800_000_123),
    });
    let json = written(
        &event,
        &[
            "/type/code",
            "/recorded",
            "/agent/0/who",
            "/agent/0/requestor",
            "/agent/0/policy/0",
            "/source/observer",
            "/entity/0/what",
            "/entity/1/what",
        ],
    );
    assert_eq!(
        (&json["action"], &json["outcome"]),
        (&"R".into(), &"0".into())
    );
    assert_eq!(json["recorded"], "2027-01-15T08:02:03Z");
    assert_eq!(json["agent"][0]["requestor"], true);
    // sev-1: an entity has a name or a query, not both.
    for entity in json["entity"].as_array().unwrap() {
        assert!(entity.get("name").is_none() || entity.get("query").is_none());
    }
}
