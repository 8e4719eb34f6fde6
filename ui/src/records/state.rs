//! The records screens' state, as pure reducers: what she chose or typed stays through progress,
//! errors and retries, and a transfer's progress is one bar that only moves forward.

use crate::ipc::RecordProgress;
use caretrail_protocol::records::{CheckedRead, Listed, Saved, Share, Transfer};
use caretrail_types::{Address, AnchoredRecord, ErrorCode, Hash32, Relayed, UiError};
use std::rc::Rc;
use yew::Reducible;

/// Where an action stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Status<T> {
    #[default]
    Idle,
    Running,
    Done(T),
    Failed(UiError),
}

impl<T> Status<T> {
    pub fn running(&self) -> bool {
        matches!(self, Status::Running)
    }
}

/// A transfer's progress as one bar (0–100) across its steps, and what the step is called.
pub fn bar(progress: &RecordProgress) -> (u8, &'static str) {
    // Each step fills its own stretch of the bar, so it never moves back between steps.
    let within = |from: u64, to: u64, done: u64, total: u64| {
        let share = if total == 0 {
            1.0
        } else {
            done.min(total) as f64 / total as f64
        };
        (from as f64 + (to - from) as f64 * share) as u8
    };
    match *progress {
        RecordProgress::IntoApp { done, total } => {
            (within(0, 20, done, total), "Handing the file to the app")
        }
        RecordProgress::Transfer(Transfer::Encrypting { done, total }) => {
            (within(20, 50, done, total), "Encrypting on this device")
        }
        RecordProgress::Transfer(Transfer::Uploading { done, total }) => {
            (within(50, 95, done, total), "Sending to the relay")
        }
        RecordProgress::Transfer(Transfer::Anchoring) => (97, "Anchoring on chain"),
        RecordProgress::Transfer(Transfer::Downloading { done, total }) => {
            (within(0, 80, done, total), "Receiving from the relay")
        }
        RecordProgress::Transfer(Transfer::Decrypting) => {
            (90, "Checking and decrypting on this device")
        }
    }
}

/// The "My records" screen.
#[derive(Clone, PartialEq, Default)]
pub struct MyRecords {
    pub list: Status<Vec<Listed>>,
    /// The file she chose to store; kept through errors.
    pub file: Option<web_sys::File>,
    pub upload: Status<AnchoredRecord>,
    pub upload_bar: Option<(u8, &'static str)>,
    /// The record being opened, or opened last.
    pub opening: Option<Hash32>,
    pub open_bar: Option<(u8, &'static str)>,
    pub opened: Status<Saved>,
}

pub enum MyRecordsAction {
    Listing,
    Listed(Vec<Listed>),
    ListFailed(UiError),
    Chose(Option<web_sys::File>),
    Uploading,
    UploadMoved(RecordProgress),
    Uploaded(Box<AnchoredRecord>),
    UploadFailed(UiError),
    Opening(Hash32),
    OpenMoved(RecordProgress),
    Opened(Box<Saved>),
    OpenFailed(UiError),
}

impl Reducible for MyRecords {
    type Action = MyRecordsAction;

    fn reduce(self: Rc<Self>, action: MyRecordsAction) -> Rc<Self> {
        use MyRecordsAction as A;
        // Progress that does not move the bar changes nothing (and renders nothing).
        match &action {
            A::UploadMoved(p) if self.upload_bar == Some(bar(p)) => return self,
            A::OpenMoved(p) if self.open_bar == Some(bar(p)) => return self,
            _ => {}
        }
        let mut next = (*self).clone();
        match action {
            A::Listing => {
                if !matches!(next.list, Status::Done(_)) {
                    next.list = Status::Running;
                }
            }
            A::Listed(listed) => next.list = Status::Done(listed),
            A::ListFailed(e) => next.list = Status::Failed(e),
            A::Chose(file) => {
                next.file = file;
                next.upload = Status::Idle;
                next.upload_bar = None;
            }
            A::Uploading => {
                next.upload = Status::Running;
                next.upload_bar = Some((0, "Starting"));
            }
            A::UploadMoved(p) => next.upload_bar = Some(bar(&p)),
            A::Uploaded(done) => {
                next.upload = Status::Done(*done);
                next.upload_bar = Some((100, "Stored and anchored"));
            }
            A::UploadFailed(e) => next.upload = Status::Failed(e),
            A::Opening(id) => {
                next.opening = Some(id);
                next.opened = Status::Running;
                next.open_bar = Some((0, "Starting"));
            }
            A::OpenMoved(p) => next.open_bar = Some(bar(&p)),
            A::Opened(saved) => {
                next.opened = Status::Done(*saved);
                next.open_bar = Some((100, "Opened"));
            }
            A::OpenFailed(e) => next.opened = Status::Failed(e),
        }
        Rc::new(next)
    }
}

/// Whether she grants or revokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Grant,
    Revoke,
}

/// The "Who can read" screen: the form as she filled it, and the last outcome.
#[derive(Clone, PartialEq, Default)]
pub struct Sharing {
    /// The reader's address, as typed.
    pub reader: String,
    /// A record id, or `kind:<name>` for every record of a kind.
    pub target: String,
    /// For how many days, as typed.
    pub days: String,
    /// Her records, to choose from.
    pub records: Vec<Listed>,
    pub status: Status<(Act, Relayed, Option<u64>)>,
}

/// The longest access she may give at once.
pub const MAX_DAYS: u64 = 3650;

/// The target that stands for every record of a kind.
pub fn kind_target(kind: &str) -> String {
    format!("kind:{kind}")
}

impl Sharing {
    pub fn new() -> Self {
        Self {
            days: "30".into(),
            ..Self::default()
        }
    }

