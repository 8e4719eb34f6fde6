//! The UI smoke test's bad check-in codes for reception's kiosk, each a PNG in DIR, each wrong in
//! one way for the organization ORGANIZATION on the network (chain id, record registry) the
//! relay announces: `checkin-forged.png` (the token names another patient than the key that
//! signed it), `checkin-expired.png` (past its `notAfter`), `checkin-other-organization.png`,
//! `checkin-unregistered.png` (signed and in time, but H is no registration of the patient's),
//! `checkin-damaged.png` (a check-in code whose payload is cut short: a damaged code) and
//! `not-caretrail.png` (a QR code of a web address).
//!
//! `cargo run --example checkin_fixtures -- DIR CHAIN_ID RECORD_REGISTRY ORGANIZATION`

use anyhow::Context as _;
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::checkin;
use caretrail_protocol::qr::{self, Payload};
use caretrail_types::{Address, Hash32};
use caretrail_vision::encode::QrImage;
use rand_core::OsRng;
use std::path::PathBuf;

fn png(dir: &std::path::Path, name: &str, text: &str) -> anyhow::Result<()> {
    std::fs::write(dir.join(name), QrImage::new(text)?.to_png(6)?)?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let usage = "usage: checkin_fixtures DIR CHAIN_ID RECORD_REGISTRY ORGANIZATION";
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().context(usage)?);
    let chain_id: u64 = args.next().context(usage)?.parse()?;
    let records: Address = args.next().context(usage)?.parse()?;
    let organization: Address = args.next().context(usage)?.parse()?;
    let domain = RegistryDomain { chain_id, records };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let patient = SecretKey::generate(&mut OsRng);
    let record = Hash32([0x4e; 32]);

    let (mut forged, _) = checkin::code(&patient, domain, organization, record, now, &mut OsRng);
    forged.token.patient = SecretKey::generate(&mut OsRng).address();
    png(
        &dir,
        "checkin-forged.png",
        &qr::encode(&Payload::CheckIn(forged)),
    )?;
    let (_, expired) = checkin::code(
        &patient,
        domain,
        organization,
        record,
        now - 3_600,
        &mut OsRng,
    );
    png(&dir, "checkin-expired.png", &expired)?;
    let elsewhere = SecretKey::generate(&mut OsRng).address();
    let (_, other) = checkin::code(&patient, domain, elsewhere, record, now, &mut OsRng);
    png(&dir, "checkin-other-organization.png", &other)?;
    let (_, unregistered) = checkin::code(&patient, domain, organization, record, now, &mut OsRng);
    png(&dir, "checkin-unregistered.png", &unregistered)?;
    let whole = qr::to_bytes(&qr::decode(&unregistered)?);
    let cut = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        &whole[..whole.len() - 6],
    );
    png(&dir, "checkin-damaged.png", &format!("ct:/{cut}"))?;
    png(&dir, "not-caretrail.png", "https://example.org/menu")?;
    Ok(())
}
