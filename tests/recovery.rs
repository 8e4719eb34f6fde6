//! Recovery of a registration to a new key, end to end: a real anvil whose clock the tests move
//! past the 7-day timelock, the relay's verification unit (real face match), the sandbox, the
//! client and the command line. A lost key recovered; the current key saying no; a hijacked NID
//! returned to its owner through the health authority; and each refusal.

mod common;

use caretrail::stack::Stack;
use caretrail_chain::{holder_of_nid, is_registered, record_of};
use caretrail_client::{Client, ClientError, RecoveryForm, RecoveryStatus, RegistrationForm};
use caretrail_crypto::SecretKey;
use caretrail_crypto::recovery::{RegistryDomain, sign_cancellation, sign_recovery};
use caretrail_types::{
    CancellationRequest, CardNumber, ErrorCode, Hash32, Nid, RECOVERY_TIMELOCK_SECS,
    RecoverRequest, RecoveryCancellation, RecoveryProposal, RecoveryVerified, SignedRecovery,
    UiError,
};
use common::{PASSWORD, existing, password, photo, policy_document, registration_stack, wallet};
use tempfile::TempDir;

const ERIK: &str = "19710302-4411";
const ERIK_CARD: &str = "MMH-1001-0001";
const HANNE: &str = "19680915-2284";
const HANNE_CARD: &str = "MMH-1001-0002";
fn erik_recovering() -> RecoveryForm {
    RecoveryForm {
        nid: ERIK.into(),
        card_number: ERIK_CARD.into(),
        photo: photo("jesper_2.jpg"),
    }
}

/// Registers Erik (his NID, card and face) with the key of a new wallet in `dir`; returns H.
async fn register_erik(client: &Client, dir: &TempDir) -> Hash32 {
    let form = RegistrationForm {
        nid: ERIK.into(),
        card_number: ERIK_CARD.into(),
        policy_document: policy_document("meridian-gold.json"),
        photo: photo("jesper_2.jpg"),
    };
    client
        .register(&wallet(dir), &form, &password(), |_| {})
        .await
        .expect("registered")
        .receipt
        .record
}

fn refusal<T: std::fmt::Debug>(result: Result<T, ClientError>, what: &str) -> UiError {
    match result {
        Ok(v) => panic!("{what}: accepted ({v:?})"),
        Err(e) => UiError::from(e),
    }
}

/// Moves anvil's clock past the recovery timelock and mines a block there.
async fn pass_the_timelock(stack: &Stack) {
    stack
        .node()
        .pass_time(RECOVERY_TIMELOCK_SECS + 1)
        .await
        .expect("time passes");
}

fn key_of(dir: &TempDir) -> SecretKey {
    wallet(dir).unlock(&existing()).expect("the wallet's key")
}

#[tokio::test]
async fn a_lost_key_is_recovered_and_the_old_key_loses_the_registration() {
    let stack = registration_stack().await;
    let client = Client::new(&stack.relay_url).expect("client");
    let (lost, new) = (TempDir::new().expect("dir"), TempDir::new().expect("dir"));
    let record = register_erik(&client, &lost).await;
    let lost_key = key_of(&lost).address();

    // On a new device: re-verified (NID, face, card) and proposed by the verification unit.
    let proposed = client
        .recover(&wallet(&new), &erik_recovering(), &password())
        .await
        .expect("proposed");
    assert!(proposed.phrase.is_some(), "a new key, with its phrase");
    let new_key = key_of(&new).address();
    let pending = proposed.proposal.pending;
    assert_eq!(
        (pending.record, pending.from, pending.to),
        (record, lost_key, new_key)
    );
    assert!(!pending.proposer_is_authority);
    let profile = wallet(&new).profile().expect("profile").expect("kept");
    assert_eq!((profile.patient, profile.record), (new_key, record));

    // Both devices see it, each from its side; nothing moved yet.
    let (_, status) = client
        .recovery_status(&wallet(&new))
        .await
        .expect("status")
        .expect("pending");
    assert!(
        matches!(status, RecoveryStatus::Incoming { ready: false, .. }),
        "{status:?}"
    );
    let (_, status) = client
        .recovery_status(&wallet(&lost))
        .await
        .expect("status")
        .expect("pending");
    assert!(
        matches!(status, RecoveryStatus::Outgoing { to, may_cancel: true, .. } if to == new_key),
        "{status:?}"
    );
    let early = refusal(
        client.finish_recovery(&wallet(&new)).await,
        "executed before the timelock",
    );
    assert_eq!(early.code, ErrorCode::NoRecoveryPending, "{early}");
    assert!(early.message.contains("timelock"), "{early}");
    // While one is pending, a second re-verification is refused.
    let other = TempDir::new().expect("dir");
    let again = refusal(
        client
            .recover(&wallet(&other), &erik_recovering(), &password())
            .await,
        "two recoveries at once",
    );
    assert_eq!(again.code, ErrorCode::RecoveryPending, "{again}");

    // After the timelock, the new device finishes it and logs in with H; the lost key cannot.
    pass_the_timelock(&stack).await;
    client
        .finish_recovery(&wallet(&new))
        .await
        .expect("executed");
    let rpc = stack.rpc_url();
    let patients = stack.deployment.registries.patients;
    assert!(
        is_registered(&rpc, patients, new_key, record)
            .await
            .expect("asks")
    );
    assert_eq!(
        record_of(&rpc, patients, lost_key).await.expect("asks"),
        None
    );
    let session = client
        .login(&wallet(&new), ERIK, &existing(), &record.to_string())
        .await
        .expect("logged in with the new key");
    assert_eq!((session.patient, session.record), (new_key, record));
    let refused = refusal(
        client
            .login(&wallet(&lost), ERIK, &existing(), &record.to_string())
            .await,
        "the lost key logged in",
    );
    assert_eq!(refused.code, ErrorCode::ForeignKey, "{refused}");
    assert_eq!(
        client.recovery_status(&wallet(&new)).await.expect("status"),
        None,
        "nothing pending any more"
    );
}

