//! FHIR `Attachment`: a document, inline as base64 or stored elsewhere by URL.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::Extra;

/// A file: its media type and either its bytes (`data`) or where it lives (`url`).
///
/// R4 defines `size` as the byte count and `hash` as the base64 SHA-1 of the bytes; att-1 asks
/// for a `contentType` whenever there is `data`, so both constructors take one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The bytes, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// SHA-1 of the bytes, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Attachment {
    /// `bytes` carried inline, with their size and SHA-1.
    pub fn inline(content_type: impl Into<String>, bytes: &[u8]) -> Self {
        Self {
            content_type: Some(content_type.into()),
            data: Some(STANDARD.encode(bytes)),
            size: Some(bytes.len() as u64),
            hash: Some(sha1_base64(bytes)),
            ..Self::default()
        }
    }

    /// A file stored at `url`, of `size` bytes; the caller adds the SHA-1 if it has one.
    pub fn stored(content_type: impl Into<String>, url: impl Into<String>, size: u64) -> Self {
        Self {
            content_type: Some(content_type.into()),
            url: Some(url.into()),
            size: Some(size),
            ..Self::default()
        }
    }

    /// Adds the title shown for the file.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The inline bytes, if any and if they are valid base64 (R4's base64Binary may carry
    /// whitespace between the groups, as the official examples do).
    pub fn decoded_data(&self) -> Option<Vec<u8>> {
        let data = self.data.as_deref()?;
        let compact: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        STANDARD.decode(compact).ok()
    }

    /// Whether `bytes` have the size and SHA-1 this attachment states (`None` if it states
    /// neither).
    pub fn matches(&self, bytes: &[u8]) -> Option<bool> {
        if self.size.is_none() && self.hash.is_none() {
            return None;
        }
        let size_ok = self.size.is_none_or(|s| s == bytes.len() as u64);
        let hash_ok = self.hash.as_deref().is_none_or(|h| h == sha1_base64(bytes));
        Some(size_ok && hash_ok)
    }
}

fn sha1_base64(bytes: &[u8]) -> String {
    STANDARD.encode(Sha1::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::Attachment;

    #[test]
    fn inline_states_size_and_sha1() {
        let pdf = b"%PDF-1.7 lab report";
        let attachment = Attachment::inline("application/pdf", pdf);
        assert_eq!(attachment.size, Some(pdf.len() as u64));
        assert_eq!(attachment.decoded_data().as_deref(), Some(&pdf[..]));
        assert_eq!(attachment.matches(pdf), Some(true));
        assert_eq!(attachment.matches(b"%PDF-1.7 another"), Some(false));
        let wrapped = Attachment {
            data: Some("JVBE Ri0x\nLjc=".into()),
            ..Attachment::default()
        };
        assert_eq!(wrapped.decoded_data().as_deref(), Some(&b"%PDF-1.7"[..]));
        // SHA-1("abc"), base64, from FIPS 180's example.
        assert_eq!(
            Attachment::inline("text/plain", b"abc").hash.as_deref(),
            Some("qZk+NkcGgWq6PiVxeFDCbJzQ2J0=")
        );
    }
}
