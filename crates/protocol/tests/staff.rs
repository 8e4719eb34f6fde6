//! A staff certificate's checks as a table, with no network, natively and in headless Chromium:
//! hers, signed by its organization, for the role asked, unexpired, the organization admitted,
//! her key not revoked; and the revocation's.

use caretrail_crypto::SecretKey;
use caretrail_crypto::staff::{StaffDomain, certificate_signer, revocation_signer};
use caretrail_protocol::staff::{Facts, MAX_VALIDITY_SECS, check, check_revocation, issue, revoke};
use caretrail_types::{
    Address, Admission, ErrorCode, Participant, ParticipantKind, ParticipantStatus, StaffRole,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const NOW: u64 = 1_800_000_000;
const DOMAIN: StaffDomain = StaffDomain {
    chain_id: 31337,
    participants: Address([5; 20]),
};

fn keys() -> (SecretKey, SecretKey, SecretKey) {
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    (
        SecretKey::generate(&mut rng),
        SecretKey::generate(&mut rng),
        SecretKey::generate(&mut rng),
    )
}

fn organization(ho: Address, kind: ParticipantKind, status: ParticipantStatus) -> Participant {
    Participant {
        admission: Admission {
            signer: ho,
            kind,
            licence_id: "HO-LIC-1001".into(),
            name: "Uppsala University Hospital".into(),
            encryption_key: vec![2; 33],
        },
        status,
        admitted_at: NOW - 1_000,
    }
}

fn admitted(ho: Address) -> Facts {
    Facts {
        organization: Some(organization(
            ho,
            ParticipantKind::HealthOrganization,
            ParticipantStatus::Admitted,
        )),
        revoked: false,
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_staff_certificate_is_checked_in_order() {
    let (ho, doctor, stranger) = keys();
    let cert = issue(
        &ho,
        DOMAIN,
        doctor.address(),
        StaffRole::Doctor,
        NOW + 3_600,
        NOW,
    )
    .expect("issued");
    let by = |c| certificate_signer(DOMAIN, c);
    let member = check(
        &cert,
        by(&cert),
        doctor.address(),
        StaffRole::Doctor,
        &admitted(ho.address()),
        NOW,
    )
    .expect("she acts as a doctor");
    assert_eq!(
        (member.organization, member.staff, member.role),
        (ho.address(), doctor.address(), StaffRole::Doctor)
    );
    assert_eq!(member.organization_name, "Uppsala University Hospital");

    let forged = issue(
        &stranger,
        DOMAIN,
        doctor.address(),
        StaffRole::Doctor,
        NOW + 3_600,
        NOW,
    )
    .map(|mut c| {
        c.certificate.organization = ho.address();
        c
    })
    .expect("signed");
    let suspended = Facts {
        organization: Some(organization(
            ho.address(),
            ParticipantKind::HealthOrganization,
            ParticipantStatus::Suspended,
        )),
        revoked: false,
    };
    let an_insurer = Facts {
        organization: Some(organization(
            ho.address(),
            ParticipantKind::Insurer,
            ParticipantStatus::Admitted,
        )),
        revoked: false,
    };
    let cases: Vec<(&str, Address, StaffRole, Facts, u64, &_, ErrorCode)> = vec![
        (
            "another key's certificate",
            stranger.address(),
            StaffRole::Doctor,
            admitted(ho.address()),
            NOW,
            &cert,
            ErrorCode::ForeignKey,
        ),
        (
            "not signed by the organization it names",
            doctor.address(),
            StaffRole::Doctor,
            admitted(ho.address()),
            NOW,
            &forged,
            ErrorCode::BadSignature,
        ),
        (
            "another role",
            doctor.address(),
            StaffRole::Lab,
            admitted(ho.address()),
            NOW,
            &cert,
            ErrorCode::WrongRole,
        ),
        (
            "expired",
            doctor.address(),
            StaffRole::Doctor,
            admitted(ho.address()),
            NOW + 3_600,
            &cert,
            ErrorCode::CertificateExpired,
        ),
        (
            "an organization never admitted",
            doctor.address(),
            StaffRole::Doctor,
            Facts {
                organization: None,
                revoked: false,
            },
            NOW,
            &cert,
            ErrorCode::NotAdmitted,
        ),
        (
            "an organization suspended",
            doctor.address(),
            StaffRole::Doctor,
            suspended,
            NOW,
            &cert,
            ErrorCode::NotAdmitted,
        ),
        (
            "an insurer, not a health organization",
            doctor.address(),
            StaffRole::Doctor,
            an_insurer,
            NOW,
            &cert,
            ErrorCode::NotAdmitted,
        ),
        (
            "her key revoked",
            doctor.address(),
            StaffRole::Doctor,
            Facts {
                revoked: true,
                ..admitted(ho.address())
            },
            NOW,
            &cert,
            ErrorCode::CertificateRevoked,
        ),
    ];
    for (name, requester, role, facts, now, signed, code) in cases {
        let error = check(signed, by(signed), requester, role, &facts, now).expect_err(name);
        assert_eq!(error.code, code, "{name}: {error}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_certificate_is_issued_for_a_bounded_time_to_another_key() {
    let (ho, doctor, _) = keys();
    for valid_until in [NOW, NOW - 1, NOW + MAX_VALIDITY_SECS + 1] {
        let error = issue(
            &ho,
            DOMAIN,
            doctor.address(),
            StaffRole::Doctor,
            valid_until,
            NOW,
        )
        .expect_err("refused");
        assert_eq!(
            error.code,
            ErrorCode::InvalidInput,
            "{valid_until}: {error}"
        );
    }
    let own = issue(
        &ho,
        DOMAIN,
        ho.address(),
        StaffRole::Reception,
        NOW + 60,
        NOW,
    )
    .expect_err("the organization's own key");
    assert_eq!(own.code, ErrorCode::InvalidInput);
    assert!(
        issue(
            &ho,
            DOMAIN,
            doctor.address(),
            StaffRole::Billing,
            NOW + MAX_VALIDITY_SECS,
            NOW
        )
        .is_ok()
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_revocation_is_the_organizations_and_fresh() {
    let (ho, doctor, stranger) = keys();
    let revocation = revoke(&ho, DOMAIN, doctor.address(), NOW);
    let by = |r| revocation_signer(DOMAIN, r);
    assert_eq!(
        check_revocation(&revocation, by(&revocation), &admitted(ho.address()), NOW),
        Ok(())
    );
    let mut forged = revoke(&stranger, DOMAIN, doctor.address(), NOW);
    forged.revocation.organization = ho.address();
    let cases = [
        (
            "not the organization's",
            &forged,
            admitted(ho.address()),
            NOW,
            ErrorCode::BadSignature,
        ),
        (
            "past its deadline",
            &revocation,
            admitted(ho.address()),
            revocation.revocation.deadline + 1,
            ErrorCode::SignatureExpired,
        ),
        (
            "an organization not admitted",
            &revocation,
            Facts {
                organization: None,
                revoked: false,
            },
            NOW,
            ErrorCode::NotAdmitted,
        ),
    ];
    for (name, signed, facts, now, code) in cases {
        let error = check_revocation(signed, by(signed), &facts, now).expect_err(name);
        assert_eq!(error.code, code, "{name}: {error}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn an_assignment_fits_an_open_visit_the_organization_opened() {
    use caretrail_crypto::staff::{assignment_signer, sign_assignment};
    use caretrail_protocol::staff::{assign, check_assignment};
    use caretrail_types::{Hash32, Visit, VisitAssignment};
    let (ho, doctor, stranger) = keys();
    let visit = Visit {
        patient: Address([8; 20]),
        organization: ho.address(),
        visit_id: Hash32([4; 32]),
        expires_at: NOW + 600,
    };
    let signed = assign(
        &ho,
        DOMAIN,
        &visit,
        doctor.address(),
        StaffRole::Doctor,
        NOW,
    )
    .expect("assigned");
    let by = |s: &caretrail_types::SignedVisitAssignment| assignment_signer(DOMAIN, s);
    let facts = admitted(ho.address());
    assert_eq!(
        check_assignment(&signed, by(&signed), &facts, Some(&visit), NOW),
        Ok(())
    );
    let a = signed.assignment;
    let sign = |assignment: VisitAssignment| sign_assignment(&ho, DOMAIN, assignment);
    let mut forged = sign_assignment(&stranger, DOMAIN, a);
    forged.assignment.organization = ho.address();
    let other_patient = Visit {
        patient: Address([9; 20]),
        ..visit
    };
    let cases = [
        (
            "not the organization's",
            forged,
            Some(visit),
            NOW,
            ErrorCode::BadSignature,
        ),
        (
            "a visit it did not open",
            signed,
            None,
            NOW,
            ErrorCode::UnknownVisit,
        ),
        (
            "another patient's visit",
            signed,
            Some(other_patient),
            NOW,
            ErrorCode::UnknownVisit,
        ),
        (
            "a visit ended",
            signed,
            Some(visit),
            visit.expires_at,
            ErrorCode::VisitClosed,
        ),
        (
            "to reception",
            sign(VisitAssignment {
                role: StaffRole::Reception,
                ..a
            }),
            Some(visit),
            NOW,
            ErrorCode::WrongRole,
        ),
        (
            "outlasting its visit",
            sign(VisitAssignment {
                expires_at: visit.expires_at + 1,
                ..a
            }),
            Some(visit),
            NOW,
            ErrorCode::InvalidInput,
        ),
    ];
    for (name, signed, visit, now, code) in cases {
        let error =
            check_assignment(&signed, by(&signed), &facts, visit.as_ref(), now).expect_err(name);
        assert_eq!(error.code, code, "{name}: {error}");
    }
    let not_admitted = Facts {
        organization: None,
        revoked: false,
    };
    let error = check_assignment(&signed, by(&signed), &not_admitted, Some(&visit), NOW)
        .expect_err("not admitted");
    assert_eq!(error.code, ErrorCode::NotAdmitted);
    let revoked = Facts {
        revoked: true,
        ..admitted(ho.address())
    };
    let error = check_assignment(&signed, by(&signed), &revoked, Some(&visit), NOW)
        .expect_err("a revoked staff key");
    assert_eq!(error.code, ErrorCode::CertificateRevoked);
}
