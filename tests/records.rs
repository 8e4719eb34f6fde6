//! Records end to end (real anvil, relay and a real S3-compatible server, `s3s-fs`): a patient
//! uploads a file as her record and reads it back; she grants an admitted hospital, which reads
//! it; she revokes, and the hospital is refused; the relay anchors its read log, and the patient
//! verifies both reads against the root on chain. At a visit she opens to the hospital, it reads
//! her records again until the visit is closed. Then every bad input, each with its code and
//! nothing half-written, and the record store going down and coming back.

mod common;

use caretrail::stack::{Stack, StackOptions};
use caretrail_chain::record_of;
use caretrail_client::{Client, ClientError, Share, Transfer};
use caretrail_crypto::SecretKey;
use caretrail_crypto::envelope;
use caretrail_crypto::record::{body_hash, record_id, record_kind};
use caretrail_protocol::audit::Mark;
use caretrail_protocol::request::{self, Ask, Domain};
use caretrail_relay::storage::LocalS3;
use caretrail_types::{
    Address, ErrorCode, Hash32, KIND_HEADER, REQUEST_HEADER, ReadGround, RelayAction,
    SignedRelayRequest, UiError,
};
use common::{files, options};
use std::path::Path;
use std::sync::{Arc, Mutex};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A stack whose relay keeps records in `s3`, with a registered patient and an admitted
/// hospital (anvil's account 3).
struct World {
    stack: Stack,
    client: Client,
    patient: SecretKey,
    hospital: SecretKey,
    dir: tempfile::TempDir,
}

async fn world(s3: &LocalS3) -> World {
    let stack = Stack::start(StackOptions {
        publish_plans: true,
        storage: Some(s3.config()),
        edge: Default::default(),
        ..options(None)
    })
    .await
    .expect("the stack starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let common::Parties {
        client,
        patient,
        hospital,
        ..
    } = common::register_and_admit(&stack, dir.path()).await;
    World {
        stack,
        client,
        patient,
        hospital,
        dir,
    }
}

fn progress() -> (
    caretrail_client::TransferProgress,
    Arc<Mutex<Vec<Transfer>>>,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (Arc::new(move |t| sink.lock().expect("lock").push(t)), seen)
}

fn quiet() -> caretrail_client::TransferProgress {
    Arc::new(|_| {})
}

fn refusal<T: std::fmt::Debug>(result: Result<T, ClientError>) -> UiError {
    UiError::from(result.expect_err("refused"))
}

/// A PDF-looking file of `len` bytes, different for each `seed`.
fn write_document(path: &Path, len: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    std::fs::write(path, &bytes).expect("write");
    bytes
}

