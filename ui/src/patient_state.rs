//! The registration and login screens' state, as pure reducers: what the user entered is never
//! lost, through progress, errors and retries.

use caretrail_protocol::password;
use caretrail_types::{
    Check, CheckResult, ErrorCode, Progress, RegistrationError, RegistrationOutcome, SignedIn,
    UiError,
};
use std::rc::Rc;
use yew::Reducible;

/// A chosen file: its name and bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chosen {
    pub name: String,
    pub bytes: Rc<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum RegisterStatus {
    #[default]
    Idle,
    Running,
    Done(Box<RegistrationOutcome>),
    Failed(RegistrationError),
}

#[derive(Clone, PartialEq, Default)]
pub struct Registration {
    pub nid: String,
    pub card_number: String,
    pub password: String,
    pub confirm: String,
    pub policy: Option<Chosen>,
    pub photo: Option<Chosen>,
    /// What the app and the verification unit reported so far, in order.
    pub steps: Vec<Progress>,
    pub status: RegisterStatus,
}

pub enum RegisterAction {
    Nid(String),
    Card(String),
    Password(String),
    Confirm(String),
    Policy(Chosen),
    Photo(Chosen),
    Started,
    Step(Progress),
    Done(Box<RegistrationOutcome>),
    Failed(RegistrationError),
}

impl Registration {
    /// Why the form cannot be sent yet, if it cannot: something missing, or a password the
    /// password policy refuses (the wallet refuses it again where the key is sealed).
    pub fn missing(&self) -> Option<UiError> {
        let missing = |message: &str| Some(UiError::new(ErrorCode::InvalidInput, message));
        if self.nid.trim().is_empty() {
            missing("Enter your national ID number.")
        } else if self.card_number.trim().is_empty() {
            missing("Enter your insurance card number.")
        } else if self.policy.is_none() {
            missing("Attach the policy document your insurer gave you.")
        } else if self.photo.is_none() {
            missing("Take a photo, or choose one.")
        } else if let Err(weak) = password::check_new(&self.password) {
            Some(weak)
        } else if self.password != self.confirm {
            missing("The two passwords differ.")
        } else {
            None
        }
    }

    /// Each of the verification unit's checks, with its outcome so far: `Some(detail)` passed,
    /// `None` not yet (or stopped before it).
    pub fn checks(&self) -> Vec<(Check, Option<String>)> {
        let passed: Vec<&CheckResult> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                Progress::Verified { checks } => Some(checks.iter()),
                _ => None,
            })
            .flatten()
            .collect();
        Check::ALL
            .iter()
            .map(|check| {
                let detail = passed
                    .iter()
                    .find(|r| r.check == *check)
                    .map(|r| r.detail.clone());
                (*check, detail)
            })
            .collect()
    }
}

impl Reducible for Registration {
    type Action = RegisterAction;

    fn reduce(self: Rc<Self>, action: RegisterAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            RegisterAction::Nid(v) => next.nid = v,
            RegisterAction::Card(v) => next.card_number = v,
            RegisterAction::Password(v) => next.password = v,
            RegisterAction::Confirm(v) => next.confirm = v,
            RegisterAction::Policy(f) => next.policy = Some(f),
            RegisterAction::Photo(f) => next.photo = Some(f),
            RegisterAction::Started => {
                next.steps.clear();
                next.status = RegisterStatus::Running;
            }
            RegisterAction::Step(step) => next.steps.push(step),
            RegisterAction::Done(outcome) => next.status = RegisterStatus::Done(outcome),
            RegisterAction::Failed(error) => next.status = RegisterStatus::Failed(error),
        }
        Rc::new(next)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum LoginStatus {
    #[default]
    Idle,
    Running,
    Done(SignedIn),
    Failed(UiError),
}

#[derive(Clone, PartialEq, Default)]
pub struct Login {
    pub id: String,
    pub password: String,
    pub record: String,
    pub status: LoginStatus,
}

pub enum LoginAction {
    Id(String),
    Password(String),
    Record(String),
    Started,
    Done(SignedIn),
    Failed(UiError),
}

impl Reducible for Login {
    type Action = LoginAction;

    fn reduce(self: Rc<Self>, action: LoginAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LoginAction::Id(v) => next.id = v,
            LoginAction::Password(v) => next.password = v,
            LoginAction::Record(v) => next.record = v,
            LoginAction::Started => next.status = LoginStatus::Running,
            LoginAction::Done(session) => next.status = LoginStatus::Done(session),
            LoginAction::Failed(error) => next.status = LoginStatus::Failed(error),
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::ErrorCode;

    #[test]
    fn a_refused_registration_keeps_everything_entered() {
        let photo = Chosen {
            name: "me.jpg".into(),
            bytes: Rc::new(vec![1, 2, 3]),
        };
        let state = Rc::new(Registration::default())
            .reduce(RegisterAction::Nid("19710302-4411".into()))
            .reduce(RegisterAction::Card("MMH-1001-0001".into()))
            .reduce(RegisterAction::Photo(photo.clone()))
            .reduce(RegisterAction::Started)
            .reduce(RegisterAction::Failed(RegistrationError {
                error: UiError::new(ErrorCode::FaceMismatch, "no"),
                phrase: None,
            }));
        assert_eq!(state.nid, "19710302-4411");
        assert_eq!(state.card_number, "MMH-1001-0001");
        assert_eq!(state.photo, Some(photo));
        assert!(matches!(state.status, RegisterStatus::Failed(_)));
    }

    #[test]
    fn the_form_says_what_is_missing_first() {
        let mut form = Registration {
            nid: "1".into(),
            card_number: "2".into(),
            ..Default::default()
        };
        assert_eq!(
            form.missing().map(|e| e.message),
            Some("Attach the policy document your insurer gave you.".into())
        );
        form.policy = Some(Chosen::default());
        form.photo = Some(Chosen::default());
        form.password = "long enough".into();
        let weak = form.missing().expect("refused");
        assert_eq!(weak.code, ErrorCode::WeakPassword, "{weak}");
        assert!(weak.message.contains("too short"), "{weak}");
        form.password = "long enough and unusual too".into();
        form.confirm = "long enough and unusual toO".into();
        assert_eq!(
            form.missing().map(|e| e.message),
            Some("The two passwords differ.".into())
        );
        form.confirm = "long enough and unusual too".into();
        assert_eq!(form.missing(), None);
    }

    #[test]
    fn checks_pass_as_the_verification_unit_reports_them() {
        let state = Rc::new(Registration::default())
            .reduce(RegisterAction::Started)
            .reduce(RegisterAction::Step(Progress::Verified {
                checks: vec![CheckResult {
                    check: Check::Citizen,
                    detail: "Erik".into(),
                }],
            }));
        let checks = state.checks();
        assert_eq!(checks[0], (Check::Citizen, Some("Erik".into())));
        assert_eq!(checks[1], (Check::Face, None));
    }
}
