//! A doctor's (or a lab's) queue (step 7): the visits reception assigned her, as the relay pushes
//! them (server-sent events, followed by the app and handed to this page over a Tauri channel):
//! the open ones first, then each new patient within a second. No polling here.

use crate::device::Role;
use crate::ipc;
use caretrail_types::{QueuedVisit, UiError, format_unix_utc};
use std::rc::Rc;
use yew::prelude::*;

/// The queue as the screen shows it: each visit once, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueView {
    pub visits: Vec<QueuedVisit>,
    /// Why the queue ended, when it did.
    pub ended: Option<Result<(), UiError>>,
}

pub enum QueueAction {
    Arrived(QueuedVisit),
    Ended(Result<(), UiError>),
}

impl Reducible for QueueView {
    type Action = QueueAction;

    fn reduce(self: Rc<Self>, action: QueueAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            QueueAction::Arrived(visit) => {
                let id = |q: &QueuedVisit| {
                    (
                        q.assignment.assignment.visit_id,
                        q.assignment.assignment.organization,
                    )
                };
                if !next.visits.iter().any(|q| id(q) == id(&visit)) {
                    next.visits.insert(0, visit);
                }
            }
            QueueAction::Ended(outcome) => next.ended = Some(outcome),
        }
        next.into()
    }
}

#[derive(Properties, PartialEq)]
pub struct QueueProps {
    pub role: Role,
    /// What picking a visit does (the doctor writes at it), when the role picks one.
    #[prop_or_default]
    pub on_pick: Option<Callback<QueuedVisit>>,
}

#[function_component(Queue)]
pub fn queue(props: &QueueProps) -> Html {
    let view = use_reducer(QueueView::default);
    {
        let view = view.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let arrived = view.clone();
                let ended =
                    ipc::staff_queue(move |visit| arrived.dispatch(QueueAction::Arrived(visit)))
                        .await;
                view.dispatch(QueueAction::Ended(ended));
            });
        });
    }
    let who = if props.role == Role::Lab {
        "Tests"
    } else {
        "Patients"
    };
    html! {
        <section class="card" id="queue">
            <h2>{ format!("{who} assigned to you") }</h2>
            if view.visits.is_empty() && view.ended.is_none() {
                <p class="hint" id="queue-empty">{ "Waiting for reception to assign a patient: new ones appear here as they are assigned." }</p>
            }
            if !view.visits.is_empty() {
                <table class="list" id="queue-list">
                    <thead><tr><th>{ "Patient" }</th><th>{ "Visit" }</th><th>{ "Assigned" }</th><th>{ "Until" }</th><th></th></tr></thead>
                    <tbody>
                        { for view.visits.iter().map(|q| {
                            let a = &q.assignment.assignment;
                            html! {
                                <tr class="queued">
                                    <td class="mono patient">{ a.patient.to_string() }</td>
                                    <td class="mono">{ a.visit_id.to_string() }</td>
                                    <td class="date">{ format_unix_utc(q.assigned_at) }</td>
                                    <td class="date">{ format_unix_utc(a.expires_at) }</td>
                                    <td>
                                        if let Some(on_pick) = &props.on_pick {
                                            <button type="button" class="queued-pick" onclick={
                                                let (on_pick, q) = (on_pick.clone(), *q);
                                                Callback::from(move |_| on_pick.emit(q))
                                            }>{ "Write" }</button>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
            {
                match &view.ended {
                    None => html! {},
                    Some(Ok(())) => html! { <p class="warning" id="queue-ended">{ "The queue ended: your certificate has expired. Ask your organization for a new one." }</p> },
                    Some(Err(e)) => crate::patient::error_box(e),
                }
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::{Address, Hash32, SignedVisitAssignment, StaffRole, VisitAssignment};

    fn queued(n: u8) -> QueuedVisit {
        QueuedVisit {
            assignment: SignedVisitAssignment {
                assignment: VisitAssignment {
                    organization: Address([1; 20]),
                    visit_id: Hash32([n; 32]),
                    patient: Address([n; 20]),
                    staff: Address([9; 20]),
                    role: StaffRole::Doctor,
                    expires_at: 100,
                },
                signature: caretrail_types::Signature([0; 65]),
            },
            assigned_at: u64::from(n),
        }
    }

    #[test]
    fn new_patients_come_first_and_each_visit_once() {
        let view = Rc::new(QueueView::default())
            .reduce(QueueAction::Arrived(queued(1)))
            .reduce(QueueAction::Arrived(queued(2)))
            .reduce(QueueAction::Arrived(queued(1)));
        let order: Vec<u64> = view.visits.iter().map(|q| q.assigned_at).collect();
        assert_eq!(order, [2, 1]);
        let ended = view.reduce(QueueAction::Ended(Ok(())));
        assert_eq!(ended.ended, Some(Ok(())));
        assert_eq!(ended.visits.len(), 2, "what arrived stays shown");
    }
}
