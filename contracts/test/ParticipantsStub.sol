// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @dev A settable admission list standing in for ParticipantRegistry in unit tests.
contract ParticipantsStub is IParticipantRegistry {
    mapping(address => Kind) public admitted;
    mapping(address => bool) public verifier;
    mapping(address => bool) public authority;

    function setAdmitted(address signer, Kind kind) external {
        admitted[signer] = kind;
    }

    function setVerifier(address account, bool yes) external {
        verifier[account] = yes;
    }

    function setHealthAuthority(address account, bool yes) external {
        authority[account] = yes;
    }

    function isAdmitted(address signer, Kind kind) external view returns (bool) {
        return kind != Kind.None && admitted[signer] == kind;
    }

    function isVerifier(address account) external view returns (bool) {
        return verifier[account];
    }

    function isHealthAuthority(address account) external view returns (bool) {
        return authority[account];
    }
}
