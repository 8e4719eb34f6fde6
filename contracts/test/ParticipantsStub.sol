// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @dev A settable admission list standing in for ParticipantRegistry in unit tests.
contract ParticipantsStub is IParticipantRegistry {
    mapping(address => Kind) public admitted;
    mapping(address => bool) public verifier;

    function setAdmitted(address signer, Kind kind) external {
        admitted[signer] = kind;
    }

    function setVerifier(address account, bool yes) external {
        verifier[account] = yes;
    }

    function isAdmitted(address signer, Kind kind) external view returns (bool) {
        return kind != Kind.None && admitted[signer] == kind;
    }

    function isVerifier(address account) external view returns (bool) {
        return verifier[account];
    }
}
