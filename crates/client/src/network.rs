//! Which network this device trusts: the chain id and the registries' addresses, pinned in its
//! own configuration and checked against what a relay announces (`GET /v1/network`) before
//! anything else is sent to it. A relay on another chain, or with other registries, could
//! otherwise have her sign for them, or show her a policy or a registration of its own making.

use caretrail_types::{Address, NetworkInfo};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The network a device trusts, as its configuration file (`network.json`) holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedNetwork {
    pub chain_id: u64,
    pub policy_registry: Address,
    pub participant_registry: Address,
    pub patient_registry: Address,
    pub record_registry: Address,
    /// The JSON-RPC endpoint to read the chain at instead of the one the relay names (e.g. her
    /// own node); absent, the relay's is used, on the chain and registries above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,
}

/// One thing a relay announces that differs from the pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub what: &'static str,
    pub pinned: String,
    pub announced: String,
}

/// A relay's network is not the pinned one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkMismatch {
    pub differences: Vec<Difference>,
}

impl fmt::Display for NetworkMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.differences.iter().enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            write!(
                f,
                "{sep}{}: pinned {}, announced {}",
                d.what, d.pinned, d.announced
            )?;
        }
        Ok(())
    }
}

impl PinnedNetwork {
    /// The network `announced` names, pinned as it is (its RPC endpoint left to the relay).
    pub fn of(announced: &NetworkInfo) -> Self {
        Self {
            chain_id: announced.chain_id,
            policy_registry: announced.policy_registry,
            participant_registry: announced.participant_registry,
            patient_registry: announced.patient_registry,
            record_registry: announced.record_registry,
            rpc_url: None,
        }
    }

    /// Whether `announced` is this network: the same chain and the same four registries.
    pub fn check(&self, announced: &NetworkInfo) -> Result<(), NetworkMismatch> {
        let mut differences = Vec::new();
        if self.chain_id != announced.chain_id {
            differences.push(Difference {
                what: "chain id",
                pinned: self.chain_id.to_string(),
                announced: announced.chain_id.to_string(),
            });
        }
        for (what, pinned, theirs) in [
            (
                "policy registry",
                self.policy_registry,
                announced.policy_registry,
            ),
            (
                "participant registry",
                self.participant_registry,
                announced.participant_registry,
            ),
            (
                "patient registry",
                self.patient_registry,
                announced.patient_registry,
            ),
            (
                "record registry",
                self.record_registry,
                announced.record_registry,
            ),
        ] {
            if pinned != theirs {
                differences.push(Difference {
                    what,
                    pinned: pinned.to_string(),
                    announced: theirs.to_string(),
                });
            }
        }
        if differences.is_empty() {
            Ok(())
        } else {
            Err(NetworkMismatch { differences })
        }
    }

    /// `announced`, read at this pin's RPC endpoint when it names one.
    pub fn applied(&self, mut announced: NetworkInfo) -> NetworkInfo {
        if let Some(url) = &self.rpc_url {
            announced.rpc_url.clone_from(url);
        }
        announced
    }

    /// The pin kept in `file`, if there is one.
    pub fn load(file: &Path) -> Result<Option<Self>, PinFileError> {
        match std::fs::read(file) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| PinFileError::Damaged {
                        file: file.to_owned(),
                        reason: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(PinFileError::Io {
                file: file.to_owned(),
                reason: e.to_string(),
            }),
        }
    }

    /// Keeps this pin in `file`, which must not exist yet (a pin is never overwritten).
    pub fn save_new(&self, file: &Path) -> Result<(), PinFileError> {
        let io = |e: std::io::Error| PinFileError::Io {
            file: file.to_owned(),
            reason: e.to_string(),
        };
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| PinFileError::Io {
            file: file.to_owned(),
            reason: e.to_string(),
        })?;
        text.push(b'\n');
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(file)
            .map_err(io)?;
        std::io::Write::write_all(&mut out, &text).map_err(io)
    }
}

/// A pin file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinFileError {
    #[error("{file} cannot be used: {reason}", file = .file.display())]
    Io { file: PathBuf, reason: String },
    #[error("{file} is not a network pin ({reason}); it holds chain_id, policy_registry, participant_registry, patient_registry, record_registry and optionally rpc_url", file = .file.display())]
    Damaged { file: PathBuf, reason: String },
}

/// Which network a client trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Whatever the relay announces (tests, and tools that check against the chain's own
    /// answers).
    Announced,
    /// This network only.
    Pinned(PinnedNetwork),
    /// The network pinned in this file; while there is none, the first network a relay
    /// announces is written there (trust on first use), and every later relay must match it.
    FirstUse(PathBuf),
}

/// What [`Trust::admit`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// The relay's network is the pinned one (or nothing is pinned).
    Trusted(NetworkInfo),
    /// Nothing was pinned in the file yet: the relay's network is now.
    PinnedNow(NetworkInfo),
}

/// Why a relay's network was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAdmitted {
    Mismatch {
        mismatch: NetworkMismatch,
        pinned_in: Option<PathBuf>,
    },
    PinFile(PinFileError),
}

