// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title ParticipantRegistry
/// @notice Who may take part besides patients: health organizations (HOs) and insurers, each
/// keyed by the address it signs with, admitted by the health authority under the licence number
/// the government registry gave it. The other registries ask `isAdmitted` before they accept a
/// participant's signature, and `isVerifier` before they let the relay register a patient.
/// @dev Roles (OpenZeppelin `AccessControl`): `DEFAULT_ADMIN_ROLE` grants and revokes roles and
/// nothing else; `HEALTH_AUTHORITY_ROLE` admits, suspends, reinstates and blocks participants;
/// `VERIFIER_ROLE` has no power here (PatientRegistry reads it through `isVerifier`, and the health
/// authority's role through `isHealthAuthority`, for recoveries).
/// A participant moves Admitted ⇄ Suspended, and from either to Blocked, which is final: records
/// are never deleted, so a blocked signer stays taken, and a licence, once admitted, stays bound
/// to its signer for good. Licence ids are compared byte for byte: callers submit them in the
/// registry's canonical spelling.
contract ParticipantRegistry is AccessControl, IParticipantRegistry {
    /// @notice A participant's record.
    struct Participant {
        Kind kind;
        Status status;
        /// Unix seconds of the block that admitted the participant.
        uint64 admittedAt;
        /// The licence number in the government registry of health organizations or insurers.
        string licenceId;
        /// The participant's name, as shown to patients.
        string name;
        /// The compressed secp256k1 public key (33 bytes, 0x02 or 0x03 first) that patients
        /// encrypt to when they share records with this participant.
        bytes encryptionKey;
    }

    /// @notice The role that admits, suspends, reinstates and blocks participants.
    bytes32 public constant HEALTH_AUTHORITY_ROLE = keccak256("HEALTH_AUTHORITY_ROLE");
    /// @notice The relay's verification unit: it may register patients in PatientRegistry and
    /// has no power in this contract.
    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");

    /// @dev Length of a compressed secp256k1 public key.
    uint256 private constant COMPRESSED_KEY_LENGTH = 33;

    mapping(address signer => Participant) private _participants;
    mapping(bytes32 licenceHash => address signer) private _licenceHolders;

    /// @notice A participant was admitted.
    /// @param signer the address the participant signs with
    /// @param kind health organization or insurer
    /// @param licenceId the participant's licence number
    /// @param name the participant's name
    /// @param encryptionKey the compressed secp256k1 key patients encrypt to
    event ParticipantAdmitted(
        address indexed signer, Kind indexed kind, string licenceId, string name, bytes encryptionKey
    );

    /// @notice A participant was suspended, reinstated or blocked.
    /// @param signer the participant's signing address
    /// @param kind the participant's kind (unchanged)
    /// @param previous the status before the change
    /// @param current the status after the change
    event ParticipantStatusChanged(address indexed signer, Kind indexed kind, Status previous, Status current);

    /// @notice An address argument was the zero address.
    error ZeroAddress();
    /// @notice `admit` was given `Kind.None`.
    error NoKind();
    /// @notice `admit` was given an empty licence id.
    error EmptyLicenceId();
    /// @notice `admit` was given an empty name.
    error EmptyName();
    /// @notice The encryption key is not 33 bytes starting with 0x02 or 0x03.
    error BadEncryptionKey();
    /// @notice `signer` already has a record (admitted, suspended or blocked); it cannot be
    /// admitted again.
    error AlreadyAParticipant(address signer);
    /// @notice `licenceId` was already admitted, under `holder`.
    error LicenceTaken(string licenceId, address holder);
    /// @notice `signer` has never been admitted.
    error NotAParticipant(address signer);
    /// @notice The change does not apply to a participant whose status is `current`.
    error BadStatus(address signer, Status current);

    /// @param admin the account given `DEFAULT_ADMIN_ROLE`, which grants the other roles
    constructor(address admin) {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Admits `signer` as a participant of `kind`, with status `Admitted`.
    /// @dev Only `HEALTH_AUTHORITY_ROLE`. Refused when `signer` has any record (a blocked signer
    /// stays blocked) or when `licenceId` was ever admitted (under any signer).
    /// @param signer the address the participant signs with
    /// @param kind `HealthOrganization` or `Insurer`
    /// @param licenceId the licence number in the government registry, non-empty
    /// @param name the participant's name, non-empty
    /// @param encryptionKey a compressed secp256k1 public key: 33 bytes, 0x02 or 0x03 first
    function admit(
        address signer,
        Kind kind,
        string calldata licenceId,
        string calldata name,
        bytes calldata encryptionKey
    ) external onlyRole(HEALTH_AUTHORITY_ROLE) {
        if (signer == address(0)) revert ZeroAddress();
        if (kind == Kind.None) revert NoKind();
        if (bytes(licenceId).length == 0) revert EmptyLicenceId();
        if (bytes(name).length == 0) revert EmptyName();
        if (!_isCompressedKey(encryptionKey)) revert BadEncryptionKey();

        Participant storage p = _participants[signer];
        if (p.status != Status.None) revert AlreadyAParticipant(signer);
        bytes32 licenceHash = keccak256(bytes(licenceId));
        address holder = _licenceHolders[licenceHash];
        if (holder != address(0)) revert LicenceTaken(licenceId, holder);

        _licenceHolders[licenceHash] = signer;
        p.kind = kind;
        p.status = Status.Admitted;
        p.admittedAt = uint64(block.timestamp);
        p.licenceId = licenceId;
        p.name = name;
        p.encryptionKey = encryptionKey;
        emit ParticipantAdmitted(signer, kind, licenceId, name, encryptionKey);
    }

    /// @notice Suspends an admitted participant: `isAdmitted` answers false until reinstated.
    /// @dev Only `HEALTH_AUTHORITY_ROLE`; the participant must be `Admitted`.
    /// @param signer the participant's signing address
    function suspend(address signer) external onlyRole(HEALTH_AUTHORITY_ROLE) {
        _move(signer, Status.Admitted, Status.Suspended);
    }

    /// @notice Reinstates a suspended participant.
    /// @dev Only `HEALTH_AUTHORITY_ROLE`; the participant must be `Suspended`.
    /// @param signer the participant's signing address
    function reinstate(address signer) external onlyRole(HEALTH_AUTHORITY_ROLE) {
        _move(signer, Status.Suspended, Status.Admitted);
    }

    /// @notice Blocks a participant for good: neither its signer nor its licence can be admitted
    /// again. (Named `blockParticipant` because `block` would shadow Solidity's builtin.)
    /// @dev Only `HEALTH_AUTHORITY_ROLE`; the participant must be `Admitted` or `Suspended`.
    /// @param signer the participant's signing address
    function blockParticipant(address signer) external onlyRole(HEALTH_AUTHORITY_ROLE) {
        Status current = _participants[signer].status;
        // From Suspended, or else from Admitted: `_move` refuses None and Blocked.
        _move(signer, current == Status.Suspended ? Status.Suspended : Status.Admitted, Status.Blocked);
    }

    /// @notice The record of `signer`; all fields zero (status `None`) if it was never admitted.
    /// @param signer the participant's signing address
    /// @return the participant's record
    function participant(address signer) external view returns (Participant memory) {
        return _participants[signer];
    }

    /// @notice The signer a licence was admitted under; zero if it never was.
    /// @param licenceId the licence number, spelled exactly as admitted
    /// @return the signing address holding `licenceId`
    function licenceHolder(string calldata licenceId) external view returns (address) {
        return _licenceHolders[keccak256(bytes(licenceId))];
    }

    /// @inheritdoc IParticipantRegistry
    function isAdmitted(address signer, Kind kind) external view returns (bool) {
        Participant storage p = _participants[signer];
        return p.status == Status.Admitted && p.kind == kind;
    }

    /// @inheritdoc IParticipantRegistry
    function isVerifier(address account) external view returns (bool) {
        return hasRole(VERIFIER_ROLE, account);
    }

    /// @inheritdoc IParticipantRegistry
    function isHealthAuthority(address account) external view returns (bool) {
        return hasRole(HEALTH_AUTHORITY_ROLE, account);
    }

    /// @notice ERC-165: true for `IParticipantRegistry`, `IAccessControl` and `IERC165`.
    /// @param interfaceId the ERC-165 interface id
    /// @return whether this contract implements it
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IParticipantRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Whether `key` has the shape of a compressed secp256k1 public key: 33 bytes, 0x02 or
    /// 0x03 first. That the x-coordinate lies on the curve is not checked.
    function _isCompressedKey(bytes calldata key) private pure returns (bool) {
        return key.length == COMPRESSED_KEY_LENGTH && (key[0] == 0x02 || key[0] == 0x03);
    }

    /// @dev Moves `signer` from `from` to `to`, or reverts with the reason it cannot.
    function _move(address signer, Status from, Status to) private {
        Participant storage p = _participants[signer];
        Status current = p.status;
        if (current == Status.None) revert NotAParticipant(signer);
        if (current != from) revert BadStatus(signer, current);
        p.status = to;
        emit ParticipantStatusChanged(signer, p.kind, current, to);
    }
}
