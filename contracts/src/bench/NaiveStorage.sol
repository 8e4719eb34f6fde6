// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title NaiveStorage
/// @notice The naive alternative the gas benchmark compares the registries with: the same bytes
/// kept in contract storage instead of calldata, logs and hashes. Not deployed by the product.
contract NaiveStorage {
    struct Patient {
        bytes32 nidCommitment;
        bytes32 enrolment;
        bytes encryptedData;
    }

    struct Record {
        address patient;
        address author;
        bytes32 kind;
        bytes32 ciphertextHash;
    }

    mapping(address => Patient) public patients;
    mapping(bytes32 => bytes) public policies;
    mapping(bytes32 => Record) public records;

    /// @notice A patient with her encrypted data in storage.
    function register(address patient, bytes32 nidCommitment, bytes32 enrolment, bytes calldata encryptedData)
        external
    {
        patients[patient] = Patient(nidCommitment, enrolment, encryptedData);
    }

    /// @notice A policy document in storage.
    function publish(bytes32 policyId, bytes calldata document) external {
        policies[policyId] = document;
    }

    /// @notice One record's anchor, every field in storage.
    function anchor(bytes32 recordId, address patient, bytes32 kind, bytes32 ciphertextHash) external {
        records[recordId] = Record(patient, msg.sender, kind, ciphertextHash);
    }

    /// @notice Many records' anchors, every field of each in storage.
    function anchorMany(bytes32[] calldata recordIds, address patient, bytes32 kind, bytes32[] calldata hashes)
        external
    {
        for (uint256 i = 0; i < recordIds.length; i++) {
            records[recordIds[i]] = Record(patient, msg.sender, kind, hashes[i]);
        }
    }
}
