//! `caretrail records ...`: the patient's records from the command line: list, put (a file,
//! encrypted here, with progress on stderr), get (checked against its anchor, decrypted here),
//! grant, revoke, and the access log checked against the chain. The key comes from the wallet
//! directory (as for `caretrail patient`), the password from `CARETRAIL_PASSWORD` or a prompt.

use crate::patient::{Common, password, wallet};
use crate::policy::{coded, failed};
use caretrail_client::{Client, Share, Transfer, TransferProgress, Writer, unix_now as now};
use caretrail_crypto::SecretKey;
use caretrail_protocol::audit::Mark;
use caretrail_types::{Address, ErrorCode, Hash32, UiError, format_unix_utc};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Your records: the chain's anchors joined with what the relay holds.
    List(ListArgs),
    /// Uploads a file as your record (encrypted on this device), and anchors it.
    Put(PutArgs),
    /// Reads a record back, checks it against its anchor, and decrypts it into a file.
    Get(GetArgs),
    /// Lets an admitted participant read one record, or every record of a kind, until a time.
    Grant(GrantArgs),
    /// Takes back a participant's access (what was already read cannot be taken back).
    Revoke(RevokeArgs),
    /// The reads of your records, each checked against the roots the relay anchored.
    Audit(AuditArgs),
    /// Your bills: each hospital's claim, the insurer's answers, and what your policy says.
    Bills(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct PutArgs {
    /// The file (a PDF, an image, or a FHIR resource as JSON).
    file: PathBuf,
    /// The record's kind: `Document` for a file as it is, or a FHIR resource type.
    #[arg(long, default_value = caretrail_types::DOCUMENT_KIND)]
    kind: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The record's id (0x followed by 64 hex digits).
    id: Hash32,
    /// Where to write the decrypted record (written only once it checked).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Whose record it is, when it is not yours (you read it as a grantee).
    #[arg(long)]
    patient: Option<Address>,
    /// Trust it only when this address anchored it.
    #[arg(long)]
    author: Option<Address>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "what")]
pub struct What {
    /// One record, by id.
    #[arg(long, group = "what")]
    record: Option<Hash32>,
    /// Every record of a kind (e.g. Document).
    #[arg(long, group = "what")]
    kind: Option<String>,
}

impl What {
    fn share(&self) -> Share {
        match (&self.record, &self.kind) {
            (Some(id), _) => Share::Record(*id),
            (None, Some(kind)) => Share::Kind(kind.clone()),
            (None, None) => unreachable!("clap requires one"),
        }
    }
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The reader: an admitted participant's address.
    reader: Address,
    #[command(flatten)]
    what: What,
    /// For how long: e.g. 30m, 12h, 7d.
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    duration: u64,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The reader whose access ends.
    reader: Address,
    #[command(flatten)]
    what: What,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Whose records, when not yours (you see only the reads you made).
    #[arg(long)]
    patient: Option<Address>,
    #[command(flatten)]
    common: Common,
}

/// `30m`, `12h`, `7d` (or plain seconds) in seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30m, 12h or 7d"))?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("{text:?}: the unit is s, m, h or d")),
    };
    n.checked_mul(scale)
        .filter(|s| *s > 0)
        .ok_or_else(|| format!("{text:?} is not a usable duration"))
}

pub async fn run(command: RecordsCommand) -> anyhow::Result<ExitCode> {
    match command {
        RecordsCommand::List(args) => list(args).await,
        RecordsCommand::Put(args) => put(args).await,
        RecordsCommand::Get(args) => get(args).await,
        RecordsCommand::Grant(args) => grant(args).await,
        RecordsCommand::Revoke(args) => revoke(args).await,
        RecordsCommand::Audit(args) => audit(args).await,
        RecordsCommand::Bills(args) => bills(args).await,
    }
}

/// The client and her key, unlocked with her password.
async fn open(common: &Common) -> anyhow::Result<(Client, SecretKey)> {
    let password = password()?;
    let key = wallet(&common.wallet)
        .unlock(&password)
        .map_err(UiError::from)
        .map_err(coded)?;
    Ok((common.client().await?, key))
}

