//! The UI smoke test's code to scan: a kiosk code ("here I am") of a throwaway organization key,
//! valid for an hour, written to DIR as its text (`code.txt`), a PNG (`code.png`, for the file
//! pickers) and a Y4M video (`code.y4m`, 640×480, for Chromium's fake camera,
//! `--use-file-for-fake-video-capture`).
//!
//! `cargo run --example qr_fixture -- DIR`

use anyhow::Context as _;
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::qr::{self, Payload, SignedKioskCode};
use caretrail_types::{Address, KioskCode};
use caretrail_vision::encode::{QUIET_ZONE, QrImage};
use std::path::PathBuf;

const WIDTH: usize = 640;
const HEIGHT: usize = 480;
const FRAMES: usize = 10;

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).context("usage: qr_fixture DIR")?);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let key = SecretKey::from_bytes(&[0x4b; 32])?;
    let domain = RegistryDomain {
        chain_id: 31337,
        records: Address([0x5e; 20]),
    };
    let code = KioskCode {
        organization: key.address(),
        kiosk: 1,
        nonce: now,
        expires_at: now + 3_600,
    };
    let text = qr::encode(&Payload::Kiosk(SignedKioskCode::sign(&key, domain, code)));
    let image = QrImage::new(&text)?;
    std::fs::write(dir.join("code.txt"), &text)?;
    std::fs::write(dir.join("code.png"), image.to_png(6)?)?;

    // The code centred on a light grey page, as large as fits the frame's height.
    let side = image.modules() + 2 * QUIET_ZONE;
    let module = HEIGHT / side;
    let (left, top) = ((WIDTH - side * module) / 2, (HEIGHT - side * module) / 2);
    let mut luma = vec![220u8; WIDTH * HEIGHT];
    for y in 0..side * module {
        for x in 0..side * module {
            let (mx, my) = (x / module, y / module);
            let dark = (QUIET_ZONE..QUIET_ZONE + image.modules()).contains(&mx)
                && (QUIET_ZONE..QUIET_ZONE + image.modules()).contains(&my)
                && image.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
            luma[(top + y) * WIDTH + left + x] = if dark { 16 } else { 235 };
        }
    }
    let chroma = vec![128u8; WIDTH * HEIGHT / 2];
    let mut y4m = format!("YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..FRAMES {
        y4m.extend_from_slice(b"FRAME\n");
        y4m.extend_from_slice(&luma);
        y4m.extend_from_slice(&chroma);
    }
    std::fs::write(dir.join("code.y4m"), y4m)?;
    println!("{text}");
    Ok(())
}