#[tokio::test]
async fn a_record_is_stored_read_shared_revoked_and_every_read_is_verified() {
    let s3 = LocalS3::start("records").expect("s3s-fs (./scripts/setup.sh installs it)");
    let w = world(&s3).await;
    let patient = w.patient.address();
    let hospital = w.hospital.address();

    // She uploads an old lab report (3 MiB, several envelope chunks), with progress.
    let file = w.dir.path().join("lab-report-2019.pdf");
    let original = write_document(&file, 3 * 1024 * 1024 + 17, 1);
    let (progress, seen) = progress();
    let anchored = w
        .client
        .put_record(&w.patient, &file, "Document", w.dir.path(), progress)
        .await
        .expect("stored and anchored");
    let id = anchored.anchor.record_id;
    assert_eq!(anchored.anchor.author, patient, "she anchored it herself");
    assert_eq!(anchored.anchor.patient, patient);
    {
        let seen = seen.lock().expect("lock");
        let uploaded: Vec<u64> = seen
            .iter()
            .filter_map(|t| match t {
                Transfer::Uploading { done, .. } => Some(*done),
                _ => None,
            })
            .collect();
        assert!(
            uploaded.len() > 1,
            "the upload's progress moves: {uploaded:?}"
        );
        assert!(uploaded.windows(2).all(|w| w[0] < w[1]));
        assert!(matches!(seen.last(), Some(Transfer::Anchoring)));
    }
    // The relay's bucket holds the header and the body, nothing half-written.
    let objects: Vec<String> = files(&s3.root().join("records"))
        .into_iter()
        .filter(|o| o.starts_with("records/"))
        .collect();
    assert_eq!(
        objects,
        vec![
            format!("records/{}/body", hex(&id)),
            format!("records/{}/header", hex(&id))
        ]
    );

    // Her list joins the chain's anchor with what the relay holds.
    let listed = w.client.list_records(&w.patient).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].kind, "Document");
    assert_eq!(listed[0].anchor.as_ref().map(|a| a.0.author), Some(patient));
    assert!(
        listed[0]
            .stored
            .as_ref()
            .is_some_and(|s| s.size > original.len() as u64)
    );

    // She reads it back, checked against the anchor, decrypted here.
    let back = w.dir.path().join("back.pdf");
    let opened = w
        .client
        .get_record(&w.patient, patient, id, Some(patient), &back, quiet())
        .await
        .expect("read back");
    assert_eq!(std::fs::read(&back).expect("read"), original);
    assert_eq!(opened.anchor.author, patient);

    // The hospital is no reader yet.
    let out = w.dir.path().join("hospital.pdf");
    let early = refusal(
        w.client
            .get_record(&w.hospital, patient, id, None, &out, quiet())
            .await,
    );
    assert_eq!(early.code, ErrorCode::NotAReader, "{early}");
    assert!(!out.exists(), "nothing written on a refusal");

    // She grants it this record for an hour: its key joins the header, the consent the chain.
    let granted = w
        .client
        .grant_records(&w.patient, hospital, &Share::Record(id), now() + 3600)
        .await
        .expect("granted");
    println!("grant relayed: {} gas", granted.gas_used);
    let read = w
        .client
        .get_record(&w.hospital, patient, id, Some(patient), &out, quiet())
        .await
        .expect("the hospital reads it");
    assert_eq!(std::fs::read(&out).expect("read"), original);
    assert_eq!(
        read.anchor.author, patient,
        "written by her, as the chain says"
    );

    // She revokes: the hospital is refused from now on.
    let revoked = w
        .client
        .revoke_records(&w.patient, hospital, &Share::Record(id))
        .await
        .expect("revoked");
    println!("revocation relayed: {} gas", revoked.gas_used);
    let again = refusal(
        w.client
            .get_record(
                &w.hospital,
                patient,
                id,
                None,
                &w.dir.path().join("x.pdf"),
                quiet(),
            )
            .await,
    );
    assert_eq!(again.code, ErrorCode::ConsentRevoked, "{again}");

    // Before the relay anchors its log, the reads are pending; after, each is verified.
    let pending = w.client.audit(&w.patient, patient).await.expect("audit");
    assert_eq!(
        pending.len(),
        2,
        "her read and the hospital's; refusals are not reads"
    );
    assert!(pending.iter().all(|r| r.mark == Mark::Pending));
    let run = caretrail_relay::audit::anchor_pending(&w.stack.relay)
        .await
        .expect("anchored")
        .expect("a run");
    println!(
        "audit root anchored: {} entries, {} gas",
        run.count, run.gas_used
    );
    assert_eq!((run.first, run.count), (0, 2));
    let checked = w.client.audit(&w.patient, patient).await.expect("audit");
    let readers: Vec<(Address, ReadGround, Mark)> = checked
        .iter()
        .map(|r| (r.read.entry.reader, r.read.entry.ground, r.mark))
        .collect();
    assert_eq!(
        readers,
        vec![
            (patient, ReadGround::Patient, Mark::Verified),
            (hospital, ReadGround::Consent, Mark::Verified),
        ]
    );
    assert!(checked.iter().all(|r| r.read.entry.record == id));
    // The hospital sees only its own reads.
    let its_own = w.client.audit(&w.hospital, patient).await.expect("audit");
    assert_eq!(its_own.len(), 1);
    assert_eq!(its_own[0].read.entry.reader, hospital);
    assert_eq!(its_own[0].mark, Mark::Verified);
    // Nothing new: nothing to anchor.
    assert!(
        caretrail_relay::audit::anchor_pending(&w.stack.relay)
            .await
            .expect("anchor")
            .is_none()
    );

    // Her consent is gone, but at her next visit the hospital reads her records while the visit
    // is open: she signs a visit token, the hospital opens the visit on chain.
    let config = &w.stack.relay.config;
    let token = caretrail_types::VisitToken {
        patient,
        organization: hospital,
        visit_id: Hash32([0x71; 32]),
        expires_at: now() + 3600,
        not_after: now() + 600,
    };
    let signature = caretrail_chain::sign_visit_token(
        &w.patient,
        config.chain_id,
        config.record_registry,
        &token,
    );
    caretrail_chain::open_visit(
        &w.stack.rpc_url(),
        w.stack.node().dev_signer(3),
        config.record_registry,
        &token,
        &signature,
    )
    .await
    .expect("the visit opens");
    let at_visit = w.dir.path().join("at-visit.pdf");
    w.client
        .get_record(&w.hospital, patient, id, Some(patient), &at_visit, quiet())
        .await
        .expect("the hospital reads it during the visit");
    assert_eq!(std::fs::read(&at_visit).expect("read"), original);
    // The relay serves the visit's HO, but her envelope still decides what it can open: a record
    // not encrypted to it is served and stays sealed, and nothing is written.
    let private = w.dir.path().join("private-note.pdf");
    write_document(&private, 10_000, 3);
    let sealed = w
        .client
        .put_record(&w.patient, &private, "Document", w.dir.path(), quiet())
        .await
        .expect("stored")
        .anchor
        .record_id;
    let sealed_out = w.dir.path().join("sealed.pdf");
    let unopened = w
        .client
        .get_record(
            &w.hospital,
            patient,
            sealed,
            Some(patient),
            &sealed_out,
            quiet(),
        )
        .await;
    assert!(unopened.is_err(), "not a recipient: {unopened:?}");
    assert!(
        !sealed_out.exists(),
        "nothing written when it cannot be opened"
    );
    // The hospital ends the visit: from then on it is refused again, and told the visit ended.
    caretrail_chain::close_visit(
        &w.stack.rpc_url(),
        w.stack.node().dev_signer(3),
        config.record_registry,
        hospital,
        token.visit_id,
    )
    .await
    .expect("the visit closes");
    let after = refusal(
        w.client
            .get_record(
                &w.hospital,
                patient,
                sealed,
                None,
                &w.dir.path().join("y.pdf"),
                quiet(),
            )
            .await,
    );
    assert_eq!(after.code, ErrorCode::NotAReader, "{after}");
    assert!(
        after.message.contains("visit with the patient ended"),
        "{after}"
    );
    let revoked_still = refusal(
        w.client
            .get_record(
                &w.hospital,
                patient,
                id,
                None,
                &w.dir.path().join("z.pdf"),
                quiet(),
            )
            .await,
    );
    assert_eq!(
        revoked_still.code,
        ErrorCode::ConsentRevoked,
        "{revoked_still}"
    );
    // Both reads during the visit are logged under it, and verified once anchored.
    caretrail_relay::audit::anchor_pending(&w.stack.relay)
        .await
        .expect("anchored")
        .expect("a run");
    let at_visit_reads: Vec<(Hash32, ReadGround, Mark)> = w
        .client
        .audit(&w.patient, patient)
        .await
        .expect("audit")
        .iter()
        .skip(2)
        .map(|r| (r.read.entry.record, r.read.entry.ground, r.mark))
        .collect();
    assert_eq!(
        at_visit_reads,
        vec![
            (id, ReadGround::Visit, Mark::Verified),
            (sealed, ReadGround::Visit, Mark::Verified),
        ]
    );

    // A kind consent covers records written after it: her next document is readable at once.
    w.client
        .grant_records(
            &w.patient,
            hospital,
            &Share::Kind("Document".into()),
            now() + 3600,
        )
        .await
        .expect("granted the kind");
    let later = w.dir.path().join("discharge-letter.pdf");
    let letter = write_document(&later, 200_000, 2);
    let stored = w
        .client
        .put_record(&w.patient, &later, "Document", w.dir.path(), quiet())
        .await
        .expect("stored");
    let out = w.dir.path().join("letter-at-hospital.pdf");
    w.client
        .get_record(
            &w.hospital,
            patient,
            stored.anchor.record_id,
            Some(patient),
            &out,
            quiet(),
        )
        .await
        .expect("the hospital reads the new document");
    assert_eq!(std::fs::read(&out).expect("read"), letter);
    w.stack.stop().await;
}

