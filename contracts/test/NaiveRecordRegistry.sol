// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {RecordRegistry} from "../src/RecordRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @dev The naive alternative the gas tests compare against: the same visit and admission checks,
/// the same derived record id and the same event, but each record's fields are kept whole in
/// contract storage (four slots: patient, author, kind, ciphertext hash), and a batch stores every
/// record.
contract NaiveRecordRegistry is RecordRegistry {
    struct StoredRecord {
        address patient;
        address author;
        bytes32 kind;
        bytes32 ciphertextHash;
    }

    struct RecordInput {
        bytes32 kind;
        bytes32 ciphertextHash;
    }

    /// @dev The record is already stored; stored records are never overwritten.
    error RecordAlreadyStored(bytes32 recordId);

    mapping(bytes32 recordId => StoredRecord) public stored;

    constructor(IParticipantRegistry participants_) RecordRegistry(participants_) {}

    function anchorRecordNaive(bytes32 visitId, bytes32 kind, bytes32 ciphertextHash)
        external
        returns (bytes32 recordId)
    {
        return _store(_visitPatient(visitId), kind, ciphertextHash);
    }

    function anchorRecordsNaive(bytes32 visitId, RecordInput[] calldata records) external {
        address patient = _visitPatient(visitId);
        for (uint256 i = 0; i < records.length; i++) {
            _store(patient, records[i].kind, records[i].ciphertextHash);
        }
    }

    function _store(address patient, bytes32 kind, bytes32 ciphertextHash) private returns (bytes32 recordId) {
        if (kind == bytes32(0)) revert EmptyKind();
        if (ciphertextHash == bytes32(0)) revert EmptyCiphertextHash();
        recordId = recordIdOf(patient, kind, ciphertextHash);
        StoredRecord storage record = stored[recordId];
        if (record.patient != address(0)) revert RecordAlreadyStored(recordId);
        record.patient = patient;
        record.author = msg.sender;
        record.kind = kind;
        record.ciphertextHash = ciphertextHash;
        emit RecordAnchored(recordId, patient, msg.sender, kind, ciphertextHash);
    }
}
