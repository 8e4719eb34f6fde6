//! Canonical hashing of policy documents and the check of a document against the chain (PU).

use caretrail_types::{Hash32, PolicyCheck, PolicyPublication, PolicyView};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// Why a document could not be hashed canonically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("the document is declared as {media_type} but is not valid I-JSON: {reason}")]
    NotJson { media_type: String, reason: String },
}

/// The media type of a policy document a patient holds, from its content: a PDF, or FHIR/JSON.
pub fn media_type_of(document: &[u8]) -> Option<&'static str> {
    if document.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    match document.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Some("application/fhir+json"),
        _ => None,
    }
}

/// Whether documents of this media type are hashed as canonical JSON rather than as raw bytes.
pub fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// SHA-256 of a policy document in its canonical form: RFC 8785 (JCS) canonical JSON for JSON
/// media types, so that whitespace and key order do not change the hash; the raw bytes otherwise.
/// JSON must be I-JSON (no duplicate members, integers within ±(2^53 − 1)), as RFC 8785 requires,
/// so that what is hashed is what a reader sees.
pub fn content_hash(media_type: &str, document: &[u8]) -> Result<Hash32, CanonicalError> {
    if !is_json(media_type) {
        return Ok(sha256(document));
    }
    let value: Value =
        crate::strict_json::parse(document).map_err(|e| CanonicalError::NotJson {
            media_type: media_type.to_owned(),
            reason: e.to_string(),
        })?;
    let canonical =
        serde_json_canonicalizer::to_vec(&value).map_err(|e| CanonicalError::NotJson {
            media_type: media_type.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(sha256(&canonical))
}

/// keccak-256 of the document's exact bytes: what the contract checks the calldata against.
pub fn document_hash(document: &[u8]) -> Hash32 {
    Hash32(Keccak256::digest(document).into())
}

fn sha256(bytes: &[u8]) -> Hash32 {
    Hash32(Sha256::digest(bytes).into())
}

/// Checks `document` against the content hash of `publication`.
pub fn check_document(publication: &PolicyPublication, document: &[u8]) -> PolicyCheck {
    match content_hash(&publication.signed.media_type, document) {
        Ok(computed) if computed == publication.signed.content_hash => PolicyCheck {
            computed_hash: Some(computed),
            verified: true,
            problem: None,
        },
        Ok(computed) => PolicyCheck {
            computed_hash: Some(computed),
            verified: false,
            problem: Some(format!(
                "the document hashes to {computed}, but the insurer published {}",
                publication.signed.content_hash
            )),
        },
        Err(e) => PolicyCheck {
            computed_hash: None,
            verified: false,
            problem: Some(e.to_string()),
        },
    }
}

/// The publication as the patient sees it: its own document checked against its signed hash,
/// as text when it is text, with the plan's title and insurer when the document names them (FHIR
/// `InsurancePlan.name` / `ownedBy.display`, or `title` / `insurer` in plain JSON).
pub fn review(publication: PolicyPublication) -> PolicyView {
    let check = check_document(&publication, &publication.document);
    let json = is_json(&publication.signed.media_type)
        .then(|| serde_json::from_slice::<Value>(&publication.document).ok())
        .flatten();
    // Shown as the insurer wrote it: what the patient reads is exactly what was hashed.
    let text = (json.is_some() || publication.signed.media_type.starts_with("text/"))
        .then(|| String::from_utf8(publication.document.clone()).ok())
        .flatten();
    let field = |paths: &[&[&str]]| {
        let value = json.as_ref()?;
        paths.iter().find_map(|path| {
            path.iter()
                .try_fold(value, |v, key| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
    };
    let title = field(&[&["name"], &["title"]]);
    let insurer_name = field(&[
        &["ownedBy", "display"],
        &["administeredBy", "display"],
        &["insurer"],
    ]);
    PolicyView {
        publication,
        text,
        title,
        insurer_name,
        check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::{Address, PolicyVersion, TxId};

    const FHIR: &str = "application/fhir+json";

    fn publication(media_type: &str, document: &[u8], content_hash: Hash32) -> PolicyPublication {
        PolicyPublication {
            tx_id: TxId([1; 32]),
            block_number: 7,
            block_time: 1_800_000_000,
            registry: Address([2; 20]),
            insurer: Address([3; 20]),
            signed: PolicyVersion {
                policy_id: Hash32([4; 32]),
                version: 1,
                content_hash,
                document_hash: document_hash(document),
                previous_hash: Hash32::ZERO,
                effective_at: 1_800_000_000,
                media_type: media_type.to_owned(),
                deadline: 1_800_000_300,
            },
            document: document.to_vec(),
        }
    }

    #[test]
    fn json_hash_ignores_whitespace_and_key_order() {
        let a = content_hash(FHIR, br#"{"b": 1, "a": [true, "x"]}"#).expect("json");
        let b = content_hash(FHIR, b"{\"a\":[true,\"x\"],\n \"b\":1}").expect("json");
        assert_eq!(a, b);
        // RFC 8785 form of that object, hashed with SHA-256.
        assert_eq!(a, sha256(br#"{"a":[true,"x"],"b":1}"#));
    }

    #[test]
    fn json_hash_sees_any_change_of_value() {
        let a = content_hash(FHIR, br#"{"copay": 10}"#).expect("json");
        let b = content_hash(FHIR, br#"{"copay": 100}"#).expect("json");
        assert_ne!(a, b);
    }

    #[test]
    fn document_hash_is_keccak256_of_the_bytes() {
        assert_eq!(
            document_hash(b"").to_string(),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn other_media_are_hashed_raw() {
        let pdf = b"%PDF-1.7 not json";
        assert_eq!(
            content_hash("application/pdf", pdf).expect("raw"),
            sha256(pdf)
        );
        assert!(!is_json("application/pdf"));
        assert!(is_json("application/fhir+json; fhirVersion=4.0"));
    }

    #[test]
    fn json_media_that_is_not_json_is_refused() {
        assert!(matches!(
            content_hash(FHIR, b"%PDF"),
            Err(CanonicalError::NotJson { .. })
        ));
    }

    #[test]
    fn review_verifies_a_matching_document_and_reads_its_names() {
        let doc = br#"{"resourceType":"InsurancePlan","name":"Gold","ownedBy":{"display":"Acme Health"}}"#;
        let view = review(publication(
            FHIR,
            doc,
            content_hash(FHIR, doc).expect("json"),
        ));
        assert!(view.check.verified, "{:?}", view.check);
        assert_eq!(view.title.as_deref(), Some("Gold"));
        assert_eq!(view.insurer_name.as_deref(), Some("Acme Health"));
        assert_eq!(view.text.as_deref().map(str::as_bytes), Some(&doc[..]));
    }

    #[test]
    fn review_flags_a_document_that_is_not_what_was_signed() {
        let view = review(publication(
            FHIR,
            br#"{"copay":100}"#,
            content_hash(FHIR, br#"{"copay":10}"#).expect("json"),
        ));
        assert!(!view.check.verified);
        assert!(
            view.check
                .problem
                .expect("a reason")
                .contains("the insurer published")
        );
    }

    #[test]
    fn check_document_compares_another_copy() {
        let doc = br#"{"copay":10}"#;
        let publication = publication(FHIR, doc, content_hash(FHIR, doc).expect("json"));
        assert!(check_document(&publication, br#"{ "copay" : 10 }"#).verified);
        assert!(!check_document(&publication, br#"{"copay":11}"#).verified);
        let not_json = check_document(&publication, b"garbage");
        assert!(!not_json.verified && not_json.computed_hash.is_none());
    }
}