    /// The reader and what the form shares, as she filled it.
    pub fn share(&self) -> Result<(Address, Share), UiError> {
        let invalid = |m: &str| UiError::new(ErrorCode::InvalidInput, m);
        let reader: Address = self.reader.trim().parse().map_err(|_| {
            invalid("the reader is an address: 0x and 40 hex digits (the hospital's or insurer's)")
        })?;
        let target = self.target.trim();
        let share = match target.strip_prefix("kind:") {
            Some(kind) => Share::Kind(kind.to_owned()),
            None if target.is_empty() => return Err(invalid("choose a record, or a kind")),
            None => Share::Record(
                target
                    .parse()
                    .map_err(|_| invalid("the record is its id: 0x and 64 hex digits"))?,
            ),
        };
        Ok((reader, share))
    }

    /// When the access she gives at `now` ends.
    pub fn expires_at(&self, now: u64) -> Result<u64, UiError> {
        match self.days.trim().parse::<u64>() {
            Ok(days) if (1..=MAX_DAYS).contains(&days) => Ok(now + days * 24 * 60 * 60),
            _ => Err(UiError::new(
                ErrorCode::InvalidInput,
                format!("give access for 1 to {MAX_DAYS} days"),
            )),
        }
    }
}

pub enum SharingAction {
    Reader(String),
    Target(String),
    Days(String),
    Records(Vec<Listed>),
    Started,
    Done(Act, Relayed, Option<u64>),
    Failed(UiError),
}

impl Reducible for Sharing {
    type Action = SharingAction;

    fn reduce(self: Rc<Self>, action: SharingAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SharingAction::Reader(v) => next.reader = v,
            SharingAction::Target(v) => next.target = v,
            SharingAction::Days(v) => next.days = v,
            SharingAction::Records(records) => {
                // Her newest record is the likely one to share, until she picks another.
                if next.target.is_empty() {
                    next.target = records
                        .last()
                        .map_or_else(|| kind_target("Document"), |l| l.id.to_string());
                }
                next.records = records;
            }
            SharingAction::Started => next.status = Status::Running,
            SharingAction::Done(act, relayed, until) => {
                next.status = Status::Done((act, relayed, until))
            }
            SharingAction::Failed(e) => next.status = Status::Failed(e),
        }
        Rc::new(next)
    }
}

