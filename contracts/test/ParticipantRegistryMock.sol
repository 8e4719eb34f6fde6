// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @dev Stands in for `ParticipantRegistry` in tests: anyone sets anyone's kind and status. Like a
/// real registry it keeps a participant in one storage slot, so `isAdmitted` costs one cold SLOAD.
contract ParticipantRegistryMock is IParticipantRegistry {
    struct Participant {
        Kind kind;
        Status status;
    }

    mapping(address => Participant) private _participants;

    function set(address account, Kind kind, Status status) external {
        _participants[account] = Participant(kind, status);
    }

    function isAdmitted(address signer, Kind kind) external view returns (bool) {
        Participant storage p = _participants[signer];
        return kind != Kind.None && p.kind == kind && p.status == Status.Admitted;
    }

    function isVerifier(address) external pure returns (bool) {
        return false;
    }

    function isHealthAuthority(address) external pure returns (bool) {
        return false;
    }
}