/// Progress on stderr: a line per whole percent of a transfer (none with `--json`).
pub(crate) fn progress(quiet: bool) -> TransferProgress {
    let last = Arc::new(Mutex::new((0u8, 101u64)));
    Arc::new(move |step: Transfer| {
        if quiet {
            return;
        }
        let (label, done, total) = match step {
            Transfer::Encrypting { done, total } => ("encrypting", done, total),
            Transfer::Uploading { done, total } => ("uploading", done, total),
            Transfer::Downloading { done, total } => ("downloading", done, total),
            Transfer::Decrypting => return eprintln!("… decrypting"),
            Transfer::Anchoring => return eprintln!("… anchoring on chain"),
        };
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let tag = match step {
            Transfer::Encrypting { .. } => 0,
            Transfer::Uploading { .. } => 1,
            _ => 2,
        };
        let Ok(mut last) = last.lock() else { return };
        if *last != (tag, percent) {
            *last = (tag, percent);
            eprintln!("{label} {percent:>3}%  ({done} of {total} bytes)");
        }
    })
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let (client, key) = open(&args.common).await?;
    let listed = client.list_records(&key).await.map_err(failed)?;
    if args.common.json {
        let rows: Vec<_> = listed
            .iter()
            .map(|l| {
                serde_json::json!({
                    "id": l.id,
                    "kind": l.kind,
                    "author": l.anchor.as_ref().map(|a| a.0.author),
                    "anchored_in": l.anchor.as_ref().map(|a| a.1),
                    "size": l.stored.as_ref().map(|s| s.size),
                    "stored_at": l.stored.as_ref().map(|s| s.stored_at),
                    "writer": l.writer,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if listed.is_empty() {
        println!("no records yet");
    }
    for l in &listed {
        println!("{}  {}", l.id, l.kind);
        match &l.anchor {
            Some((anchor, tx)) => println!("    anchored by {} in {tx}", anchor.author),
            None => println!("    not anchored on chain"),
        }
        match &l.writer {
            Some(Writer::Patient) => println!("    written by her own key"),
            None => {}
            Some(Writer::Staff(by)) => println!(
                "    written by {} ({}) of {} ({}) at visit {}",
                by.staff,
                by.role.name(),
                by.organization_name,
                by.organization,
                by.visit_id
            ),
            Some(Writer::Insurer { insurer }) => {
                println!("    written by the insurer {insurer}, answering a claim");
            }
            Some(Writer::Unproven { reason }) => {
                println!("    who wrote it cannot be shown: {reason}");
            }
        }
        match &l.stored {
            Some(s) => println!(
                "    {} bytes at the relay since {}",
                s.size,
                format_unix_utc(s.stored_at)
            ),
            None => println!("    not held by this relay"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn put(args: PutArgs) -> anyhow::Result<ExitCode> {
    let (client, key) = open(&args.common).await?;
    let scratch = args.common.wallet.join("scratch");
    let done = client
        .put_record(
            &key,
            &args.file,
            &args.kind,
            &scratch,
            progress(args.common.json),
        )
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        println!("stored     {}", done.anchor.record_id);
        println!("kind       {}", args.kind);
        println!("body hash  {}", done.anchor.ciphertext_hash);
        println!(
            "anchored   {} (gas {})",
            done.relayed.tx_id, done.relayed.gas_used
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn get(args: GetArgs) -> anyhow::Result<ExitCode> {
    let (client, key) = open(&args.common).await?;
    let patient = args.patient.unwrap_or_else(|| key.address());
    let opened = client
        .get_record(
            &key,
            patient,
            args.id,
            args.author,
            &args.out,
            progress(args.common.json),
        )
        .await
        .map_err(failed)?;
    if args.common.json {
        println!(
            "{}",
            serde_json::json!({
                "record": opened.record,
                "author": opened.anchor.author,
                "anchored_in": opened.anchored_in,
                "size": opened.size,
                "out": args.out,
            })
        );
    } else {
        println!("{} bytes written to {}", opened.size, args.out.display());
        println!(
            "written by {} (anchored in {})",
            opened.anchor.author, opened.anchored_in
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn grant(args: GrantArgs) -> anyhow::Result<ExitCode> {
    let (client, key) = open(&args.common).await?;
    let until = now() + args.duration;
    let relayed = client
        .grant_records(&key, args.reader, &args.what.share(), until)
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&relayed)?);
    } else {
        println!(
            "{} may read until {} (transaction {}, gas {})",
            args.reader,
            format_unix_utc(until),
            relayed.tx_id,
            relayed.gas_used
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn revoke(args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let (client, key) = open(&args.common).await?;
    let relayed = client
        .revoke_records(&key, args.reader, &args.what.share())
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&relayed)?);
    } else {
        println!(
            "{}'s access is revoked (transaction {}, gas {}); what it already read cannot be taken back",
            args.reader, relayed.tx_id, relayed.gas_used
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let (client, key) = open(&args.common).await?;
    let patient = args.patient.unwrap_or_else(|| key.address());
    let reads = client.audit(&key, patient).await.map_err(failed)?;
    if args.common.json {
        let rows: Vec<_> = reads
            .iter()
            .map(|r| serde_json::json!({ "read": r.read, "mark": r.mark }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        if reads.is_empty() {
            println!("no reads logged");
        }
        for r in &reads {
            let e = &r.read.entry;
            let mark = match r.mark {
                Mark::Verified => "verified",
                Mark::Pending => "pending (not anchored yet)",
                Mark::NotVerified => "NOT VERIFIED",
            };
            println!(
                "#{:<5} {}  {} read {} ({})  {mark}",
                e.seq,
                format_unix_utc(e.at),
                e.reader,
                e.record,
                e.ground.as_str()
            );
        }
    }
    let forged = reads.iter().any(|r| r.mark == Mark::NotVerified);
    if forged {
        return Err(coded(UiError::new(
            ErrorCode::HashMismatch,
            "some reads do not verify against the roots on chain: the relay's log was changed",
        )));
    }
    Ok(ExitCode::SUCCESS)
}

async fn bills(args: ListArgs) -> anyhow::Result<ExitCode> {
    let (client, key) = open(&args.common).await?;
    let bills = client
        .bills(&key, &args.common.wallet.join("scratch"))
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&bills)?);
        return Ok(ExitCode::SUCCESS);
    }
    if bills.is_empty() {
        println!("no bills yet");
    }
    for b in &bills {
        println!("claim {} from {} to {}", b.claim, b.organization, b.insurer);
        for line in &b.bill.lines {
            println!("    {}  {}", line.service, line.amount);
        }
        match b.answers.last() {
            None => println!("    no answer yet"),
            Some(answer) => println!(
                "    the insurer: {:?}, pays {}",
                answer.outcome, answer.benefit
            ),
        }
        println!(
            "    your policy says: {:?}, pays {}",
            b.expected.outcome, b.expected.benefit
        );
        for d in &b.differences {
            println!("    DIFFERENCE: {d}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
