//! `caretrail qr ...`: a code drawn in the terminal, and a picture's code read as the scan view
//! reads it (`caretrail_vision::verdict`, the same verdict as the app's and the web page's).

use anyhow::Context as _;
use caretrail_types::{ErrorCode, UiError, format_unix_utc};
use caretrail_vision::encode::QrImage;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum QrCommand {
    /// Draws TEXT as a QR code in the terminal (error correction M, as the app draws it).
    Show {
        /// The code's text, e.g. a `ct:/…` payload.
        text: String,
    },
    /// Reads the one QR code of an image file (PNG, JPEG or GIF) and says what it is: the kind
    /// of Caretrail code and when it expires, or why it is refused.
    Read {
        /// The image file.
        file: PathBuf,
        /// Print the code read as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: QrCommand) -> anyhow::Result<ExitCode> {
    match command {
        QrCommand::Show { text } => {
            let code = QrImage::new(&text)?;
            println!("{}", code.to_terminal().trim_end());
            println!("QR version {}, error correction M", code.version());
            Ok(ExitCode::SUCCESS)
        }
        QrCommand::Read { file, json } => {
            let bytes = std::fs::read(&file)
                .with_context(|| format!("{} cannot be read", file.display()))?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("the system clock is before 1970")?
                .as_secs();
            let code = caretrail_vision::verdict::read_image_file(&bytes, now).map_err(refusal)?;
            match json {
                true => println!("{}", serde_json::to_string_pretty(&code)?),
                false => {
                    println!("{}", code.kind.label());
                    println!("expires {}", format_unix_utc(code.expires_at));
                    println!("{}", code.text);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A refusal with its stable code in front, for scripts to branch on.
fn refusal(e: UiError) -> anyhow::Error {
    anyhow::anyhow!("[{}] {}", code_name(e.code), e.message)
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{code:?}"))
}