#[tokio::test]
async fn the_key_that_holds_the_registration_cancels_a_recovery_it_did_not_ask_for() {
    let stack = registration_stack().await;
    let client = Client::new(&stack.relay_url).expect("client");
    let (holder, other) = (TempDir::new().expect("dir"), TempDir::new().expect("dir"));
    let record = register_erik(&client, &holder).await;
    client
        .recover(&wallet(&other), &erik_recovering(), &password())
        .await
        .expect("proposed");

    // The recovering device cannot cancel it, and nor can a stranger's signature sent directly.
    let not_hers = refusal(
        client.cancel_recovery(&wallet(&other), &existing()).await,
        "the new key cancelled",
    );
    assert_eq!(not_hers.code, ErrorCode::ForeignKey, "{not_hers}");
    let network = client.network().await.expect("network");
    let (pending, _) = client
        .recovery_status(&wallet(&holder))
        .await
        .expect("status")
        .expect("pending");
    let cancellation = RecoveryCancellation {
        nid_commitment: pending.nid_commitment,
        nonce: 0,
        deadline: caretrail_client::unix_now() + 600,
    };
    let domain = RegistryDomain {
        chain_id: network.chain_id,
        patients: network.patient_registry,
    };
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    let relay = reqwest::Client::new();
    let url = format!("{}/v1/recoveries/cancellations", stack.relay_url);
    let forged = relay
        .post(&url)
        .json(&CancellationRequest {
            cancellation,
            signature: sign_cancellation(&stranger, domain, &cancellation),
        })
        .send()
        .await
        .expect("relay answers");
    assert_eq!(forged.status(), 401);
    let error: UiError = forged.json().await.expect("error");
    assert_eq!(error.code, ErrorCode::BadSignature, "{error}");

    // Her key says no: nothing is pending, and after the timelock nothing moves.
    client
        .cancel_recovery(&wallet(&holder), &existing())
        .await
        .expect("cancelled");
    assert_eq!(
        client
            .recovery_status(&wallet(&holder))
            .await
            .expect("status"),
        None
    );
    let nothing = refusal(
        client.cancel_recovery(&wallet(&holder), &existing()).await,
        "cancelled twice",
    );
    assert_eq!(nothing.code, ErrorCode::NoRecoveryPending, "{nothing}");
    pass_the_timelock(&stack).await;
    let gone = refusal(
        client.finish_recovery(&wallet(&other)).await,
        "a cancelled recovery executed",
    );
    assert_eq!(gone.code, ErrorCode::NoRecoveryPending, "{gone}");
    let held = key_of(&holder).address();
    assert!(
        is_registered(&stack.rpc_url(), network.patient_registry, held, record)
            .await
            .expect("asks"),
        "still hers"
    );
}

async fn caretrail(args: &[&str], wallet: &TempDir) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
        .args(args)
        .env("CARETRAIL_PASSWORD", PASSWORD)
        .env("CARETRAIL_WALLET", wallet.path())
        .env_remove("CARETRAIL_RELAY_URL")
        .env_remove("CARETRAIL_AUTHORITY_KEY")
        .output()
        .await
        .expect("caretrail runs")
}

