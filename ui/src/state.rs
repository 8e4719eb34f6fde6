//! The policy look-up screen's state, as a pure reducer: what the user typed is never lost.

use caretrail_types::{PolicyView, UiError};
use std::rc::Rc;
use yew::Reducible;

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Loading,
    Loaded(Box<PolicyView>),
    Failed(UiError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The transaction id as typed; kept through loading and errors.
    pub input: String,
    pub status: Status,
}

impl Default for Lookup {
    fn default() -> Self {
        Self {
            input: String::new(),
            status: Status::Idle,
        }
    }
}

#[derive(Debug)]
pub enum Action {
    Input(String),
    Started,
    Loaded(Box<PolicyView>),
    Failed(UiError),
}

impl Reducible for Lookup {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Input(text) => next.input = text,
            Action::Started => next.status = Status::Loading,
            Action::Loaded(view) => next.status = Status::Loaded(view),
            Action::Failed(error) => next.status = Status::Failed(error),
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::ErrorCode;

    #[test]
    fn an_error_keeps_what_the_user_typed() {
        let state = Rc::new(Lookup::default())
            .reduce(Action::Input("0xabc".into()))
            .reduce(Action::Started)
            .reduce(Action::Failed(UiError::new(ErrorCode::TxNotFound, "none")));
        assert_eq!(state.input, "0xabc");
        assert!(matches!(state.status, Status::Failed(_)));
    }
}
