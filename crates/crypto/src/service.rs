//! Requests the verification unit makes to outside services (the EC registry, the insurers),
//! signed with EIP-712 by the VU's key: the signature covers the method, the path, the body's
//! Keccak-256 and a deadline, so a service that knows only the VU's address can tell its requests
//! from anyone else's, and a captured signature serves nothing else and not for long.

use crate::SecretKey;
use crate::sign::{SignatureError, recover_typed, sign_typed};
use alloy_primitives::{B256, keccak256};
use alloy_sol_types::Eip712Domain;
use caretrail_types::{Address, Signature};

mod typed {
    alloy_sol_types::sol! {
        struct ServiceRequest {
            string method;
            string path;
            bytes32 body;
            uint64 deadline;
        }
    }
}

/// The outside services' EIP-712 domain (no chain: these requests never go on one).
pub fn service_domain() -> Eip712Domain {
    Eip712Domain::new(
        Some("Caretrail Service Request".into()),
        Some("1".into()),
        None,
        None,
        None,
    )
}

/// A request to an outside service, as the VU signs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceRequest<'a> {
    /// The HTTP method, upper case (`POST`).
    pub method: &'a str,
    /// The URL path as sent (no query), e.g. `/ec/v1/citizens/lookup`.
    pub path: &'a str,
    /// The request body's bytes.
    pub body: &'a [u8],
    /// Unix seconds after which the service refuses the request.
    pub deadline: u64,
}

impl ServiceRequest<'_> {
    fn typed(&self) -> typed::ServiceRequest {
        typed::ServiceRequest {
            method: self.method.into(),
            path: self.path.into(),
            body: B256::from(keccak256(self.body).0),
            deadline: self.deadline,
        }
    }
}

/// Signs `request` with the VU's key.
pub fn sign_service_request(key: &SecretKey, request: &ServiceRequest<'_>) -> Signature {
    sign_typed(key, &request.typed(), &service_domain())
}

/// Who signed `request` (the service checks that it is the VU it serves).
pub fn service_request_signer(
    request: &ServiceRequest<'_>,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_typed(&request.typed(), &service_domain(), signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    const REQUEST: ServiceRequest<'static> = ServiceRequest {
        method: "POST",
        path: "/ec/v1/citizens/lookup",
        body: br#"{"nid":"19710302-4411"}"#,
        deadline: 1_800_000_000,
    };

    #[test]
    fn a_signed_request_names_its_signer_and_nothing_else_does() {
        let key = SecretKey::generate(&mut OsRng);
        let signature = sign_service_request(&key, &REQUEST);
        assert_eq!(
            service_request_signer(&REQUEST, &signature),
            Ok(key.address())
        );
        let others = [
            ServiceRequest {
                method: "GET",
                ..REQUEST
            },
            ServiceRequest {
                path: "/ec/v1/citizens/photo",
                ..REQUEST
            },
            ServiceRequest {
                body: br#"{"nid":"19850101-1234"}"#,
                ..REQUEST
            },
            ServiceRequest {
                deadline: REQUEST.deadline + 1,
                ..REQUEST
            },
        ];
        for other in others {
            assert_ne!(
                service_request_signer(&other, &signature),
                Ok(key.address()),
                "{other:?}"
            );
        }
    }
}
