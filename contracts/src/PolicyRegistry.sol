// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title PolicyRegistry
/// @notice Append-only log of insurers' policy versions. The policy document travels in the
/// transaction's calldata, in the clear (it is public); the event carries the insurer and the
/// document's content hash, so anyone holding the transaction id can read the policy and check it.
/// Only insurers the participant registry has admitted can publish, and history only grows.
/// It also checks enrolments: a patient bound to one version of an insurer's policy, signed by both.
/// @dev The insurer publishes with its own transaction (`publishOwn`) or signs each version
/// (EIP-712) for anyone to relay (`publish`). The signature binds the exact document bytes
/// (`documentHash`, checked here) so a relayer cannot swap the document. The contract cannot
/// canonicalise JSON, so readers recompute the canonical hash (crates/crypto) and compare it with
/// the signed `contentHash`.
contract PolicyRegistry is EIP712 {
    struct PolicyVersion {
        bytes32 policyId;
        uint64 version;
        /// SHA-256 of the canonical document (RFC 8785 JSON, or the raw bytes of other media).
        bytes32 contentHash;
        /// keccak-256 of the document's bytes exactly as sent in calldata.
        bytes32 documentHash;
        /// contentHash of the previous version; zero for version 1.
        bytes32 previousHash;
        /// Unix seconds from which this version applies.
        uint64 effectiveAt;
        /// Media type of the document, e.g. "application/fhir+json" or "application/pdf".
        string mediaType;
    }

    /// @notice A patient's enrolment in one version of an insurer's policy, with the hash of her
    /// insurance card; signed by both the patient and the insurer.
    struct Enrolment {
        address patient;
        address insurer;
        bytes32 policyId;
        uint64 version;
        /// SHA-256 of the insurance card as the insurer issued it.
        bytes32 cardHash;
        /// Unix seconds after which the signatures no longer enrol anyone.
        uint64 deadline;
    }

    bytes32 public constant POLICY_VERSION_TYPEHASH = keccak256(
        "PolicyVersion(bytes32 policyId,uint64 version,bytes32 contentHash,bytes32 documentHash,bytes32 previousHash,uint64 effectiveAt,string mediaType)"
    );

    bytes32 public constant ENROLMENT_TYPEHASH = keccak256(
        "Enrolment(address patient,address insurer,bytes32 policyId,uint64 version,bytes32 cardHash,uint64 deadline)"
    );

    /// @notice Where admission is decided.
    IParticipantRegistry public immutable participants;

    /// Each published version's content hash; zero for a version not (yet) published. Versions
    /// are 1, 2, 3... with no gap, so one fresh slot per version is the whole history on chain.
    mapping(address insurer => mapping(bytes32 policyId => mapping(uint64 version => bytes32 contentHash))) private
        _versions;

    /// @notice A version was published. The rest of what the insurer signed (previous hash,
    /// effective date, media type) and the document are in the transaction's calldata; the
    /// previous hash is also the content hash of the version before, which this contract checked.
    event PolicyPublished(address indexed insurer, bytes32 indexed policyId, uint64 version, bytes32 contentHash);

    error EmptyDocument();
    error EmptyContentHash();
    error DocumentHashMismatch(bytes32 signed, bytes32 sent);
    /// @notice Versions start at 1.
    error VersionZero();
    /// @notice That version of the policy is published already; versions are never replaced.
    error VersionAlreadyPublished(uint64 version);
    /// @notice The version before this one is not published; versions have no gaps.
    error PreviousVersionMissing(uint64 previous);
    error PreviousHashMismatch(bytes32 expected, bytes32 given);
    error NotAnAdmittedInsurer(address insurer);
    error EnrolmentExpired(uint64 deadline);
    error NoSuchPolicyVersion(address insurer, bytes32 policyId, uint64 version);
    error NotSignedBy(address expected, address recovered);

    constructor(IParticipantRegistry participants_) EIP712("Caretrail PolicyRegistry", "1") {
        participants = participants_;
    }

    /// @notice Publishes the next version of one of the signer's policies, relayed by anyone.
    /// @param v the version, as the insurer signed it
    /// @param document the policy document itself; kept only in calldata
    /// @param signature the insurer's EIP-712 signature over `v`
    /// @return insurer the address that signed `v`
    function publish(PolicyVersion calldata v, bytes calldata document, bytes calldata signature)
        external
        returns (address insurer)
    {
        insurer = ECDSA.recover(_hashTypedDataV4(_structHash(v)), signature);
        _publish(insurer, v, document);
    }

    /// @notice Publishes the next version of one of the sender's own policies.
    /// @param v the version; `msg.sender` is the insurer
    /// @param document the policy document itself; kept only in calldata
    function publishOwn(PolicyVersion calldata v, bytes calldata document) external {
        _publish(msg.sender, v, document);
    }

    function _publish(address insurer, PolicyVersion calldata v, bytes calldata document) private {
        if (document.length == 0) revert EmptyDocument();
        if (v.contentHash == bytes32(0)) revert EmptyContentHash();
        bytes32 sent = keccak256(document);
        if (sent != v.documentHash) revert DocumentHashMismatch(v.documentHash, sent);
        if (!participants.isAdmitted(insurer, IParticipantRegistry.Kind.Insurer)) {
            revert NotAnAdmittedInsurer(insurer);
        }

        mapping(uint64 => bytes32) storage versions = _versions[insurer][v.policyId];
        // The next version is the first one not published: its slot is empty and, past version 1,
        // the one before it is not. Only this new slot is written, so history only grows.
        if (v.version == 0) revert VersionZero();
        if (versions[v.version] != bytes32(0)) revert VersionAlreadyPublished(v.version);
        bytes32 previous = v.version == 1 ? bytes32(0) : versions[v.version - 1];
        if (v.version > 1 && previous == bytes32(0)) revert PreviousVersionMissing(v.version - 1);
        if (v.previousHash != previous) revert PreviousHashMismatch(previous, v.previousHash);

        versions[v.version] = v.contentHash;
        emit PolicyPublished(insurer, v.policyId, v.version, v.contentHash);
    }

    /// @notice Checks an enrolment: the version is published, the insurer is admitted, the
    /// deadline has not passed, and both the patient and the insurer signed it (EIP-712, this
    /// chain and this contract). Reverts with the reason otherwise.
    /// @return enrolmentHash the EIP-712 struct hash of `e`, which the patient registry keeps
    function checkEnrolment(Enrolment calldata e, bytes calldata patientSignature, bytes calldata insurerSignature)
        external
        view
        returns (bytes32 enrolmentHash)
    {
        if (block.timestamp > e.deadline) revert EnrolmentExpired(e.deadline);
        if (e.version == 0 || _versions[e.insurer][e.policyId][e.version] == bytes32(0)) {
            revert NoSuchPolicyVersion(e.insurer, e.policyId, e.version);
        }
        if (!participants.isAdmitted(e.insurer, IParticipantRegistry.Kind.Insurer)) {
            revert NotAnAdmittedInsurer(e.insurer);
        }
        enrolmentHash = keccak256(
            abi.encode(ENROLMENT_TYPEHASH, e.patient, e.insurer, e.policyId, e.version, e.cardHash, e.deadline)
        );
        bytes32 signed = _hashTypedDataV4(enrolmentHash);
        address byPatient = ECDSA.recover(signed, patientSignature);
        if (byPatient != e.patient) revert NotSignedBy(e.patient, byPatient);
        address byInsurer = ECDSA.recover(signed, insurerSignature);
        if (byInsurer != e.insurer) revert NotSignedBy(e.insurer, byInsurer);
    }

    /// @notice The EIP-712 digest the patient and the insurer sign for `e`.
    function enrolmentDigest(Enrolment calldata e) external view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(ENROLMENT_TYPEHASH, e.patient, e.insurer, e.policyId, e.version, e.cardHash, e.deadline)
            )
        );
    }

    /// @notice The content hash of one version of a policy; zero if that version is not published.
    /// @dev Versions have no gaps, so the latest is the last non-zero one (clients search for it).
    function contentHashOf(address insurer, bytes32 policyId, uint64 version) external view returns (bytes32) {
        return _versions[insurer][policyId][version];
    }

    /// @notice The EIP-712 digest an insurer signs for `v`.
    function digest(PolicyVersion calldata v) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(v));
    }

    function _structHash(PolicyVersion calldata v) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                POLICY_VERSION_TYPEHASH,
                v.policyId,
                v.version,
                v.contentHash,
                v.documentHash,
                v.previousHash,
                v.effectiveAt,
                keccak256(bytes(v.mediaType))
            )
        );
    }
}
