//! `caretrail authority ...`: the health authority admits and blocks health organizations. A
//! licence is admitted only when the government health-service registry lists it as active; the
//! organization's key (its signing address and its encryption key) goes on chain with it.

use crate::policy::coded;
use caretrail_chain::{PrivateKeySigner, admit, licence_holder, participant, rpc_url, set_status};
use caretrail_client::Client;
use caretrail_crypto::PublicKey;
use caretrail_types::{
    Admission, ErrorCode, Licence, LicenceKind, LicenceLookup, LicenceNumber, LicenceStatus,
    NetworkInfo, ParticipantKind, ParticipantStatus, UiError,
};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AuthorityCommand {
    /// Admits a health organization after checking its licence with the government registry.
    Admit(AdmitArgs),
    /// Blocks a health organization for good (by licence): it can do nothing any more.
    Block(BlockArgs),
    /// Proposes the recovery of a registration whose national ID someone else registered, from
    /// the patient's signed recovery (`caretrail patient recover --for-authority FILE`): only
    /// the health authority may cancel it, so the hijacker's key cannot.
    Recover(RecoverArgs),
}

#[derive(Debug, Args)]
struct Common {
    /// The relay that names the chain and its registries.
    #[arg(
        long,
        env = "CARETRAIL_RELAY_URL",
        default_value = "http://127.0.0.1:7780"
    )]
    relay: String,
    /// The health authority's private key (hex). In the local stack: anvil's account 0.
    #[arg(long, env = "CARETRAIL_AUTHORITY_KEY", hide_env_values = true)]
    authority_key: String,
}

#[derive(Debug, Args)]
pub struct AdmitArgs {
    /// The organization's licence number in the government registry.
    licence: String,
    /// The organization's public key (SEC1 hex, 33 or 65 bytes): it signs with it and records
    /// are encrypted to it.
    #[arg(long)]
    public_key: String,
    /// The government health-service registry's base URL.
    #[arg(
        long,
        env = "CARETRAIL_GOV_REGISTRY",
        default_value = "http://127.0.0.1:7781/gov"
    )]
    registry: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct BlockArgs {
    /// The organization's licence number.
    licence: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The patient's signed recovery (JSON): the verification unit's ticket and her new key's
    /// signature.
    #[arg(value_name = "FILE")]
    request: std::path::PathBuf,
    #[command(flatten)]
    common: Common,
}

pub async fn run(command: AuthorityCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuthorityCommand::Admit(args) => admit_organization(args).await,
        AuthorityCommand::Block(args) => block(args).await,
        AuthorityCommand::Recover(args) => recover(args).await,
    }
}

/// Checks the signed recovery (a ticket from a verification unit of this network, unexpired, and
/// her new key's signature) before any gas is spent, then proposes it as the health authority.
async fn recover(args: RecoverArgs) -> anyhow::Result<ExitCode> {
    use caretrail_crypto::recovery::{RegistryDomain, check_ticket, recovery_signer};
    let text = std::fs::read(&args.request).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("cannot read {}: {e}", args.request.display()),
        )
    })?;
    let signed: caretrail_types::SignedRecovery = serde_json::from_slice(&text).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("{} is not a signed recovery: {e}", args.request.display()),
        )
    })?;
    let authority = authority(&args.common.authority_key)?;
    let (rpc, network) = chain_of(&args.common.relay).await?;
    let ticket = &signed.ticket;
    let verifier = ticket.body.verifier;
    let is_verifier =
        caretrail_chain::is_verifier(&rpc, network.participant_registry, verifier).await?;
    check_ticket(
        ticket,
        |signer| is_verifier && signer == verifier,
        caretrail_client::unix_now(),
    )
    .map_err(|e| refused(ErrorCode::TicketRefused, e.to_string()))?;
    let recovery = &ticket.body.recovery;
    let domain = RegistryDomain {
        chain_id: network.chain_id,
        patients: network.patient_registry,
    };
    match recovery_signer(domain, recovery, &signed.new_key_signature) {
        Ok(signer) if signer == recovery.to => {}
        _ => {
            return Err(refused(
                ErrorCode::BadSignature,
                format!("the recovery is not signed by its new key {}", recovery.to),
            ));
        }
    }
    let proposal = caretrail_chain::Relayer::new(&rpc, authority)
        .propose_recovery(
            network.patient_registry,
            recovery,
            &signed.new_key_signature,
        )
        .await
        .map_err(|e| refused(e.code(), e.to_string()))?;
    println!(
        "proposed the recovery of {} from {} to {}",
        proposal.pending.record, proposal.pending.from, proposal.pending.to
    );
    println!("executable from {}", proposal.pending.executable_at);
    println!("tx id    {}", proposal.tx_id);
    Ok(ExitCode::SUCCESS)
}

fn refused(code: ErrorCode, message: impl Into<String>) -> anyhow::Error {
    coded(UiError::new(code, message))
}

fn authority(key: &str) -> anyhow::Result<PrivateKeySigner> {
    key.trim().parse().map_err(|_| {
        refused(
            ErrorCode::InvalidInput,
            "the authority key is not a secp256k1 private key in hex",
        )
    })
}

