// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {PolicyRegistry} from "./PolicyRegistry.sol";

/// @title PatientRegistry
/// @notice The paper's on-chain identity of a patient: her address, a salted commitment to her
/// national ID (never the ID itself), her data encrypted to her own key (Enc(U_D), ciphertext
/// only, kept in the event log) and her enrolment. The contract derives H, the hash of what was
/// registered, and answers whether an H belongs to a registered patient (the paper's login check).
/// Storage is three slots per patient (address to H, NID commitment taken, rotation count when she
/// rotates); H to patient is not stored, it is an indexed topic of the logs.
/// @dev Only the relay's verification unit registers, after it has checked the national ID, the
/// face and the policy off chain. One registration per patient address and per NID commitment
/// (the verification unit salts commitments with its own secret, so one NID always gives one
/// commitment). Enc(U_D) goes to the log, not to storage: it is bytes nobody but the patient can
/// read, and a log byte costs a fraction of a storage byte.
contract PatientRegistry is EIP712 {
    /// @notice The most bytes of Enc(U_D) a registration carries.
    uint256 public constant MAX_ENCRYPTED_DATA = 16 * 1024;

    bytes32 public constant KEY_ROTATION_TYPEHASH =
        keccak256("KeyRotation(address from,address to,bytes32 record,uint64 nonce,uint64 deadline)");

    /// @notice Where the verification role is decided.
    IParticipantRegistry public immutable participants;
    /// @notice Where enrolments are checked.
    PolicyRegistry public immutable policies;

    mapping(address patient => bytes32 record) private _recordOf;
    mapping(bytes32 nidCommitment => bool) private _nidTaken;
    mapping(bytes32 record => uint64) private _rotations;

    /// @notice A patient joined. `record` is H; `encryptedData` is Enc(U_D).
    event PatientRegistered(
        address indexed patient,
        bytes32 indexed record,
        bytes32 nidCommitment,
        bytes encryptedData,
        address indexed insurer,
        bytes32 policyId,
        uint64 version,
        bytes32 cardHash
    );

    /// @notice A patient moved her registration to a new key.
    event KeyRotated(address indexed from, address indexed to, bytes32 indexed record);

    error NotTheVerifier(address caller);
    error ZeroAddress();
    error EmptyCommitment();
    error BadEncryptedData(uint256 length);
    error EnrolmentOfAnotherPatient(address patient, address enrolled);
    error AlreadyRegistered(address patient);
    error NidAlreadyRegistered(bytes32 nidCommitment);
    error NotRegistered(address patient);
    error RotationExpired(uint64 deadline);
    error NotSignedByTheOldKey(address expected, address recovered);
    /// @notice The new key did not sign the rotation: nobody has shown that the patient holds it.
    error NotSignedByTheNewKey(address expected, address recovered);

    constructor(IParticipantRegistry participants_, PolicyRegistry policies_) EIP712("Caretrail PatientRegistry", "1") {
        participants = participants_;
        policies = policies_;
    }

    /// @notice Registers a patient. Only the verification unit may call it.
    /// @param patient the patient's address (her device key)
    /// @param nidCommitment the verification unit's salted commitment to her national ID
    /// @param encryptedData Enc(U_D): her data, encrypted to her own key on her device
    /// @param enrolment her enrolment, signed by her and by the insurer
    /// @return record H, the hash of what was registered
    function register(
        address patient,
        bytes32 nidCommitment,
        bytes calldata encryptedData,
        PolicyRegistry.Enrolment calldata enrolment,
        bytes calldata patientSignature,
        bytes calldata insurerSignature
    ) external returns (bytes32 record) {
        if (!participants.isVerifier(msg.sender)) revert NotTheVerifier(msg.sender);
        if (patient == address(0)) revert ZeroAddress();
        if (nidCommitment == bytes32(0)) revert EmptyCommitment();
        if (encryptedData.length == 0 || encryptedData.length > MAX_ENCRYPTED_DATA) {
            revert BadEncryptedData(encryptedData.length);
        }
        if (enrolment.patient != patient) revert EnrolmentOfAnotherPatient(patient, enrolment.patient);
        if (_recordOf[patient] != bytes32(0)) revert AlreadyRegistered(patient);
        if (_nidTaken[nidCommitment]) revert NidAlreadyRegistered(nidCommitment);
        bytes32 enrolmentHash = policies.checkEnrolment(enrolment, patientSignature, insurerSignature);

        record = keccak256(abi.encode(nidCommitment, keccak256(encryptedData), enrolmentHash));
        _recordOf[patient] = record;
        _nidTaken[nidCommitment] = true;
        emit PatientRegistered(
            patient,
            record,
            nidCommitment,
            encryptedData,
            enrolment.insurer,
            enrolment.policyId,
            enrolment.version,
            enrolment.cardHash
        );
    }

    /// @notice Moves a registration to a new key. Both keys sign the same `KeyRotation`: the old
    /// key gives the record away, and the new key shows that the patient holds it, so no record
    /// is moved onto an address nobody controls or onto someone else's. Anyone may relay it. The
    /// signatures name the record and its rotation count, so they cannot move another
    /// registration or be replayed after the record has moved again.
    function rotateKey(
        address from,
        address to,
        uint64 deadline,
        bytes calldata oldKeySignature,
        bytes calldata newKeySignature
    ) external {
        if (to == address(0)) revert ZeroAddress();
        if (block.timestamp > deadline) revert RotationExpired(deadline);
        bytes32 record = _recordOf[from];
        if (record == bytes32(0)) revert NotRegistered(from);
        if (_recordOf[to] != bytes32(0)) revert AlreadyRegistered(to);
        bytes32 signed = _hashTypedDataV4(
            keccak256(abi.encode(KEY_ROTATION_TYPEHASH, from, to, record, _rotations[record], deadline))
        );
        address byOldKey = ECDSA.recover(signed, oldKeySignature);
        if (byOldKey != from) revert NotSignedByTheOldKey(from, byOldKey);
        address byNewKey = ECDSA.recover(signed, newKeySignature);
        if (byNewKey != to) revert NotSignedByTheNewKey(to, byNewKey);
        _rotations[record] += 1;
        delete _recordOf[from];
        _recordOf[to] = record;
        emit KeyRotated(from, to, record);
    }

    /// @notice Whether `record` (H) belongs to the registered patient `patient`: the paper's login
    /// check. The patient is known whenever H is shown, from her signature over the login challenge
    /// or the check-in QR; to find the patient from H alone, read the `PatientRegistered` and
    /// `KeyRotated` logs, where H is indexed, and confirm here.
    function isRegistered(address patient, bytes32 record) external view returns (bool) {
        return record != bytes32(0) && _recordOf[patient] == record;
    }

    /// @notice H of a patient (zero if she is not registered).
    function recordOf(address patient) external view returns (bytes32) {
        return _recordOf[patient];
    }

    /// @notice Whether a patient is registered under `nidCommitment`: the verification unit asks
    /// once the face matched (so only the citizen herself learns it), and a second registration of
    /// one national ID is refused before any gas is spent.
    function isNidRegistered(bytes32 nidCommitment) external view returns (bool) {
        return _nidTaken[nidCommitment];
    }

    /// @notice How many times `record` moved to a new key: the nonce its next rotation signs.
    function rotationsOf(bytes32 record) external view returns (uint64) {
        return _rotations[record];
    }

    /// @notice The digest the old key and the new key both sign to move the registration of
    /// `from` to `to` (the record and the rotation count are the current ones).
    function rotationDigest(address from, address to, uint64 deadline) external view returns (bytes32) {
        bytes32 record = _recordOf[from];
        return
            _hashTypedDataV4(
                keccak256(abi.encode(KEY_ROTATION_TYPEHASH, from, to, record, _rotations[record], deadline))
            );
    }
}
