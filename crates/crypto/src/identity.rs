//! The hashes and signatures of registration and login: the verification unit's salted NID
//! commitment and signed ticket, the card hash and the EIP-712 enrolment the patient and the
//! insurer sign, her data as a FHIR `Patient` for Enc(U_D), and the login signature.

use crate::SecretKey;
use crate::sign::{SignatureError, recover_message, recover_typed, sign_message, sign_typed};
use alloy_primitives::{Address as SolAddress, B256};
use alloy_sol_types::Eip712Domain;
use caretrail_types::{
    Address, CardNumber, Citizen, Enrolment, Hash32, LoginRequest, Nid, Signature, TicketBody,
    VerificationTicket,
};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The VU's commitment to a national ID: HMAC-SHA256 under the VU's own secret salt, so one NID
/// always gives one commitment (a second registration is refused) and nobody without the salt
/// can test a guessed NID against the chain.
pub fn nid_commitment(salt: &[u8; 32], nid: &Nid) -> Hash32 {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(salt).expect("HMAC takes any key length");
    mac.update(b"caretrail nid v1\0");
    mac.update(nid.as_str().as_bytes());
    Hash32(mac.finalize().into_bytes().into())
}

/// The hash of an insurance card as enrolments carry it: SHA-256 of its number.
pub fn card_hash(card: &CardNumber) -> Hash32 {
    Hash32(Sha256::digest(card.as_str().as_bytes()).into())
}

/// The EIP-712 type the policy registry checks for an enrolment (the type name is part of the
/// hash); defined here so that the app, the web page and the relay sign and check one type.
mod typed {
    alloy_sol_types::sol! {
        struct Enrolment {
            address patient;
            address insurer;
            bytes32 policyId;
            uint64 version;
            bytes32 cardHash;
            uint64 deadline;
        }
    }
}

/// The policy registry's EIP-712 domain (as in its constructor).
fn policy_registry_domain(chain_id: u64, policies: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some("Caretrail PolicyRegistry".into()),
        Some("1".into()),
        Some(alloy_primitives::U256::from(chain_id)),
        Some(SolAddress::from(policies.0)),
        None,
    )
}

fn typed_enrolment(e: &Enrolment) -> typed::Enrolment {
    typed::Enrolment {
        patient: SolAddress::from(e.patient.0),
        insurer: SolAddress::from(e.insurer.0),
        policyId: B256::from(e.policy_id.0),
        version: e.version,
        cardHash: B256::from(e.card_hash.0),
        deadline: e.deadline,
    }
}

/// The patient's or the insurer's EIP-712 signature over an enrolment, in the policy registry's
/// domain.
pub fn sign_enrolment(
    key: &SecretKey,
    chain_id: u64,
    policies: Address,
    enrolment: &Enrolment,
) -> Signature {
    crate::sign::sign_typed(
        key,
        &typed_enrolment(enrolment),
        &policy_registry_domain(chain_id, policies),
    )
}

/// Who signed an enrolment, by the contract's rules.
pub fn enrolment_signer(
    chain_id: u64,
    policies: Address,
    enrolment: &Enrolment,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    crate::sign::recover_typed(
        &typed_enrolment(enrolment),
        &policy_registry_domain(chain_id, policies),
        signature,
    )
}

/// Enc(U_D)'s plaintext: her EC registry record as a FHIR R4 `Patient`, with her card.
pub fn patient_resource(citizen: &Citizen, card: &CardNumber) -> Vec<u8> {
    let resource = serde_json::json!({
        "resourceType": "Patient",
        "identifier": [
            { "type": { "text": "National ID" }, "system": "urn:caretrail:ec-registry:nid", "value": citizen.nid },
            { "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB", "display": "Member Number" }] }, "value": card }
        ],
        "name": [{ "family": citizen.family_name, "given": [citizen.given_name] }],
        "birthDate": citizen.birth_date,
        "address": [{
            "line": [citizen.address.line],
            "city": citizen.address.city,
            "postalCode": citizen.address.postal_code,
            "country": citizen.address.country
        }]
    });
    serde_json::to_vec(&resource).unwrap_or_default()
}

/// The bytes the VU signs for a ticket: a fixed prefix and the body's canonical JSON (RFC 8785).
fn ticket_message(body: &TicketBody) -> Vec<u8> {
    let mut message = b"Caretrail verification ticket\n".to_vec();
    #[allow(clippy::expect_used)]
    message
        .extend(serde_json_canonicalizer::to_vec(body).expect("a ticket body always serializes"));
    message
}

/// The VU signs a ticket with its key.
pub fn sign_ticket(key: &SecretKey, body: TicketBody) -> VerificationTicket {
    let signature = sign_message(key, &ticket_message(&body));
    VerificationTicket { body, signature }
}

/// Why a ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("the verification ticket is not signed: {0}")]
    Signature(#[from] SignatureError),
    #[error("the verification ticket was signed by {signer}, not by this verifier ({verifier})")]
    NotOurs { signer: Address, verifier: Address },
    #[error("the verification ticket expired (at {expires_at}); verify again")]
    Expired { expires_at: u64 },
}

/// Checks that `verifier` signed the ticket and that it has not expired at `now`.
pub fn check_ticket(
    ticket: &VerificationTicket,
    verifier: Address,
    now: u64,
) -> Result<(), TicketError> {
    let signer = recover_message(&ticket_message(&ticket.body), &ticket.signature)?;
    if signer != verifier || ticket.body.verifier != verifier {
        return Err(TicketError::NotOurs { signer, verifier });
    }
    if now > ticket.body.expires_at {
        return Err(TicketError::Expired {
            expires_at: ticket.body.expires_at,
        });
    }
    Ok(())
}

