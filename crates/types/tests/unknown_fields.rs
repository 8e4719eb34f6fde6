//! What the relay and the sandbox read from outside refuse fields they do not know, at every
//! level; what they answer is read leniently, so that a newer peer's extra field breaks nobody.

use caretrail_types::{
    Address, CardNumber, Citizen, ConsentGrant, ConsentGrantRequest, ConsentRevocation,
    ConsentRevocationRequest, ConsentScope, Coverage, CoverageStatus, Enrolment, EnrolmentOffer,
    EnrolmentRequest, FaceAttestation, Hash32, LoginRequest, Nid, OwnAnchor, OwnAnchorRequest,
    PolicyPublication, PolicyVersion, PostalAddress, PublishRequest, RegisterRequest, RelayAction,
    RelayRequest, Signature, SignedRelayRequest, TicketBody, TxId, VerificationTicket, Verified,
    VerifyRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;

/// `value`'s JSON with `"extra": true` added to the object at `pointer` ("" for the top).
fn with_extra<T: Serialize>(value: &T, pointer: &str) -> Value {
    let mut json = serde_json::to_value(value).expect("serializes");
    json.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {pointer:?}"))
        .insert("extra".into(), Value::Bool(true));
    json
}

/// `value` reads back as itself, and with an unknown field at any of `pointers` it is refused
/// with a message that names the field.
fn refuses_unknown_fields<T>(value: &T, pointers: &[&str])
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_value(value).expect("serializes");
    assert_eq!(
        &serde_json::from_value::<T>(json).expect("reads back"),
        value
    );
    for pointer in pointers {
        let error = serde_json::from_value::<T>(with_extra(value, pointer))
            .map(|_| ())
            .expect_err(pointer);
        assert!(
            error.to_string().contains("unknown field `extra`"),
            "{} at {pointer:?}: {error}",
            std::any::type_name::<T>()
        );
    }
}

/// `value` with an unknown field at any of `pointers` still reads as itself.
fn reads_leniently<T>(value: &T, pointers: &[&str])
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    for pointer in pointers {
        let read = serde_json::from_value::<T>(with_extra(value, pointer))
            .unwrap_or_else(|e| panic!("{pointer:?}: {e}"));
        assert_eq!(&read, value, "{pointer:?}");
    }
}

fn hash(byte: u8) -> Hash32 {
    Hash32([byte; 32])
}

fn address(byte: u8) -> Address {
    Address([byte; 20])
}

fn signature(byte: u8) -> Signature {
    Signature([byte; 65])
}

fn enrolment() -> Enrolment {
    Enrolment {
        patient: address(1),
        insurer: address(2),
        policy_id: hash(3),
        version: 1,
        card_hash: hash(4),
        deadline: 1_800_000_000,
    }
}

fn face() -> FaceAttestation {
    FaceAttestation {
        distance_millionths: 310_000,
        threshold_millionths: 600_000,
        model: "dlib-resnet-v1".into(),
        at: 1_700_000_000,
    }
}

fn ticket() -> VerificationTicket {
    VerificationTicket {
        body: TicketBody {
            nid_commitment: hash(5),
            enrolment: enrolment(),
            insurer_signature: signature(6),
            face: face(),
            policy_hash: hash(7),
            expires_at: 1_700_000_600,
            verifier: address(8),
        },
        signature: signature(9),
    }
}

fn policy_version() -> PolicyVersion {
    PolicyVersion {
        policy_id: hash(1),
        version: 2,
        content_hash: hash(2),
        document_hash: hash(3),
        previous_hash: hash(4),
        effective_at: 1_800_000_000,
        media_type: "application/fhir+json".into(),
        deadline: 1_800_000_300,
    }
}

#[test]
fn a_publication_request_refuses_unknown_fields() {
    refuses_unknown_fields(
        &PublishRequest {
            signed: policy_version(),
            document: b"{}".to_vec(),
            signature: signature(5),
        },
        &[""],
    );
}

#[test]
fn a_verification_request_refuses_unknown_fields() {
    refuses_unknown_fields(
        &VerifyRequest {
            nid: Nid::parse("19710302-4411").expect("nid"),
            card_number: CardNumber::parse("MMH-1001-0001").expect("card"),
            patient: address(1),
            policy_hash: hash(2),
            photo: vec![0xFF, 0xD8, 0xFF],
        },
        &[""],
    );
}