impl Trust {
    /// Admits a relay announcing `announced`, or says why not (reading, and on first use
    /// writing, the pin file of [`Trust::FirstUse`]).
    pub fn admit(&self, announced: NetworkInfo) -> Result<Admitted, NotAdmitted> {
        let (pin, pinned_in) = match self {
            Self::Announced => return Ok(Admitted::Trusted(announced)),
            Self::Pinned(pin) => (pin.clone(), None),
            Self::FirstUse(file) => {
                match PinnedNetwork::load(file).map_err(NotAdmitted::PinFile)? {
                    Some(pin) => (pin, Some(file.clone())),
                    None => {
                        PinnedNetwork::of(&announced)
                            .save_new(file)
                            .map_err(NotAdmitted::PinFile)?;
                        return Ok(Admitted::PinnedNow(announced));
                    }
                }
            }
        };
        pin.check(&announced)
            .map_err(|mismatch| NotAdmitted::Mismatch {
                mismatch,
                pinned_in,
            })?;
        Ok(Admitted::Trusted(pin.applied(announced)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(byte: u8) -> Address {
        Address([byte; 20])
    }

    fn announced(chain_id: u64, patient_registry: Address) -> NetworkInfo {
        NetworkInfo {
            chain_id,
            rpc_url: "http://127.0.0.1:8545".into(),
            policy_registry: address(1),
            participant_registry: address(2),
            patient_registry,
            record_registry: address(4),
            relay: address(9),
        }
    }

    #[test]
    fn a_pin_admits_its_network_and_refuses_another_chain_or_registry() {
        let ours = announced(31337, address(3));
        let pin = PinnedNetwork::of(&ours);
        assert_eq!(pin.check(&ours), Ok(()));
        // Another relay account and RPC endpoint on the same network are fine.
        let other_relay = NetworkInfo {
            relay: address(8),
            rpc_url: "http://10.0.0.2:8545".into(),
            ..ours.clone()
        };
        assert_eq!(pin.check(&other_relay), Ok(()));

        let elsewhere = announced(1, address(0x33));
        let mismatch = pin.check(&elsewhere).expect_err("another network");
        let what: Vec<&str> = mismatch.differences.iter().map(|d| d.what).collect();
        assert_eq!(what, ["chain id", "patient registry"]);
        assert!(
            mismatch.to_string().starts_with(
                "chain id: pinned 31337, announced 1; patient registry: pinned 0x0303"
            ),
            "{mismatch}"
        );
        for changed in [
            NetworkInfo {
                policy_registry: address(0x11),
                ..ours.clone()
            },
            NetworkInfo {
                participant_registry: address(0x22),
                ..ours.clone()
            },
            NetworkInfo {
                record_registry: address(0x44),
                ..ours.clone()
            },
        ] {
            assert_eq!(pin.check(&changed).map_err(|m| m.differences.len()), Err(1));
        }
    }

    #[test]
    fn a_pinned_rpc_endpoint_replaces_the_relays() {
        let ours = announced(31337, address(3));
        let pin = PinnedNetwork {
            rpc_url: Some("http://my-node:8545".into()),
            ..PinnedNetwork::of(&ours)
        };
        let trusted = Trust::Pinned(pin).admit(ours).expect("admitted");
        let Admitted::Trusted(network) = trusted else {
            panic!("pinned already: {trusted:?}");
        };
        assert_eq!(network.rpc_url, "http://my-node:8545");
    }

    #[test]
    fn first_use_pins_the_network_then_refuses_another() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("wallet").join("network.json");
        let trust = Trust::FirstUse(file.clone());
        let ours = announced(31337, address(3));
        assert_eq!(
            trust.admit(ours.clone()),
            Ok(Admitted::PinnedNow(ours.clone()))
        );
        assert_eq!(
            PinnedNetwork::load(&file),
            Ok(Some(PinnedNetwork::of(&ours)))
        );
        assert_eq!(trust.admit(ours.clone()), Ok(Admitted::Trusted(ours)));
        let refused = trust.admit(announced(31337, address(0x33)));
        assert!(
            matches!(&refused, Err(NotAdmitted::Mismatch { pinned_in: Some(f), .. }) if *f == file),
            "{refused:?}"
        );
        // The pin is never overwritten by the relay that was refused.
        assert_eq!(
            PinnedNetwork::load(&file).map(|p| p.map(|p| p.patient_registry)),
            Ok(Some(address(3)))
        );
    }

    #[test]
    fn a_damaged_pin_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("network.json");
        std::fs::write(&file, br#"{"chain_id": 1}"#).expect("write");
        let refused = Trust::FirstUse(file.clone()).admit(announced(1, address(3)));
        assert!(
            matches!(
                refused,
                Err(NotAdmitted::PinFile(PinFileError::Damaged { .. }))
            ),
            "{refused:?}"
        );
        assert_eq!(
            std::fs::read(&file).expect("read"),
            br#"{"chain_id": 1}"#.to_vec()
        );
    }
}
