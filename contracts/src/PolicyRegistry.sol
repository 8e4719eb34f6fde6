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
/// Time: a version takes effect no earlier than its publication, give or take `EFFECTIVE_SKEW`,
/// and no earlier than the version before it; and it carries a `deadline` after which nobody can
/// submit it, so a signed version that was never sent cannot surface later.
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
        /// Unix seconds from which this version applies: no earlier than its publication (less
        /// `EFFECTIVE_SKEW`) and than the previous version's.
        uint64 effectiveAt;
        /// Media type of the document, e.g. "application/fhir+json" or "application/pdf".
        string mediaType;
        /// Unix seconds after which nobody can submit this version, relayed or by the insurer.
        uint64 deadline;
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
        "PolicyVersion(bytes32 policyId,uint64 version,bytes32 contentHash,bytes32 documentHash,bytes32 previousHash,uint64 effectiveAt,string mediaType,uint64 deadline)"
    );

    bytes32 public constant ENROLMENT_TYPEHASH = keccak256(
        "Enrolment(address patient,address insurer,bytes32 policyId,uint64 version,bytes32 cardHash,uint64 deadline)"
    );

    /// @notice How long before its publication a version may say it takes effect: five minutes.
    /// An insurer signs a version "effective now", and the transaction is mined seconds or
    /// minutes later, in a block whose time its producer chose within a few seconds. More than
    /// this would let a version rewrite what a policy said in the past.
    uint256 public constant EFFECTIVE_SKEW = 5 minutes;

    /// @notice Where admission is decided.
    IParticipantRegistry public immutable participants;

    /// @notice The latest version of a policy, in one storage slot: its number, when it takes
    /// effect, and a digest of its content hash (the first 20 bytes of
    /// `keccak256(abi.encode(contentHash))`).
    /// @dev One slot per policy, rewritten by each version, is what keeps publishing at one
    /// storage write. The full content hash of every version is in its `PolicyPublished` event
    /// and its calldata; the digest lets this contract check that a new version names the real
    /// previous one (for the insurer to change it unnoticed would take an 80-bit collision search,
    /// and every reader who compares the events would still see it) and lets a reader confirm the
    /// event it found. The effective date is kept so that the next version cannot take effect
    /// before it.
    struct Head {
        uint32 version;
        uint64 effectiveAt;
        bytes20 digest;
    }

    mapping(address insurer => mapping(bytes32 policyId => Head)) private _heads;

    /// @notice A version was published. The rest of what the insurer signed (previous hash,
    /// effective date, media type) and the document are in the transaction's calldata; the
    /// previous hash is also the content hash of the version before, which this contract checked.
    event PolicyPublished(address indexed insurer, bytes32 indexed policyId, uint64 version, bytes32 contentHash);

    error EmptyDocument();
    error EmptyContentHash();
    error DocumentHashMismatch(bytes32 signed, bytes32 sent);
    /// @notice Versions go 1, 2, 3...: `given` is not the next one (a published version is never
    /// replaced, and none is skipped).
    error NotNextVersion(uint64 expected, uint64 given);
    /// @notice `given` is not the content hash of `version`, the policy's latest version (zero
    /// for a first version).
    error PreviousHashMismatch(uint64 version, bytes32 given);
    error NotAnAdmittedInsurer(address insurer);
    /// @notice The signed version's `deadline` has passed: nobody can submit it any more.
    error PublicationExpired(uint64 deadline);
    /// @notice The version would take effect more than `EFFECTIVE_SKEW` before this block.
    error EffectiveBeforePublication(uint64 effectiveAt, uint256 publishedAt);
    /// @notice The version would take effect before the version it follows.
    error EffectiveBeforePreviousVersion(uint64 effectiveAt, uint64 previousEffectiveAt);
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
        if (block.timestamp > v.deadline) revert PublicationExpired(v.deadline);
        if (uint256(v.effectiveAt) + EFFECTIVE_SKEW < block.timestamp) {
            revert EffectiveBeforePublication(v.effectiveAt, block.timestamp);
        }
        if (document.length == 0) revert EmptyDocument();
        if (v.contentHash == bytes32(0)) revert EmptyContentHash();
        bytes32 sent = keccak256(document);
        if (sent != v.documentHash) revert DocumentHashMismatch(v.documentHash, sent);
        if (!participants.isAdmitted(insurer, IParticipantRegistry.Kind.Insurer)) {
            revert NotAnAdmittedInsurer(insurer);
        }

        Head memory head = _heads[insurer][v.policyId];
        if (head.version == type(uint32).max || v.version != uint64(head.version) + 1) {
            revert NotNextVersion(uint64(head.version) + 1, v.version);
        }
        bool linked = head.version == 0 ? v.previousHash == bytes32(0) : digestOf(v.previousHash) == head.digest;
        if (!linked) revert PreviousHashMismatch(head.version, v.previousHash);
        if (v.effectiveAt < head.effectiveAt) revert EffectiveBeforePreviousVersion(v.effectiveAt, head.effectiveAt);

        _heads[insurer][v.policyId] = Head(uint32(v.version), v.effectiveAt, digestOf(v.contentHash));
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
        if (e.version == 0 || e.version > _heads[e.insurer][e.policyId].version) {
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

    /// @notice The latest version of a policy (0 if none), when it takes effect, and the digest of
    /// its content hash.
    function headOf(address insurer, bytes32 policyId)
        external
        view
        returns (uint64 version, uint64 effectiveAt, bytes20 digest)
    {
        Head memory head = _heads[insurer][policyId];
        return (head.version, head.effectiveAt, head.digest);
    }

    /// @notice The digest kept of a content hash: the first 20 bytes of `keccak256(abi.encode(contentHash))`.
    function digestOf(bytes32 contentHash) public pure returns (bytes20) {
        return bytes20(keccak256(abi.encode(contentHash)));
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
                keccak256(bytes(v.mediaType)),
                v.deadline
            )
        );
    }
}
