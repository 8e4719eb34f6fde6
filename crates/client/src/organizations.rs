//! The health organizations a patient may check in at: the participant registry's admitted
//! ones, read from its events (the registry keeps no list).

use crate::{Client, ClientError};
use caretrail_types::{Admission, ParticipantEvent, ParticipantKind, ParticipantStatus};
use std::collections::BTreeMap;

impl Client {
    /// Every health organization the participant registry holds as admitted now, by name.
    pub async fn health_organizations(&self) -> Result<Vec<Admission>, ClientError> {
        let network = self.network().await?;
        let rpc = caretrail_chain::rpc_url(&network.rpc_url)?;
        let events =
            caretrail_chain::participant_events(&rpc, network.participant_registry, None).await?;
        Ok(admitted_health_organizations(events))
    }
}

/// The admitted health organizations after `events` (in chain order): a suspended or blocked
/// one is left out, a reinstated one is back.
fn admitted_health_organizations(events: Vec<ParticipantEvent>) -> Vec<Admission> {
    let mut standing: BTreeMap<_, (Admission, ParticipantStatus)> = BTreeMap::new();
    for event in events {
        match event {
            ParticipantEvent::Admitted { admission, .. } => {
                standing.insert(admission.signer, (admission, ParticipantStatus::Admitted));
            }
            ParticipantEvent::StatusChanged {
                signer, current, ..
            } => {
                if let Some((_, status)) = standing.get_mut(&signer) {
                    *status = current;
                }
            }
        }
    }
    let mut admitted: Vec<Admission> = standing
        .into_values()
        .filter(|(a, status)| {
            a.kind == ParticipantKind::HealthOrganization && *status == ParticipantStatus::Admitted
        })
        .map(|(a, _)| a)
        .collect();
    admitted.sort_by(|a, b| a.name.cmp(&b.name).then(a.signer.cmp(&b.signer)));
    admitted
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::Address;

    fn admitted(n: u8, kind: ParticipantKind, name: &str) -> ParticipantEvent {
        ParticipantEvent::Admitted {
            admission: Admission {
                signer: Address([n; 20]),
                kind,
                licence_id: format!("L-{n}"),
                name: name.into(),
                encryption_key: vec![2; 33],
            },
            block: u64::from(n),
        }
    }

    fn changed(n: u8, current: ParticipantStatus) -> ParticipantEvent {
        ParticipantEvent::StatusChanged {
            signer: Address([n; 20]),
            kind: ParticipantKind::HealthOrganization,
            previous: ParticipantStatus::Admitted,
            current,
            block: 100,
        }
    }

    #[test]
    fn only_health_organizations_admitted_now_are_offered() {
        let events = vec![
            admitted(1, ParticipantKind::HealthOrganization, "St Olav"),
            admitted(2, ParticipantKind::Insurer, "Insurer"),
            admitted(3, ParticipantKind::HealthOrganization, "Blocked clinic"),
            admitted(4, ParticipantKind::HealthOrganization, "Aker"),
            admitted(5, ParticipantKind::HealthOrganization, "Suspended"),
            admitted(6, ParticipantKind::HealthOrganization, "Reinstated"),
            changed(3, ParticipantStatus::Blocked),
            changed(5, ParticipantStatus::Suspended),
            changed(6, ParticipantStatus::Suspended),
            changed(6, ParticipantStatus::Admitted),
        ];
        let names: Vec<String> = admitted_health_organizations(events)
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(names, ["Aker", "Reinstated", "St Olav"]);
    }
}
