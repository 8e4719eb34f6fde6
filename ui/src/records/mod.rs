//! Her records' screens: "My records" (`mine.rs`), "Who can read" (`readers.rs`) and the "Access
//! log" (`log.rs`), over pure reducers (`state.rs`); every call goes through `crate::ipc`.

mod log;
mod mine;
mod readers;
pub mod state;

pub use log::AccessLogScreen;
pub use mine::MyRecordsScreen;
pub use readers::WhoCanReadScreen;

use caretrail_protocol::records::{Listed, Writer};
use caretrail_types::Hash32;

/// A record id shortened for a table (the full id is in the row's `data-id`).
pub fn short(id: &Hash32) -> String {
    let hex = id.to_string();
    format!("{}…{}", &hex[..10], &hex[hex.len() - 6..])
}

/// Who wrote a record, as her device checked it.
pub fn writer_text(listed: &Listed) -> String {
    match &listed.writer {
        Some(Writer::Patient) => "you".into(),
        Some(Writer::Staff(by)) => format!(
            "{} {} at {}",
            by.role.name(),
            by.staff,
            by.organization_name
        ),
        Some(Writer::Insurer { insurer }) => format!("insurer {insurer}"),
        Some(Writer::Unproven { reason }) => format!("not proven: {reason}"),
        None => listed
            .anchor
            .as_ref()
            .map_or_else(|| "—".into(), |(a, _)| a.author.to_string()),
    }
}
