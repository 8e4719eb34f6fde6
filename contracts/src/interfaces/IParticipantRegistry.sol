// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IParticipantRegistry
/// @notice What the other registries ask of the participant registry: is this signing address an
/// admitted health organization (HO) or insurer, and is this account the relay's verification
/// unit or the health authority. Implemented by `ParticipantRegistry`.
interface IParticipantRegistry {
    /// @notice What a participant is.
    enum Kind {
        None,
        HealthOrganization,
        Insurer
    }

    /// @notice Where a participant stands. `Blocked` is final.
    enum Status {
        None,
        Admitted,
        Suspended,
        Blocked
    }

    /// @notice Whether `signer` is a participant of `kind` with status `Admitted` (not suspended,
    /// not blocked).
    function isAdmitted(address signer, Kind kind) external view returns (bool);

    /// @notice Whether `account` holds the verification role (the relay's verification unit,
    /// which may register patients and nothing else).
    function isVerifier(address account) external view returns (bool);

    /// @notice Whether `account` holds the health authority's role (which admits participants,
    /// and may return a hijacked national ID to its owner in PatientRegistry).
    function isHealthAuthority(address account) external view returns (bool);
}