/// Anvil moves its clock with its blocks: one more block, so the chain sees the time pass.
async fn mine_a_block(stack: &Stack) {
    use alloy::providers::Provider as _;
    let provider = alloy::providers::ProviderBuilder::new()
        .connect_http(stack.rpc_url().to_string().parse().expect("url"));
    let _: serde_json::Value = provider
        .raw_request("evm_mine".into(), ())
        .await
        .expect("a block");
}

fn hex(id: &Hash32) -> String {
    id.to_string().trim_start_matches("0x").to_owned()
}

/// A signed request as the relay reads it from its header.
fn encode(signed: &SignedRelayRequest) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(signed).expect("json"))
}

#[tokio::test]
async fn every_bad_request_is_refused_with_its_code_and_nothing_is_half_written() {
    let s3 = LocalS3::start("records").expect("s3s-fs (./scripts/setup.sh installs it)");
    let mut s3 = s3;
    let w = world(&s3).await;
    let config = &w.stack.relay.config;
    let domain = Domain {
        chain_id: config.chain_id,
        records: config.record_registry,
    };
    let patient = w.patient.address();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}/v1/{path}", w.stack.relay_url);
    let kind = record_kind("Document").expect("kind");

    // A real envelope for her, in memory.
    let plaintext = b"%PDF-1.7\nan old x-ray report".to_vec();
    let envelope = envelope::encrypt(&mut rand_core::OsRng, &[w.patient.public_key()], &plaintext)
        .expect("envelope");
    let header_len = envelope::Header::parse(&envelope).expect("header").len();
    let hash = body_hash(&envelope[header_len..]);
    let id = record_id(patient, kind, hash);
    let sign = |key: &SecretKey, domain: Domain, action, subject, content, at| {
        request::sign(
            key,
            domain,
            Ask {
                action,
                patient,
                subject,
                content,
            },
            at,
            &mut rand_core::OsRng,
        )
    };
    let put = |signed: SignedRelayRequest, id: Hash32, body: Vec<u8>| {
        let request = http
            .put(url(&format!("records/{id}")))
            .header(REQUEST_HEADER, encode(&signed))
            .header(KIND_HEADER, "Document")
            .body(body);
        async move {
            let response = request.send().await.expect("relay");
            let status = response.status().as_u16();
            let text = response.text().await.expect("text");
            (
                status,
                serde_json::from_str::<UiError>(&text).map(|e| e.code).ok(),
                text,
            )
        }
    };
    let put_ok = sign(&w.patient, domain, RelayAction::RecordPut, id, hash, now());

    // Each refusal, and the bucket still empty after it.
    let other_chain = Domain {
        chain_id: domain.chain_id + 1,
        ..domain
    };
    let mut wrong_hash_body = envelope.clone();
    let last = wrong_hash_body.len() - 1;
    wrong_hash_body[last] ^= 1;
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    let not_hers = sign(&stranger, domain, RelayAction::RecordPut, id, hash, now());
    let cases: Vec<(&str, SignedRelayRequest, Vec<u8>, ErrorCode)> = vec![
        (
            "signed for another chain",
            sign(
                &w.patient,
                other_chain,
                RelayAction::RecordPut,
                id,
                hash,
                now(),
            ),
            envelope.clone(),
            ErrorCode::WrongChain,
        ),
        (
            "signature expired",
            sign(
                &w.patient,
                domain,
                RelayAction::RecordPut,
                id,
                hash,
                now() - 3600,
            ),
            envelope.clone(),
            ErrorCode::SignatureExpired,
        ),
        (
            "signed for reading, used to write",
            sign(&w.patient, domain, RelayAction::RecordGet, id, hash, now()),
            envelope.clone(),
            ErrorCode::InvalidInput,
        ),
        (
            "a body that is not the signed one",
            sign(&w.patient, domain, RelayAction::RecordPut, id, hash, now()),
            wrong_hash_body,
            ErrorCode::ContentMismatch,
        ),
        (
            "a body cut short",
            sign(&w.patient, domain, RelayAction::RecordPut, id, hash, now()),
            envelope[..envelope.len() - 10].to_vec(),
            ErrorCode::ContentMismatch,
        ),
        (
            "a malformed envelope header",
            sign(&w.patient, domain, RelayAction::RecordPut, id, hash, now()),
            b"not an envelope at all".to_vec(),
            ErrorCode::InvalidInput,
        ),
        (
            "another key uploading for her",
            not_hers,
            envelope.clone(),
            ErrorCode::NotAdmitted,
        ),
    ];
    for (name, signed, body, code) in cases {
        let (status, got, text) = put(signed, id, body).await;
        assert_eq!(got, Some(code), "{name}: {status} {text}");
        assert!(status >= 400, "{name}");
        let objects = files(&s3.root().join("records"));
        assert!(
            objects.iter().all(|o| !o.starts_with("records/")),
            "{name} left {objects:?}"
        );
    }
    assert!(w.stack.relay.db.record(id).await.expect("db").is_none());

    // The record goes in once; the same signature again is a replay; a second upload is refused.
    let (status, _, text) = put(put_ok.clone(), id, envelope.clone()).await;
    assert_eq!(status, 200, "{text}");
    let (_, got, text) = put(put_ok, id, envelope.clone()).await;
    assert_eq!(got, Some(ErrorCode::Replayed), "{text}");
    let again = sign(&w.patient, domain, RelayAction::RecordPut, id, hash, now());
    let (_, got, text) = put(again, id, envelope.clone()).await;
    assert_eq!(got, Some(ErrorCode::RecordExists), "{text}");
    // Anchored through the relay with her signature; a signature by anyone else is refused.
    let anchor = caretrail_types::OwnAnchor {
        patient,
        kind,
        ciphertext_hash: hash,
        deadline: now() + 600,
    };
    let forged = caretrail_crypto::record::sign_own_anchor(
        &stranger,
        config.chain_id,
        config.record_registry,
        &anchor,
    );
    let response = http
        .post(url("records/anchors"))
        .json(&caretrail_types::OwnAnchorRequest {
            anchor,
            signature: forged,
        })
        .send()
        .await
        .expect("relay");
    assert_eq!(
        response.json::<UiError>().await.expect("json").code,
        ErrorCode::BadSignature
    );
    let signature = caretrail_crypto::record::sign_own_anchor(
        &w.patient,
        config.chain_id,
        config.record_registry,
        &anchor,
    );
    let anchored: caretrail_types::AnchoredRecord = http
        .post(url("records/anchors"))
        .json(&caretrail_types::OwnAnchorRequest { anchor, signature })
        .send()
        .await
        .expect("relay")
        .json()
        .await
        .expect("anchored");
    assert_eq!(anchored.anchor.record_id, id);

    // An oversized record: a FHIR kind is capped at 64 KiB.
    let big = vec![7u8; 70 * 1024];
    let big_envelope = envelope::encrypt(&mut rand_core::OsRng, &[w.patient.public_key()], &big)
        .expect("envelope");
    let big_hash = body_hash(&big_envelope[header_len..]);
    let fhir = record_kind("DiagnosticReport").expect("kind");
    let big_id = record_id(patient, fhir, big_hash);
    let signed = sign(
        &w.patient,
        domain,
        RelayAction::RecordPut,
        big_id,
        big_hash,
        now(),
    );
    let response = http
        .put(url(&format!("records/{big_id}")))
        .header(REQUEST_HEADER, encode(&signed))
        .header(KIND_HEADER, "DiagnosticReport")
        .body(big_envelope)
        .send()
        .await
        .expect("relay");
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.json::<UiError>().await.expect("json").code,
        ErrorCode::TooLarge
    );
    // The cap is what she stores: a FHIR record of exactly 64 KiB goes in (its envelope body is
    // 16 bytes longer).
    let exact = vec![b' '; 64 * 1024];
    let exact_envelope =
        envelope::encrypt(&mut rand_core::OsRng, &[w.patient.public_key()], &exact)
            .expect("envelope");
    let exact_hash = body_hash(&exact_envelope[header_len..]);
    let exact_id = record_id(patient, fhir, exact_hash);
    let signed = sign(
        &w.patient,
        domain,
        RelayAction::RecordPut,
        exact_id,
        exact_hash,
        now(),
    );
    let response = http
        .put(url(&format!("records/{exact_id}")))
        .header(REQUEST_HEADER, encode(&signed))
        .header(KIND_HEADER, "DiagnosticReport")
        .body(exact_envelope)
        .send()
        .await
        .expect("relay");
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().await.expect("text")
    );

    // A grant to a participant who is not admitted.
    let nobody = Address([0x55; 20]);
    let refused = refusal(
        w.client
            .grant_records(&w.patient, nobody, &Share::Record(id), now() + 600)
            .await,
    );
    assert_eq!(refused.code, ErrorCode::NotAdmitted, "{refused}");
    // ... also when a client skips its own check and asks the relay directly.
    let grant = caretrail_types::ConsentGrant {
        patient,
        grantee: nobody,
        scope: caretrail_types::ConsentScope::Record,
        target: id,
        expires_at: now() + 600,
        nonce: 0,
        deadline: now() + 600,
    };
    let signature = caretrail_chain::sign_consent_grant(
        &w.patient,
        config.chain_id,
        config.record_registry,
        &grant,
    );
    let response = http
        .post(url("consents"))
        .json(&caretrail_types::ConsentGrantRequest { grant, signature })
        .send()
        .await
        .expect("relay");
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        response.json::<UiError>().await.expect("json").code,
        ErrorCode::NotAdmitted
    );

    // An expired consent: granted for a moment, read after it passed.
    w.client
        .grant_records(
            &w.patient,
            w.hospital.address(),
            &Share::Kind("Document".into()),
            now() + 2,
        )
        .await
        .expect("granted briefly");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    // The chain's clock moves with its blocks: one more block after the expiry.
    mine_a_block(&w.stack).await;
    let expired = refusal(
        w.client
            .get_record(
                &w.hospital,
                patient,
                id,
                None,
                &w.dir.path().join("e.pdf"),
                quiet(),
            )
            .await,
    );
    assert_eq!(expired.code, ErrorCode::ConsentExpired, "{expired}");

    // The store goes down: a clear storage_unavailable, and once it is back, nothing is lost.
    s3.stop();
    let down = refusal(
        w.client
            .get_record(
                &w.patient,
                patient,
                id,
                None,
                &w.dir.path().join("d.pdf"),
                quiet(),
            )
            .await,
    );
    assert_eq!(down.code, ErrorCode::StorageUnavailable, "{down}");
    s3.restart().expect("s3s-fs restarts");
    let back = w.dir.path().join("back.pdf");
    w.client
        .get_record(&w.patient, patient, id, Some(patient), &back, quiet())
        .await
        .expect("read after the store came back");
    assert_eq!(std::fs::read(&back).expect("read"), plaintext);
    assert!(
        record_of(&w.stack.rpc_url(), config.patient_registry, patient)
            .await
            .expect("chain")
            .is_some()
    );
    w.stack.stop().await;
}