/// The chain and registries the relay names.
async fn chain_of(relay: &str) -> anyhow::Result<(caretrail_chain::RpcUrl, NetworkInfo)> {
    let client = Client::new(relay).map_err(UiError::from).map_err(coded)?;
    let network = client
        .network()
        .await
        .map_err(UiError::from)
        .map_err(coded)?;
    Ok((rpc_url(&network.rpc_url)?, network))
}

/// The licence as the government registry lists it.
pub async fn look_up_licence(registry: &str, licence: &LicenceNumber) -> anyhow::Result<Licence> {
    let url = format!("{}/v1/licences/lookup", registry.trim_end_matches('/'));
    // A registry that answers a redirect is failing: it is not followed.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| refused(ErrorCode::ServiceUnavailable, e.to_string()))?
        .post(&url)
        .json(&LicenceLookup {
            licence: licence.clone(),
        })
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .map_err(|e| {
            refused(
                ErrorCode::ServiceUnavailable,
                format!("the government registry at {registry} cannot be reached: {e}"),
            )
        })?;
    match response.status() {
        s if s.is_success() => {
            let found: Licence = response.json().await.map_err(|e| {
                refused(
                    ErrorCode::ServiceUnavailable,
                    format!("the government registry answered nonsense: {e}"),
                )
            })?;
            if &found.licence != licence {
                return Err(refused(
                    ErrorCode::ServiceUnavailable,
                    "the government registry answered for another licence",
                ));
            }
            Ok(found)
        }
        reqwest::StatusCode::NOT_FOUND => Err(refused(
            ErrorCode::LicenceRefused,
            format!("the government registry lists no licence {licence}; it is not admitted"),
        )),
        status => Err(refused(
            ErrorCode::ServiceUnavailable,
            format!("the government registry answered {status}"),
        )),
    }
}

async fn admit_organization(args: AdmitArgs) -> anyhow::Result<ExitCode> {
    let licence = LicenceNumber::parse(&args.licence)
        .map_err(|e| refused(ErrorCode::InvalidInput, e.to_string()))?;
    let key_bytes = hex::decode(args.public_key.trim().trim_start_matches("0x")).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("the public key is not hex: {e}"),
        )
    })?;
    let public_key = PublicKey::from_sec1_bytes(&key_bytes).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("the public key is not a secp256k1 key: {e}"),
        )
    })?;
    let authority = authority(&args.common.authority_key)?;

    let listed = look_up_licence(&args.registry, &licence).await?;
    match (listed.status, listed.kind) {
        (
            LicenceStatus::Active,
            LicenceKind::Hospital | LicenceKind::Clinic | LicenceKind::Laboratory,
        ) => {}
        (LicenceStatus::Active, LicenceKind::Insurer) => {
            return Err(refused(
                ErrorCode::LicenceRefused,
                format!("{licence} is an insurer's licence, not a health organization's"),
            ));
        }
        (status, _) => {
            return Err(refused(
                ErrorCode::LicenceRefused,
                format!(
                    "the government registry lists {licence} ({}) as {}; it is not admitted",
                    listed.name,
                    match status {
                        LicenceStatus::Suspended => "suspended",
                        LicenceStatus::Revoked => "revoked",
                        LicenceStatus::Active => "active",
                    }
                ),
            ));
        }
    }
    let (rpc, network) = chain_of(&args.common.relay).await?;
    let admission = Admission {
        signer: public_key.address(),
        kind: ParticipantKind::HealthOrganization,
        licence_id: licence.to_string(),
        name: listed.name.clone(),
        encryption_key: public_key.to_compressed().to_vec(),
    };
    let tx = admit(&rpc, authority, network.participant_registry, &admission)
        .await
        .map_err(|e| refused(e.code(), e.to_string()))?;
    println!(
        "admitted {} ({licence}) as {}",
        listed.name, admission.signer
    );
    println!("tx id    {tx}");
    Ok(ExitCode::SUCCESS)
}

async fn block(args: BlockArgs) -> anyhow::Result<ExitCode> {
    let licence = LicenceNumber::parse(&args.licence)
        .map_err(|e| refused(ErrorCode::InvalidInput, e.to_string()))?;
    let authority = authority(&args.common.authority_key)?;
    let (rpc, network) = chain_of(&args.common.relay).await?;
    let holder = licence_holder(&rpc, network.participant_registry, licence.as_str())
        .await?
        .ok_or_else(|| {
            refused(
                ErrorCode::InvalidInput,
                format!("no participant holds the licence {licence}"),
            )
        })?;
    let event = set_status(
        &rpc,
        authority,
        network.participant_registry,
        holder,
        ParticipantStatus::Blocked,
    )
    .await
    .map_err(|e| refused(e.code(), e.to_string()))?;
    let name = participant(&rpc, network.participant_registry, holder)
        .await?
        .map(|p| p.admission.name)
        .unwrap_or_default();
    println!("blocked {name} ({licence}, {holder})");
    tracing::debug!(?event, "status changed");
    Ok(ExitCode::SUCCESS)
}