#[test]
fn a_registration_request_refuses_unknown_fields_down_to_its_ticket() {
    refuses_unknown_fields(
        &RegisterRequest {
            ticket: ticket(),
            encrypted_data: vec![1, 2, 3],
            patient_signature: signature(10),
        },
        &["", "/ticket", "/ticket/enrolment", "/ticket/face"],
    );
}

#[test]
fn a_login_request_refuses_unknown_fields() {
    refuses_unknown_fields(
        &LoginRequest {
            record: hash(1),
            challenge: hash(2),
            relay: "http://127.0.0.1:7780".into(),
            signature: signature(3),
        },
        &[""],
    );
}

#[test]
fn an_enrolment_request_to_the_insurer_refuses_unknown_fields() {
    refuses_unknown_fields(
        &EnrolmentRequest {
            patient: address(1),
            nid: Nid::parse("19710302-4411").expect("nid"),
            deadline: 1_800_000_000,
        },
        &[""],
    );
}

#[test]
fn an_anchor_request_refuses_unknown_fields() {
    refuses_unknown_fields(
        &OwnAnchorRequest {
            anchor: OwnAnchor {
                patient: address(1),
                kind: hash(2),
                ciphertext_hash: hash(3),
                deadline: 1_800_000_000,
            },
            signature: signature(4),
        },
        &["", "/anchor"],
    );
}

#[test]
fn consent_requests_refuse_unknown_fields() {
    refuses_unknown_fields(
        &ConsentGrantRequest {
            grant: ConsentGrant {
                patient: address(1),
                grantee: address(2),
                scope: ConsentScope::Record,
                target: hash(3),
                expires_at: 1_800_000_000,
                nonce: 0,
                deadline: 1_700_000_000,
            },
            signature: signature(4),
        },
        &["", "/grant"],
    );
    refuses_unknown_fields(
        &ConsentRevocationRequest {
            revocation: ConsentRevocation {
                patient: address(1),
                grantee: address(2),
                scope: ConsentScope::Kind,
                target: hash(3),
                nonce: 1,
                deadline: 1_700_000_000,
            },
            signature: signature(4),
        },
        &["", "/revocation"],
    );
}

#[test]
fn a_signed_relay_request_refuses_unknown_fields() {
    refuses_unknown_fields(
        &SignedRelayRequest {
            chain_id: 31337,
            records: address(1),
            request: RelayRequest {
                signer: address(2),
                action: RelayAction::RecordGet,
                patient: address(3),
                subject: hash(4),
                content: Hash32::ZERO,
                deadline: 1_700_000_000,
                nonce: hash(5),
            },
            signature: signature(6),
        },
        &["", "/request"],
    );
}

/// The same ticket, enrolment and version that requests read strictly are read leniently where
/// they come in an answer: an older client keeps working with a newer relay or insurer.
#[test]
fn answers_keep_reading_fields_they_do_not_know() {
    let verified = Verified {
        citizen: Citizen {
            nid: Nid::parse("19710302-4411").expect("nid"),
            given_name: "Erik".into(),
            family_name: "Lind".into(),
            birth_date: "1971-03-02".into(),
            address: PostalAddress {
                line: "Storgata 1".into(),
                city: "Trondheim".into(),
                postal_code: "7011".into(),
                country: "NO".into(),
            },
        },
        coverage: Coverage {
            card_number: CardNumber::parse("MMH-1001-0001").expect("card"),
            status: CoverageStatus::Active,
            valid_until: "2030-12-31".into(),
            insurer: address(2),
            insurer_name: "Meridian".into(),
            plan: "meridian-gold".into(),
            policy_id: hash(3),
            media_type: "application/fhir+json".into(),
        },
        checks: Vec::new(),
        ticket: ticket(),
    };
    reads_leniently(
        &verified,
        &["", "/ticket", "/ticket/enrolment", "/ticket/face"],
    );
    reads_leniently(
        &EnrolmentOffer {
            enrolment: enrolment(),
            insurer_signature: signature(1),
        },
        &["", "/enrolment"],
    );
    reads_leniently(
        &PolicyPublication {
            tx_id: TxId([1; 32]),
            block_number: 7,
            block_time: 1_700_000_000,
            registry: address(1),
            insurer: address(2),
            signed: policy_version(),
            document: b"{}".to_vec(),
        },
        &[""],
    );
}