mod login_typed {
    alloy_sol_types::sol! {
        /// What her key signs to log in: the relay she logs in at (its origin), H, and the
        /// relay's challenge; the domain names the chain and the patient registry.
        struct Login {
            string relay;
            bytes32 record;
            bytes32 challenge;
        }
    }
}

/// The chain and the patient registry a login is for: its EIP-712 domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginDomain {
    pub chain_id: u64,
    pub patients: Address,
}

impl LoginDomain {
    fn eip712(self) -> Eip712Domain {
        Eip712Domain::new(
            Some("Caretrail Login".into()),
            Some("1".into()),
            Some(alloy_primitives::U256::from(self.chain_id)),
            Some(SolAddress::from(self.patients.0)),
            None,
        )
    }
}

fn typed_login(relay: &str, record: &Hash32, challenge: &Hash32) -> login_typed::Login {
    login_typed::Login {
        relay: relay.into(),
        record: B256::from(record.0),
        challenge: B256::from(challenge.0),
    }
}

/// A login signature's signer, in `domain` (the relay checks it is its own chain and registry,
/// and that `request.relay` is its own origin).
pub fn login_signer(
    domain: LoginDomain,
    request: &LoginRequest,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_login(&request.relay, &request.record, &request.challenge),
        &domain.eip712(),
        &request.signature,
    )
}

/// The device key signs a login challenge for H at the relay whose origin is `relay` (e.g.
/// `https://relay.example`), on the chain and patient registry of `domain` (EIP-712).
pub fn sign_login(
    key: &SecretKey,
    domain: LoginDomain,
    relay: &str,
    record: &Hash32,
    challenge: &Hash32,
) -> LoginRequest {
    LoginRequest {
        record: *record,
        challenge: *challenge,
        relay: relay.to_owned(),
        signature: sign_typed(
            key,
            &typed_login(relay, record, challenge),
            &domain.eip712(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::{Enrolment, FaceAttestation};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng as _;

    fn body(verifier: Address) -> TicketBody {
        TicketBody {
            nid_commitment: Hash32([1; 32]),
            enrolment: Enrolment {
                patient: Address([2; 20]),
                insurer: Address([3; 20]),
                policy_id: Hash32([4; 32]),
                version: 1,
                card_hash: Hash32([5; 32]),
                deadline: 2_000,
            },
            insurer_signature: Signature([6; 65]),
            face: FaceAttestation {
                distance_millionths: 525_000,
                threshold_millionths: 600_000,
                model: "m".into(),
                at: 1_000,
            },
            policy_hash: Hash32([7; 32]),
            expires_at: 1_600,
            verifier,
        }
    }

    #[test]
    fn a_ticket_verifies_only_unchanged_by_its_verifier_and_in_time() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let key = SecretKey::generate(&mut rng);
        let other = SecretKey::generate(&mut rng);
        let ticket = sign_ticket(&key, body(key.address()));
        assert_eq!(check_ticket(&ticket, key.address(), 1_600), Ok(()));
        assert_eq!(
            check_ticket(&ticket, key.address(), 1_601),
            Err(TicketError::Expired { expires_at: 1_600 })
        );
        let mut changed = ticket.clone();
        changed.body.enrolment.patient = Address([9; 20]);
        assert!(matches!(
            check_ticket(&changed, key.address(), 1_000),
            Err(TicketError::NotOurs { .. })
        ));
        let forged = sign_ticket(&other, body(key.address()));
        assert!(matches!(
            check_ticket(&forged, key.address(), 1_000),
            Err(TicketError::NotOurs { .. })
        ));
    }

    #[test]
    fn commitments_depend_on_the_salt_and_the_nid() {
        let nid = Nid::parse("19710302-4411").unwrap();
        let a = nid_commitment(&[1; 32], &nid);
        assert_eq!(a, nid_commitment(&[1; 32], &nid));
        assert_ne!(a, nid_commitment(&[2; 32], &nid));
        assert_ne!(
            a,
            nid_commitment(&[1; 32], &Nid::parse("19710302-4412").unwrap())
        );
    }

    #[test]
    fn a_login_signature_is_bound_to_its_relay_chain_registry_h_and_challenge() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let key = SecretKey::generate(&mut rng);
        let domain = LoginDomain {
            chain_id: 31337,
            patients: Address([9; 20]),
        };
        let signed = sign_login(
            &key,
            domain,
            "http://127.0.0.1:7780",
            &Hash32([1; 32]),
            &Hash32([2; 32]),
        );
        assert_eq!(login_signer(domain, &signed), Ok(key.address()));
        let elsewhere = [
            LoginRequest {
                relay: "http://evil.example".into(),
                ..signed.clone()
            },
            LoginRequest {
                record: Hash32([3; 32]),
                ..signed.clone()
            },
            LoginRequest {
                challenge: Hash32([3; 32]),
                ..signed.clone()
            },
        ];
        for moved in &elsewhere {
            assert_ne!(login_signer(domain, moved), Ok(key.address()), "{moved:?}");
        }
        for other in [
            LoginDomain {
                chain_id: 1,
                ..domain
            },
            LoginDomain {
                patients: Address([8; 20]),
                ..domain
            },
        ] {
            assert_ne!(login_signer(other, &signed), Ok(key.address()), "{other:?}");
        }
    }
}
