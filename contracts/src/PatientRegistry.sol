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
/// Storage is three slots per patient: address to H, NID commitment to H, and H to its holding
/// (the current holder, packed with the rotation and recovery nonces), so a registration is found
/// from its NID commitment when it must be recovered; one more slot while a recovery is pending.
/// @dev Only the relay's verification unit registers, after it has checked the national ID, the
/// face and the policy off chain. One registration per patient address and per NID commitment
/// (the verification unit salts commitments with its own secret, so one NID always gives one
/// commitment). Enc(U_D) goes to the log, not to storage: it is bytes nobody but the patient can
/// read, and a log byte costs a fraction of a storage byte.
///
/// Recovery: a patient who lost her key, or whose national ID someone else registered, gets her
/// registration bound to a new key. The verification unit re-verifies her off chain (EC record,
/// face, card) and proposes it, or the health authority does after an investigation; her new key
/// signs the proposal (EIP-712 `Recovery`, a nonce per NID commitment, a deadline). The move is
/// announced (`RecoveryProposed`) and can be executed by anyone only after `RECOVERY_TIMELOCK`.
/// Who may cancel it in between is a deliberate reading of "the current key can cancel it":
/// - a recovery the verification unit proposed (a lost key) can be cancelled by the current key:
///   if someone fooled the face match, the patient still holds her key and says no. The
///   verification unit (withdrawing its own proposal) and the health authority may cancel it too;
/// - a recovery the health authority proposed (a hijacked NID) can be cancelled by the health
///   authority only: there the current key IS the hijacker, who would otherwise cancel his own
///   undoing. An account holding both roles proposes as the health authority.
contract PatientRegistry is EIP712 {
    /// @notice The most bytes of Enc(U_D) a registration carries.
    uint256 public constant MAX_ENCRYPTED_DATA = 16 * 1024;

    bytes32 public constant KEY_ROTATION_TYPEHASH =
        keccak256("KeyRotation(address from,address to,bytes32 record,uint64 nonce,uint64 deadline)");

    bytes32 public constant RECOVERY_TYPEHASH =
        keccak256("Recovery(bytes32 nidCommitment,address to,uint64 nonce,uint64 deadline)");

    /// @notice What the current key signs to cancel a pending recovery without holding ether
    /// (`cancelRecoveryBySig`): `nonce` is the pending proposal's, so the signature cancels that
    /// proposal and no later one.
    bytes32 public constant RECOVERY_CANCELLATION_TYPEHASH =
        keccak256("RecoveryCancellation(bytes32 nidCommitment,uint64 nonce,uint64 deadline)");

    /// @notice How long a proposed recovery waits before anyone may execute it: 7 days. Long
    /// enough that a patient who still holds her key sees the announcement (the relay and her app
    /// show it at her next sign-in, and weekly is a patient's slow rhythm, not a hospital's) and
    /// cancels a recovery she did not ask for, and that the health authority can withdraw a
    /// mistaken one; short enough that a patient who lost her key is not kept from her
    /// registration for long. Once executed, only another recovery moves the record back.
    uint64 public constant RECOVERY_TIMELOCK = 7 days;

    /// @notice Where the verification role is decided.
    IParticipantRegistry public immutable participants;
    /// @notice Where enrolments are checked.
    PolicyRegistry public immutable policies;

    /// @dev Who holds a record now, and how many times it moved: one slot (20 + 8 + 4 bytes).
    struct Holding {
        address holder;
        /// The nonce the record's next `KeyRotation` signs.
        uint64 rotations;
        /// The nonce the next `Recovery` of its NID commitment signs.
        uint32 recoveries;
    }

    /// @dev A recovery waiting for its timelock: one slot (20 + 8 + 1 bytes).
    struct Recovery {
        address to;
        uint64 executableAt;
        bool byAuthority;
    }

    /// @notice A recovery as `pendingRecovery` shows it; `to` is zero when none is pending.
    struct PendingRecovery {
        /// H, the record that moves.
        bytes32 record;
        /// The key that holds it now.
        address from;
        /// The patient's new key.
        address to;
        /// Unix seconds from which anyone may execute it.
        uint64 executableAt;
        /// Proposed by the health authority (only it may cancel), else by the verification unit
        /// (the current key may cancel).
        bool byAuthority;
    }

    mapping(address patient => bytes32 record) private _recordOf;
    mapping(bytes32 nidCommitment => bytes32 record) private _recordOfNid;
    mapping(bytes32 record => Holding) private _holdings;
    mapping(bytes32 nidCommitment => Recovery) private _recoveries;

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

    /// @notice A recovery of the registration under `nidCommitment` to the new key `to` was
    /// proposed; anyone may execute it from `executableAt`. `from` holds the record now.
    event RecoveryProposed(
        bytes32 indexed nidCommitment,
        bytes32 indexed record,
        address indexed from,
        address to,
        uint64 executableAt,
        address proposer,
        bool byAuthority
    );

    /// @notice A pending recovery to `to` was cancelled by `by`.
    event RecoveryCancelled(bytes32 indexed nidCommitment, bytes32 indexed record, address indexed to, address by);

    /// @notice A recovery moved the registration under `nidCommitment` from `from` to `to`
    /// (`KeyRotated` is emitted with it, for those who follow the holders of H).
    event RecoveryExecuted(bytes32 indexed nidCommitment, bytes32 indexed record, address indexed from, address to);

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
    /// @notice Only the verification unit or the health authority proposes a recovery.
    error NotTheVerifierOrTheAuthority(address caller);
    /// @notice No patient is registered under this NID commitment: there is nothing to recover.
    error NidNotRegistered(bytes32 nidCommitment);
    /// @notice The new key's signature of the recovery could be used until `deadline`.
    error RecoveryExpired(uint64 deadline);
    /// @notice A recovery of this NID commitment is already pending: cancel or execute it first.
    error RecoveryAlreadyPending(bytes32 nidCommitment, address to, uint64 executableAt);
    /// @notice No recovery of this NID commitment is pending.
    error NoPendingRecovery(bytes32 nidCommitment);
    /// @notice The recovery waits for its timelock until `executableAt`.
    error RecoveryTimelocked(bytes32 nidCommitment, uint64 executableAt);
    /// @notice `caller` may not cancel this recovery: a stranger, or anyone but the health
    /// authority when the health authority proposed it.
    error NotAllowedToCancel(address caller, bool byAuthority);
    /// @notice The current key's cancellation could be sent until `deadline`.
    error CancellationExpired(uint64 deadline);

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
        if (_recordOfNid[nidCommitment] != bytes32(0)) revert NidAlreadyRegistered(nidCommitment);
        bytes32 enrolmentHash = policies.checkEnrolment(enrolment, patientSignature, insurerSignature);

        record = keccak256(abi.encode(nidCommitment, keccak256(encryptedData), enrolmentHash));
        _recordOf[patient] = record;
        _recordOfNid[nidCommitment] = record;
        _holdings[record].holder = patient;
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
            keccak256(abi.encode(KEY_ROTATION_TYPEHASH, from, to, record, _holdings[record].rotations, deadline))
        );
        address byOldKey = ECDSA.recover(signed, oldKeySignature);
        if (byOldKey != from) revert NotSignedByTheOldKey(from, byOldKey);
        address byNewKey = ECDSA.recover(signed, newKeySignature);
        if (byNewKey != to) revert NotSignedByTheNewKey(to, byNewKey);
        _move(record, from, to);
    }

    /// @notice Proposes binding the registration under `nidCommitment` to the patient's new key
    /// `to`, executable by anyone after `RECOVERY_TIMELOCK`. Only the verification unit (after it
    /// re-verified her off chain: EC record, face, card) or the health authority (after an
    /// investigation of a hijacked national ID) may propose; see the contract's notes for who may
    /// cancel each. `to` signs the EIP-712 `Recovery` (with the NID commitment's recovery nonce,
    /// so a signature proposes once), showing that the patient holds it; `to` must not be
    /// registered. One recovery per NID commitment is pending at a time.
    function proposeRecovery(bytes32 nidCommitment, address to, uint64 deadline, bytes calldata newKeySignature)
        external
    {
        bool byAuthority = participants.isHealthAuthority(msg.sender);
        if (!byAuthority && !participants.isVerifier(msg.sender)) revert NotTheVerifierOrTheAuthority(msg.sender);
        if (to == address(0)) revert ZeroAddress();
        if (block.timestamp > deadline) revert RecoveryExpired(deadline);
        bytes32 record = _recordOfNid[nidCommitment];
        if (record == bytes32(0)) revert NidNotRegistered(nidCommitment);
        Recovery memory pending = _recoveries[nidCommitment];
        if (pending.to != address(0)) {
            revert RecoveryAlreadyPending(nidCommitment, pending.to, pending.executableAt);
        }
        if (_recordOf[to] != bytes32(0)) revert AlreadyRegistered(to);
        Holding storage holding = _holdings[record];
        uint32 nonce = holding.recoveries;
        address byNewKey = ECDSA.recover(_recoveryDigest(nidCommitment, to, nonce, deadline), newKeySignature);
        if (byNewKey != to) revert NotSignedByTheNewKey(to, byNewKey);
        holding.recoveries = nonce + 1;
        uint64 executableAt = uint64(block.timestamp) + RECOVERY_TIMELOCK;
        _recoveries[nidCommitment] = Recovery(to, executableAt, byAuthority);
        emit RecoveryProposed(nidCommitment, record, holding.holder, to, executableAt, msg.sender, byAuthority);
    }

    /// @notice Cancels the pending recovery of `nidCommitment`. A recovery the verification unit
    /// proposed: the current key (the patient who still holds it says no), the verification unit
    /// or the health authority. A recovery the health authority proposed: the health authority
    /// only, since the current key is then the hijacker's.
    function cancelRecovery(bytes32 nidCommitment) external {
        _cancel(nidCommitment, msg.sender);
    }

    /// @notice The current key's cancellation of a recovery the verification unit proposed, sent
    /// by anyone (the relay pays: a patient holds no ether). The key signs the EIP-712
    /// `RecoveryCancellation` with the pending proposal's nonce and a deadline; a recovery the
    /// health authority proposed is refused as `cancelRecovery` refuses it to the current key.
    function cancelRecoveryBySig(bytes32 nidCommitment, uint64 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert CancellationExpired(deadline);
        if (_recoveries[nidCommitment].to == address(0)) revert NoPendingRecovery(nidCommitment);
        // The pending proposal took the nonce before the current count.
        uint64 nonce = _holdings[_recordOfNid[nidCommitment]].recoveries - 1;
        address signer = ECDSA.recover(_cancellationDigest(nidCommitment, nonce, deadline), signature);
        _cancel(nidCommitment, signer);
    }

    /// @dev Cancels the pending recovery of `nidCommitment` for `by`, if `by` may.
    function _cancel(bytes32 nidCommitment, address by) private {
        Recovery memory pending = _recoveries[nidCommitment];
        if (pending.to == address(0)) revert NoPendingRecovery(nidCommitment);
        bytes32 record = _recordOfNid[nidCommitment];
        bool allowed = pending.byAuthority
            ? participants.isHealthAuthority(by)
            : by == _holdings[record].holder || participants.isVerifier(by) || participants.isHealthAuthority(by);
        if (!allowed) revert NotAllowedToCancel(by, pending.byAuthority);
        delete _recoveries[nidCommitment];
        emit RecoveryCancelled(nidCommitment, record, pending.to, by);
    }

    /// @notice Executes the pending recovery of `nidCommitment` once its timelock has passed;
    /// anyone may send it. The record moves from its current holder to the new key as `rotateKey`
    /// moves it (its rotation nonce too, so no older rotation signature can move it again), with
    /// `KeyRotated` and `RecoveryExecuted`. Refused while `to` is registered (it was not when
    /// proposed): such a recovery can only be cancelled.
    function executeRecovery(bytes32 nidCommitment) external {
        Recovery memory pending = _recoveries[nidCommitment];
        if (pending.to == address(0)) revert NoPendingRecovery(nidCommitment);
        if (block.timestamp < pending.executableAt) revert RecoveryTimelocked(nidCommitment, pending.executableAt);
        if (_recordOf[pending.to] != bytes32(0)) revert AlreadyRegistered(pending.to);
        bytes32 record = _recordOfNid[nidCommitment];
        address from = _holdings[record].holder;
        delete _recoveries[nidCommitment];
        _move(record, from, pending.to);
        emit RecoveryExecuted(nidCommitment, record, from, pending.to);
    }

    /// @dev Moves `record` from `from` to `to` and counts the move in its rotation nonce.
    function _move(bytes32 record, address from, address to) private {
        Holding storage holding = _holdings[record];
        holding.holder = to;
        holding.rotations += 1;
        delete _recordOf[from];
        _recordOf[to] = record;
        emit KeyRotated(from, to, record);
    }

    /// @notice Whether `record` (H) belongs to the registered patient `patient`: the paper's login
    /// check. The patient is known whenever H is shown, from her signature over the login challenge
    /// or the check-in QR; from H alone, `holderOf` answers, and the `PatientRegistered` and
    /// `KeyRotated` logs, where H is indexed, tell every holder it had.
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
        return _recordOfNid[nidCommitment] != bytes32(0);
    }

    /// @notice The key that holds `record` (H) now (zero if nobody does).
    function holderOf(bytes32 record) external view returns (address) {
        return _holdings[record].holder;
    }

    /// @notice The key that holds the registration under `nidCommitment` now (zero if none).
    function holderOfNid(bytes32 nidCommitment) external view returns (address) {
        return _holdings[_recordOfNid[nidCommitment]].holder;
    }

    /// @notice How many times `record` moved to a new key (by rotation or recovery): the nonce
    /// its next rotation signs.
    function rotationsOf(bytes32 record) external view returns (uint64) {
        return _holdings[record].rotations;
    }

    /// @notice How many recoveries of `nidCommitment` were proposed: the nonce the next
    /// `Recovery` signs.
    function recoveryNonceOf(bytes32 nidCommitment) external view returns (uint64) {
        return _holdings[_recordOfNid[nidCommitment]].recoveries;
    }

    /// @notice The recovery of `nidCommitment` that waits for its timelock (`to` is zero if none).
    function pendingRecovery(bytes32 nidCommitment) external view returns (PendingRecovery memory) {
        Recovery memory pending = _recoveries[nidCommitment];
        if (pending.to == address(0)) return PendingRecovery(bytes32(0), address(0), address(0), 0, false);
        bytes32 record = _recordOfNid[nidCommitment];
        return PendingRecovery(record, _holdings[record].holder, pending.to, pending.executableAt, pending.byAuthority);
    }

    /// @notice The digest the new key `to` signs to be proposed as the key of the registration
    /// under `nidCommitment` (with the NID commitment's current recovery nonce).
    function recoveryDigest(bytes32 nidCommitment, address to, uint64 deadline) external view returns (bytes32) {
        return _recoveryDigest(nidCommitment, to, _holdings[_recordOfNid[nidCommitment]].recoveries, deadline);
    }

    function _recoveryDigest(bytes32 nidCommitment, address to, uint64 nonce, uint64 deadline)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(RECOVERY_TYPEHASH, nidCommitment, to, nonce, deadline)));
    }

    /// @notice The digest the current key signs to cancel the pending recovery of `nidCommitment`
    /// (with that proposal's nonce).
    function cancellationDigest(bytes32 nidCommitment, uint64 deadline) external view returns (bytes32) {
        if (_recoveries[nidCommitment].to == address(0)) revert NoPendingRecovery(nidCommitment);
        return _cancellationDigest(nidCommitment, _holdings[_recordOfNid[nidCommitment]].recoveries - 1, deadline);
    }

    function _cancellationDigest(bytes32 nidCommitment, uint64 nonce, uint64 deadline) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(RECOVERY_CANCELLATION_TYPEHASH, nidCommitment, nonce, deadline)));
    }

    /// @notice The digest the old key and the new key both sign to move the registration of
    /// `from` to `to` (the record and the rotation count are the current ones).
    function rotationDigest(address from, address to, uint64 deadline) external view returns (bytes32) {
        bytes32 record = _recordOf[from];
        return _hashTypedDataV4(
            keccak256(abi.encode(KEY_ROTATION_TYPEHASH, from, to, record, _holdings[record].rotations, deadline))
        );
    }
}