/// `caretrail authority recover FILE` at `relay`, as the holder of `key` (hex).
async fn authority_recover(
    file: &std::path::Path,
    relay: &str,
    key: &str,
    wallet: &TempDir,
) -> std::process::Output {
    let file = file.to_str().expect("path");
    caretrail(
        &[
            "authority",
            "recover",
            file,
            "--relay",
            relay,
            "--authority-key",
            key,
        ],
        wallet,
    )
    .await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_hijacked_nid_is_returned_to_its_owner_through_the_health_authority() {
    let stack = registration_stack().await;
    let client = Client::new(&stack.relay_url).expect("client");
    let relay = stack.relay_url.as_str();
    // Mallory registered Erik's NID with a stolen photo and card.
    let (mallory, erik) = (TempDir::new().expect("dir"), TempDir::new().expect("dir"));
    let record = register_erik(&client, &mallory).await;
    let mallory_key = key_of(&mallory).address();

    // Erik recovers through the verification unit; Mallory's key cancels that.
    let out = caretrail(
        &[
            "patient",
            "recover",
            "--nid",
            ERIK,
            "--card",
            ERIK_CARD,
            "--photo",
            photo_path().as_str(),
            "--relay",
            relay,
        ],
        &erik,
    )
    .await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("proposed"),
        "{}",
        text(&out.stdout)
    );
    let out = caretrail(&["patient", "recovery", "--relay", relay], &mallory).await;
    assert!(
        text(&out.stdout).contains("WARNING"),
        "{}",
        text(&out.stdout)
    );
    let out = caretrail(
        &["patient", "recovery", "--cancel", "--relay", relay],
        &mallory,
    )
    .await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // So Erik takes a signed recovery to the health authority, which proposes it.
    let request = erik.path().join("recovery.json");
    let out = caretrail(
        &[
            "patient",
            "recover",
            "--nid",
            ERIK,
            "--card",
            ERIK_CARD,
            "--photo",
            photo_path().as_str(),
            "--for-authority",
            request.to_str().expect("path"),
            "--relay",
            relay,
        ],
        &erik,
    )
    .await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let authority = hex::encode(stack.node().dev_signer(0).to_bytes());
    // A stranger is not the authority; a tampered request is refused before any gas is spent.
    let stranger = hex::encode(stack.node().dev_signer(9).to_bytes());
    let out = authority_recover(&request, relay, &stranger, &erik).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not_admitted"),
        "{}",
        text(&out.stderr)
    );
    let mut tampered: SignedRecovery =
        serde_json::from_slice(&std::fs::read(&request).expect("read")).expect("json");
    tampered.ticket.body.recovery.to = mallory_key;
    let tampered_file = erik.path().join("tampered.json");
    std::fs::write(&tampered_file, serde_json::to_vec(&tampered).expect("json")).expect("write");
    let out = authority_recover(&tampered_file, relay, &authority, &erik).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("ticket_refused"),
        "{}",
        text(&out.stderr)
    );
    let out = authority_recover(&request, relay, &authority, &erik).await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // Mallory's key cannot cancel the authority's recovery, through his app or the relay.
    let (pending, status) = client
        .recovery_status(&wallet(&mallory))
        .await
        .expect("status")
        .expect("pending");
    assert!(pending.proposer_is_authority);
    assert!(
        matches!(
            status,
            RecoveryStatus::Outgoing {
                may_cancel: false,
                ..
            }
        ),
        "{status:?}"
    );
    let no = refusal(
        client.cancel_recovery(&wallet(&mallory), &existing()).await,
        "the hijacker cancelled the authority's recovery",
    );
    assert_eq!(no.code, ErrorCode::NotAdmitted, "{no}");
    let network = client.network().await.expect("network");
    let cancellation = caretrail_chain::cancellation(
        &stack.rpc_url(),
        network.patient_registry,
        pending.nid_commitment,
        caretrail_client::unix_now() + 600,
    )
    .await
    .expect("asks")
    .expect("pending");
    let domain = RegistryDomain {
        chain_id: network.chain_id,
        patients: network.patient_registry,
    };
    let answer = reqwest::Client::new()
        .post(format!("{relay}/v1/recoveries/cancellations"))
        .json(&CancellationRequest {
            cancellation,
            signature: sign_cancellation(&key_of(&mallory), domain, &cancellation),
        })
        .send()
        .await
        .expect("relay answers");
    let error: UiError = answer.json().await.expect("error");
    assert_eq!(error.code, ErrorCode::NotAdmitted, "{error}");

    // After the timelock, Erik's key holds his registration and logs in with it.
    pass_the_timelock(&stack).await;
    let out = caretrail(
        &["patient", "recovery", "--finish", "--relay", relay],
        &erik,
    )
    .await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let erik_key = key_of(&erik).address();
    assert_eq!(
        holder_of_nid(
            &stack.rpc_url(),
            network.patient_registry,
            pending.nid_commitment
        )
        .await
        .expect("asks"),
        Some(erik_key)
    );
    client
        .login(&wallet(&erik), ERIK, &existing(), &record.to_string())
        .await
        .expect("Erik logs in");
}