/// The "Access log" screen: the reads, kept on screen while they are fetched again.
#[derive(Clone, PartialEq, Default)]
pub struct AccessLog {
    pub reads: Option<Vec<CheckedRead>>,
    pub status: Status<()>,
}

pub enum AccessLogAction {
    Loading,
    Loaded(Vec<CheckedRead>),
    Failed(UiError),
}

impl Reducible for AccessLog {
    type Action = AccessLogAction;

    fn reduce(self: Rc<Self>, action: AccessLogAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            AccessLogAction::Loading => next.status = Status::Running,
            AccessLogAction::Loaded(reads) => {
                next.reads = Some(reads);
                next.status = Status::Done(());
            }
            AccessLogAction::Failed(e) => next.status = Status::Failed(e),
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(step: Transfer) -> RecordProgress {
        RecordProgress::Transfer(step)
    }

    #[test]
    fn the_bar_only_moves_forward_across_the_steps_of_a_store() {
        let steps = [
            RecordProgress::IntoApp { done: 1, total: 4 },
            RecordProgress::IntoApp { done: 4, total: 4 },
            moved(Transfer::Encrypting { done: 1, total: 4 }),
            moved(Transfer::Encrypting { done: 4, total: 4 }),
            moved(Transfer::Uploading { done: 0, total: 9 }),
            moved(Transfer::Uploading { done: 9, total: 9 }),
            moved(Transfer::Anchoring),
        ];
        let values: Vec<u8> = steps.iter().map(|s| bar(s).0).collect();
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
        assert_eq!(
            bar(&moved(Transfer::Encrypting { done: 0, total: 0 })).0,
            50
        );
    }

    #[test]
    fn a_failed_upload_keeps_the_chosen_file_and_a_failed_share_the_form() {
        let state = Rc::new(MyRecords::default())
            .reduce(MyRecordsAction::Uploading)
            .reduce(MyRecordsAction::UploadFailed(UiError::new(
                ErrorCode::StorageUnavailable,
                "down",
            )));
        assert!(matches!(state.upload, Status::Failed(_)));
        let form = Rc::new(Sharing::new())
            .reduce(SharingAction::Reader("0xabc".into()))
            .reduce(SharingAction::Days("7".into()))
            .reduce(SharingAction::Started)
            .reduce(SharingAction::Failed(UiError::new(
                ErrorCode::NotAdmitted,
                "no",
            )));
        assert_eq!((form.reader.as_str(), form.days.as_str()), ("0xabc", "7"));
    }

    #[test]
    fn the_form_says_what_is_wrong_with_it() {
        let mut form = Sharing::new();
        assert_eq!(
            form.share().map_err(|e| e.code),
            Err(ErrorCode::InvalidInput)
        );
        form.reader = format!("0x{}", "ab".repeat(20));
        assert_eq!(
            form.share().map_err(|e| e.code),
            Err(ErrorCode::InvalidInput)
        );
        form.target = kind_target("Document");
        assert_eq!(
            form.share().map(|(_, s)| s),
            Ok(Share::Kind("Document".into()))
        );
        form.target = Hash32([1; 32]).to_string();
        assert_eq!(
            form.share().map(|(_, s)| s),
            Ok(Share::Record(Hash32([1; 32])))
        );
        assert_eq!(form.expires_at(1000), Ok(1000 + 30 * 86_400));
        form.days = "0".into();
        assert!(form.expires_at(1000).is_err());
        form.days = "lots".into();
        assert!(form.expires_at(1000).is_err());
    }

    #[test]
    fn her_newest_record_is_chosen_until_she_picks() {
        let listed = |n: u8| Listed {
            id: Hash32([n; 32]),
            kind: "Document".into(),
            anchor: None,
            stored: None,
            writer: None,
        };
        let form =
            Rc::new(Sharing::new()).reduce(SharingAction::Records(vec![listed(1), listed(2)]));
        assert_eq!(form.target, Hash32([2; 32]).to_string());
        let form = form
            .reduce(SharingAction::Target(kind_target("Document")))
            .reduce(SharingAction::Records(vec![listed(3)]));
        assert_eq!(form.target, "kind:Document");
    }
}