fn photo_path() -> String {
    caretrail::stack::default_assets_dir()
        .join("photos/jesper_2.jpg")
        .to_string_lossy()
        .into_owned()
}

/// What the verification unit and the relay refuse, each with its code, nothing proposed.
#[tokio::test]
async fn the_verification_unit_refuses_what_it_cannot_recover() {
    let stack = registration_stack().await;
    let client = Client::new(&stack.relay_url).expect("client");
    let holder = TempDir::new().expect("dir");
    let record = register_erik(&client, &holder).await;
    let relay = reqwest::Client::new();
    let verify = |request: RecoverRequest| {
        let relay = relay.clone();
        let url = format!("{}/v1/recoveries/verify", stack.relay_url);
        async move {
            let answer = relay
                .post(url)
                .json(&request)
                .send()
                .await
                .expect("answers");
            if answer.status().is_success() {
                Ok(answer.json::<RecoveryVerified>().await.expect("verified"))
            } else {
                Err(answer.json::<UiError>().await.expect("error"))
            }
        }
    };
    let new_key = SecretKey::generate(&mut rand_core::OsRng);
    let request = |nid: &str, card: &str, photo_name: &str, to| RecoverRequest {
        nid: Nid::parse(nid).expect("nid"),
        card_number: CardNumber::parse(card).expect("card"),
        patient: to,
        photo: photo(photo_name),
    };
    // Nobody registered under Hanne's NID; Erik's NID with another face; a key that holds a
    // registration already.
    let cases = [
        (
            request(HANNE, HANNE_CARD, "anne_helene.jpg", new_key.address()),
            ErrorCode::NotRegistered,
        ),
        (
            request(ERIK, ERIK_CARD, "anne_helene.jpg", new_key.address()),
            ErrorCode::FaceMismatch,
        ),
        (
            request(ERIK, ERIK_CARD, "jesper_2.jpg", key_of(&holder).address()),
            ErrorCode::AlreadyRegistered,
        ),
    ];
    for (case, code) in cases {
        let error = verify(case).await.expect_err("refused");
        assert_eq!(error.code, code, "{error}");
        assert!(!error.message.contains("distance"), "no distance: {error}");
    }

    // A good ticket; then what the relay refuses to propose.
    let verified = verify(request(ERIK, ERIK_CARD, "jesper_2.jpg", new_key.address()))
        .await
        .expect("re-verified");
    assert_eq!(verified.ticket.body.record, record);
    let network = client.network().await.expect("network");
    let domain = RegistryDomain {
        chain_id: network.chain_id,
        patients: network.patient_registry,
    };
    let propose = |signed: SignedRecovery| {
        let relay = relay.clone();
        let url = format!("{}/v1/recoveries", stack.relay_url);
        async move {
            let answer = relay.post(url).json(&signed).send().await.expect("answers");
            if answer.status().is_success() {
                Ok(answer.json::<RecoveryProposal>().await.expect("proposal"))
            } else {
                Err(answer.json::<UiError>().await.expect("error"))
            }
        }
    };
    let recovery = verified.ticket.body.recovery;
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    let by_stranger = SignedRecovery {
        ticket: verified.ticket.clone(),
        new_key_signature: sign_recovery(&stranger, domain, &recovery),
    };
    let error = propose(by_stranger).await.expect_err("refused");
    assert_eq!(error.code, ErrorCode::BadSignature, "{error}");
    let mut forged = SignedRecovery {
        ticket: verified.ticket.clone(),
        new_key_signature: sign_recovery(&new_key, domain, &recovery),
    };
    forged.ticket.body.holder = stranger.address();
    let error = propose(forged).await.expect_err("refused");
    assert_eq!(error.code, ErrorCode::TicketRefused, "{error}");
    assert_eq!(
        client
            .recovery_status(&wallet(&holder))
            .await
            .expect("status"),
        None,
        "nothing proposed"
    );
    let proposal = propose(SignedRecovery {
        ticket: verified.ticket,
        new_key_signature: sign_recovery(&new_key, domain, &recovery),
    })
    .await
    .expect("proposed");
    assert_eq!(proposal.pending.to, new_key.address());
}
