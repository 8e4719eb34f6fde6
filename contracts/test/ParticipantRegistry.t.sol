// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {CheatCodes} from "./Vm.sol";

/// @dev Accounts and values shared by the unit, fuzz and invariant tests.
abstract contract ParticipantFixture is CheatCodes {
    address internal constant ADMIN = address(0xAD);
    address internal constant AUTHORITY = address(0xA07);
    address internal constant VERIFIER = address(0x7E21);
    address internal constant STRANGER = address(0x5742);
    address internal constant HO = address(0x1001);
    address internal constant INSURER = address(0x1002);

    bytes32 internal constant HA_ROLE = keccak256("HEALTH_AUTHORITY_ROLE");
    bytes32 internal constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");
    bytes32 internal constant ADMIN_ROLE = 0x00;

    ParticipantRegistry internal registry;

    function _deploy() internal {
        registry = new ParticipantRegistry(ADMIN);
        vm.startPrank(ADMIN);
        registry.grantRole(HA_ROLE, AUTHORITY);
        registry.grantRole(VERIFIER_ROLE, VERIFIER);
        vm.stopPrank();
    }

    function _key(bytes1 prefix, string memory seed) internal pure returns (bytes memory) {
        return abi.encodePacked(prefix, keccak256(bytes(seed)));
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }
}

contract ParticipantRegistryTest is ParticipantFixture {
    string internal constant HO_LICENCE = "HO-2026-0001";
    string internal constant HO_NAME = "Clinica San Rafael";
    string internal constant INSURER_LICENCE = "INS-77";
    string internal constant INSURER_NAME = "Aseguradora Andina";

    function setUp() public {
        _deploy();
    }

    function _admitHo() internal {
        vm.prank(AUTHORITY);
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x02, "ho"));
    }

    function _expectStatusChange(address signer, IParticipantRegistry.Kind kind, uint8 previous, uint8 current)
        internal
    {
        vm.expectEmit(true, true, true, true, address(registry));
        emit ParticipantRegistry.ParticipantStatusChanged(
            signer, kind, IParticipantRegistry.Status(previous), IParticipantRegistry.Status(current)
        );
    }

    function _status(address signer) internal view returns (IParticipantRegistry.Status) {
        return registry.participant(signer).status;
    }

    // --- roles ---

    function test_constructorGivesTheAdminOnlyTheAdminRole() public {
        ParticipantRegistry fresh = new ParticipantRegistry(ADMIN);
        require(fresh.hasRole(ADMIN_ROLE, ADMIN), "admin holds DEFAULT_ADMIN_ROLE");
        require(!fresh.hasRole(HA_ROLE, ADMIN), "admin is not the health authority");
        require(!fresh.hasRole(VERIFIER_ROLE, ADMIN) && !fresh.isVerifier(ADMIN), "admin is not a verifier");
        require(fresh.HEALTH_AUTHORITY_ROLE() == HA_ROLE && fresh.VERIFIER_ROLE() == VERIFIER_ROLE, "role ids");
        require(fresh.getRoleAdmin(HA_ROLE) == ADMIN_ROLE, "admin administers the authority role");
        require(fresh.getRoleAdmin(VERIFIER_ROLE) == ADMIN_ROLE, "admin administers the verifier role");
    }

    function test_constructorRefusesTheZeroAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.ZeroAddress.selector));
        new ParticipantRegistry(address(0));
    }

    function test_onlyTheAdminGrantsRoles() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(_unauthorized(AUTHORITY, ADMIN_ROLE));
        registry.grantRole(HA_ROLE, STRANGER);
        vm.prank(VERIFIER);
        vm.expectRevert(_unauthorized(VERIFIER, ADMIN_ROLE));
        registry.grantRole(VERIFIER_ROLE, STRANGER);
        require(!registry.hasRole(HA_ROLE, STRANGER) && !registry.isVerifier(STRANGER), "nothing granted");
    }

    function test_isVerifierFollowsTheVerifierRole() public {
        require(registry.isVerifier(VERIFIER), "granted verifier");
        require(!registry.isVerifier(AUTHORITY) && !registry.isVerifier(ADMIN), "others are not verifiers");
        vm.prank(ADMIN);
        registry.revokeRole(VERIFIER_ROLE, VERIFIER);
        require(!registry.isVerifier(VERIFIER), "revoked verifier");
    }

    function test_isHealthAuthorityFollowsTheAuthorityRole() public {
        require(registry.isHealthAuthority(AUTHORITY), "granted authority");
        require(
            !registry.isHealthAuthority(VERIFIER) && !registry.isHealthAuthority(ADMIN),
            "others are not the authority"
        );
        vm.prank(ADMIN);
        registry.revokeRole(HA_ROLE, AUTHORITY);
        require(!registry.isHealthAuthority(AUTHORITY), "revoked authority");
    }

    function test_theVerifierHasNoPowerHere() public {
        _admitHo();
        vm.startPrank(VERIFIER);
        vm.expectRevert(_unauthorized(VERIFIER, HA_ROLE));
        registry.admit(INSURER, IParticipantRegistry.Kind.Insurer, INSURER_LICENCE, INSURER_NAME, _key(0x03, "i"));
        vm.expectRevert(_unauthorized(VERIFIER, HA_ROLE));
        registry.suspend(HO);
        vm.expectRevert(_unauthorized(VERIFIER, HA_ROLE));
        registry.reinstate(HO);
        vm.expectRevert(_unauthorized(VERIFIER, HA_ROLE));
        registry.blockParticipant(HO);
        vm.stopPrank();
        require(_status(HO) == IParticipantRegistry.Status.Admitted, "HO untouched");
    }

    function test_theAdminCannotAdmitWithoutTheAuthorityRole() public {
        vm.prank(ADMIN);
        vm.expectRevert(_unauthorized(ADMIN, HA_ROLE));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x02, "ho"));
    }

    function test_aRevokedAuthorityLosesItsPower() public {
        _admitHo();
        vm.prank(ADMIN);
        registry.revokeRole(HA_ROLE, AUTHORITY);
        vm.prank(AUTHORITY);
        vm.expectRevert(_unauthorized(AUTHORITY, HA_ROLE));
        registry.suspend(HO);
    }

    function test_supportsItsInterfaces() public view {
        require(registry.supportsInterface(type(IParticipantRegistry).interfaceId), "IParticipantRegistry");
        require(registry.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        require(registry.supportsInterface(type(IERC165).interfaceId), "IERC165");
        require(!registry.supportsInterface(0xffffffff), "not 0xffffffff");
    }

    // --- admit ---

    function test_admitRecordsAHealthOrganization() public {
        vm.warp(1_800_000_000);
        bytes memory key = _key(0x02, "ho");
        vm.expectEmit(true, true, true, true, address(registry));
        emit ParticipantRegistry.ParticipantAdmitted(
            HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, key
        );
        vm.prank(AUTHORITY);
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, key);

        ParticipantRegistry.Participant memory p = registry.participant(HO);
        require(p.kind == IParticipantRegistry.Kind.HealthOrganization, "kind");
        require(p.status == IParticipantRegistry.Status.Admitted, "status");
        require(p.admittedAt == 1_800_000_000, "admittedAt");
        require(keccak256(bytes(p.licenceId)) == keccak256(bytes(HO_LICENCE)), "licence");
        require(keccak256(bytes(p.name)) == keccak256(bytes(HO_NAME)), "name");
        require(keccak256(p.encryptionKey) == keccak256(key), "key");
        require(registry.licenceHolder(HO_LICENCE) == HO, "licence holder");
        require(registry.isAdmitted(HO, IParticipantRegistry.Kind.HealthOrganization), "admitted as HO");
        require(!registry.isAdmitted(HO, IParticipantRegistry.Kind.Insurer), "not as insurer");
        require(!registry.isAdmitted(HO, IParticipantRegistry.Kind.None), "not as None");
    }

    function test_admitRecordsAnInsurer() public {
        bytes memory key = _key(0x03, "insurer");
        vm.expectEmit(true, true, true, true, address(registry));
        emit ParticipantRegistry.ParticipantAdmitted(
            INSURER, IParticipantRegistry.Kind.Insurer, INSURER_LICENCE, INSURER_NAME, key
        );
        vm.prank(AUTHORITY);
        registry.admit(INSURER, IParticipantRegistry.Kind.Insurer, INSURER_LICENCE, INSURER_NAME, key);
        require(registry.isAdmitted(INSURER, IParticipantRegistry.Kind.Insurer), "admitted as insurer");
        require(!registry.isAdmitted(INSURER, IParticipantRegistry.Kind.HealthOrganization), "not as HO");
        require(registry.licenceHolder(INSURER_LICENCE) == INSURER, "licence holder");
    }

    function test_unknownSignerHasAnEmptyRecord() public view {
        ParticipantRegistry.Participant memory p = registry.participant(STRANGER);
        require(p.status == IParticipantRegistry.Status.None && p.kind == IParticipantRegistry.Kind.None, "empty");
        require(p.admittedAt == 0 && bytes(p.licenceId).length == 0 && p.encryptionKey.length == 0, "zeroes");
        require(registry.licenceHolder("nobody's") == address(0), "no holder");
        require(!registry.isAdmitted(STRANGER, IParticipantRegistry.Kind.None), "None is never admitted");
    }

    function test_admitRefusesTheZeroSigner() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.ZeroAddress.selector));
        registry.admit(address(0), IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x02, "x"));
    }

    function test_admitRefusesKindNone() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.NoKind.selector));
        registry.admit(HO, IParticipantRegistry.Kind.None, HO_LICENCE, HO_NAME, _key(0x02, "x"));
    }

    function test_admitRefusesAnEmptyLicenceId() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.EmptyLicenceId.selector));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, "", HO_NAME, _key(0x02, "x"));
    }

    function test_admitRefusesAnEmptyName() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.EmptyName.selector));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, "", _key(0x02, "x"));
    }

    function test_admitRefusesMalformedEncryptionKeys() public {
        bytes32 x = keccak256("x");
        bytes[6] memory bad = [
            bytes(""),
            abi.encodePacked(bytes1(0x02)),
            abi.encodePacked(x), // 32 bytes, no prefix
            abi.encodePacked(bytes1(0x02), x, bytes1(0x00)), // 34 bytes
            abi.encodePacked(bytes1(0x04), x, x), // 65-byte uncompressed key
            abi.encodePacked(bytes1(0x04), x) // 33 bytes, uncompressed prefix
        ];
        for (uint256 i = 0; i < bad.length; i++) {
            vm.prank(AUTHORITY);
            vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.BadEncryptionKey.selector));
            registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, bad[i]);
        }
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.BadEncryptionKey.selector));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x00, "x"));
    }

    function test_admitRefusesASignerAlreadyAdmitted() public {
        _admitHo();
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.AlreadyAParticipant.selector, HO));
        registry.admit(HO, IParticipantRegistry.Kind.Insurer, INSURER_LICENCE, INSURER_NAME, _key(0x03, "i"));
    }

    function test_admitRefusesASuspendedSigner() public {
        _admitHo();
        vm.startPrank(AUTHORITY);
        registry.suspend(HO);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.AlreadyAParticipant.selector, HO));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, "HO-NEW", HO_NAME, _key(0x02, "ho"));
        vm.stopPrank();
    }

    function test_aBlockedSignerCanNeverBeAdmittedAgain() public {
        _admitHo();
        vm.startPrank(AUTHORITY);
        registry.blockParticipant(HO);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.AlreadyAParticipant.selector, HO));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, "HO-NEW", HO_NAME, _key(0x02, "ho"));
        vm.stopPrank();
        require(_status(HO) == IParticipantRegistry.Status.Blocked, "still blocked");
    }

    function test_admitRefusesALicenceTakenByAnotherSigner() public {
        _admitHo();
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.LicenceTaken.selector, HO_LICENCE, HO));
        registry.admit(INSURER, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x02, "o"));
        require(_status(INSURER) == IParticipantRegistry.Status.None, "not admitted");
    }

    function test_theLicenceOfABlockedParticipantCanNeverBeAdmittedAgain() public {
        _admitHo();
        vm.startPrank(AUTHORITY);
        registry.blockParticipant(HO);
        address successor = address(0x1003);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.LicenceTaken.selector, HO_LICENCE, HO));
        registry.admit(successor, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x02, "s"));
        vm.stopPrank();
        require(registry.licenceHolder(HO_LICENCE) == HO, "licence stays with the blocked signer");
    }

    function test_licenceIdsAreComparedExactly() public {
        _admitHo();
        vm.prank(AUTHORITY);
        registry.admit(INSURER, IParticipantRegistry.Kind.HealthOrganization, "ho-2026-0001", HO_NAME, _key(0x02, "o"));
        require(registry.licenceHolder("ho-2026-0001") == INSURER, "another spelling is another licence");
    }

    function test_strangersCannotAdmit() public {
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER, HA_ROLE));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x02, "ho"));
    }

    // --- suspend ---

    function test_suspendTakesAnAdmittedParticipantOut() public {
        _admitHo();
        _expectStatusChange(HO, IParticipantRegistry.Kind.HealthOrganization, 1, 2);
        vm.prank(AUTHORITY);
        registry.suspend(HO);
        require(_status(HO) == IParticipantRegistry.Status.Suspended, "suspended");
        require(!registry.isAdmitted(HO, IParticipantRegistry.Kind.HealthOrganization), "no longer admitted");
        require(registry.licenceHolder(HO_LICENCE) == HO, "licence kept");
    }

    function test_suspendRefusesANonParticipant() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.NotAParticipant.selector, HO));
        registry.suspend(HO);
    }

    function test_suspendRefusesASuspendedParticipant() public {
        _admitHo();
        vm.startPrank(AUTHORITY);
        registry.suspend(HO);
        vm.expectRevert(
            abi.encodeWithSelector(ParticipantRegistry.BadStatus.selector, HO, IParticipantRegistry.Status.Suspended)
        );
        registry.suspend(HO);
        vm.stopPrank();
    }

    function test_suspendRefusesABlockedParticipant() public {
        _admitHo();
        vm.startPrank(AUTHORITY);
        registry.blockParticipant(HO);
        vm.expectRevert(
            abi.encodeWithSelector(ParticipantRegistry.BadStatus.selector, HO, IParticipantRegistry.Status.Blocked)
        );
        registry.suspend(HO);
        vm.stopPrank();
    }

    function test_strangersCannotSuspend() public {
        _admitHo();
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER, HA_ROLE));
        registry.suspend(HO);
    }

    // --- reinstate ---

    function test_reinstateBringsASuspendedParticipantBack() public {
        _admitHo();
        vm.prank(AUTHORITY);
        registry.suspend(HO);
        _expectStatusChange(HO, IParticipantRegistry.Kind.HealthOrganization, 2, 1);
        vm.prank(AUTHORITY);
        registry.reinstate(HO);
        require(_status(HO) == IParticipantRegistry.Status.Admitted, "admitted again");
        require(registry.isAdmitted(HO, IParticipantRegistry.Kind.HealthOrganization), "isAdmitted again");
    }

    function test_reinstateRefusesANonParticipant() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.NotAParticipant.selector, HO));
        registry.reinstate(HO);
    }

    function test_reinstateRefusesAnAdmittedParticipant() public {
        _admitHo();
        vm.prank(AUTHORITY);
        vm.expectRevert(
            abi.encodeWithSelector(ParticipantRegistry.BadStatus.selector, HO, IParticipantRegistry.Status.Admitted)
        );
        registry.reinstate(HO);
    }

    function test_reinstateRefusesABlockedParticipant() public {
        _admitHo();
        vm.startPrank(AUTHORITY);
        registry.suspend(HO);
        registry.blockParticipant(HO);
        vm.expectRevert(
            abi.encodeWithSelector(ParticipantRegistry.BadStatus.selector, HO, IParticipantRegistry.Status.Blocked)
        );
        registry.reinstate(HO);
        vm.stopPrank();
    }

    function test_strangersCannotReinstate() public {
        _admitHo();
        vm.prank(AUTHORITY);
        registry.suspend(HO);
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER, HA_ROLE));
        registry.reinstate(HO);
    }

    // --- block ---

    function test_blockAnAdmittedParticipant() public {
        _admitHo();
        _expectStatusChange(HO, IParticipantRegistry.Kind.HealthOrganization, 1, 3);
        vm.prank(AUTHORITY);
        registry.blockParticipant(HO);
        ParticipantRegistry.Participant memory p = registry.participant(HO);
        require(p.status == IParticipantRegistry.Status.Blocked, "blocked");
        require(keccak256(bytes(p.licenceId)) == keccak256(bytes(HO_LICENCE)), "record kept");
        require(!registry.isAdmitted(HO, IParticipantRegistry.Kind.HealthOrganization), "not admitted");
    }

    function test_blockASuspendedParticipant() public {
        _admitHo();
        vm.prank(AUTHORITY);
        registry.suspend(HO);
        _expectStatusChange(HO, IParticipantRegistry.Kind.HealthOrganization, 2, 3);
        vm.prank(AUTHORITY);
        registry.blockParticipant(HO);
        require(_status(HO) == IParticipantRegistry.Status.Blocked, "blocked");
    }

    function test_blockRefusesANonParticipant() public {
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.NotAParticipant.selector, HO));
        registry.blockParticipant(HO);
    }

    function test_blockRefusesABlockedParticipant() public {
        _admitHo();
        vm.startPrank(AUTHORITY);
        registry.blockParticipant(HO);
        vm.expectRevert(
            abi.encodeWithSelector(ParticipantRegistry.BadStatus.selector, HO, IParticipantRegistry.Status.Blocked)
        );
        registry.blockParticipant(HO);
        vm.stopPrank();
    }

    function test_strangersCannotBlock() public {
        _admitHo();
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER, HA_ROLE));
        registry.blockParticipant(HO);
    }

    // --- fuzz ---

    function testFuzz_onlyTheAuthorityCanAdmit(address caller) public {
        vm.assume(caller != AUTHORITY);
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, HA_ROLE));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, _key(0x02, "ho"));
    }

    function testFuzz_onlyTheAuthorityCanSuspend(address caller) public {
        vm.assume(caller != AUTHORITY);
        _admitHo();
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, HA_ROLE));
        registry.suspend(HO);
    }

    function testFuzz_onlyTheAuthorityCanReinstate(address caller) public {
        vm.assume(caller != AUTHORITY);
        _admitHo();
        vm.prank(AUTHORITY);
        registry.suspend(HO);
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, HA_ROLE));
        registry.reinstate(HO);
    }

    function testFuzz_onlyTheAuthorityCanBlock(address caller, bool suspendedFirst) public {
        vm.assume(caller != AUTHORITY);
        _admitHo();
        if (suspendedFirst) {
            vm.prank(AUTHORITY);
            registry.suspend(HO);
        }
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, HA_ROLE));
        registry.blockParticipant(HO);
    }

    function testFuzz_onlyTheAdminCanGrantRoles(address caller, bool verifierRole) public {
        vm.assume(caller != ADMIN);
        bytes32 role = verifierRole ? VERIFIER_ROLE : HA_ROLE;
        vm.prank(caller);
        vm.expectRevert(_unauthorized(caller, ADMIN_ROLE));
        registry.grantRole(role, caller);
    }

    function testFuzz_malformedEncryptionKeyIsRefused(bytes calldata key) public {
        vm.assume(key.length != 33 || (key[0] != 0x02 && key[0] != 0x03));
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.BadEncryptionKey.selector));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, key);
    }

    /// Random bytes are rarely 33 long: this one is, with any prefix but 0x02 and 0x03.
    function testFuzz_encryptionKeyWithAWrongPrefixIsRefused(bytes1 prefix, bytes32 x) public {
        vm.assume(prefix != 0x02 && prefix != 0x03);
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.BadEncryptionKey.selector));
        registry.admit(
            HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, abi.encodePacked(prefix, x)
        );
    }

    /// A valid prefix followed by anything but 32 bytes.
    function testFuzz_encryptionKeyOfAWrongLengthIsRefused(bool odd, bytes calldata tail) public {
        vm.assume(tail.length != 32);
        bytes memory key = abi.encodePacked(odd ? bytes1(0x03) : bytes1(0x02), tail);
        vm.prank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(ParticipantRegistry.BadEncryptionKey.selector));
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, key);
    }

    function testFuzz_wellFormedEncryptionKeyIsAccepted(bool odd, bytes32 x) public {
        bytes memory key = abi.encodePacked(odd ? bytes1(0x03) : bytes1(0x02), x);
        vm.prank(AUTHORITY);
        registry.admit(HO, IParticipantRegistry.Kind.HealthOrganization, HO_LICENCE, HO_NAME, key);
        require(keccak256(registry.participant(HO).encryptionKey) == keccak256(key), "key stored");
    }
}

/// @dev Drives the registry at random for the invariant tests: the authority admits, suspends,
/// reinstates and blocks participants from small pools of signers and licences (so that calls
/// collide), and strangers (random accounts, the admin, the verifier) try the same. A model of
/// the expected state predicts every outcome; the invariants read the counters it keeps.
contract ParticipantHandler is CheatCodes {
    uint256 public constant SIGNERS = 6;
    uint256 public constant LICENCES = 8;

    ParticipantRegistry public immutable registry;
    address public immutable authority;
    address public immutable admin;
    address public immutable verifier;

    mapping(address signer => IParticipantRegistry.Status) public expectedStatus;
    mapping(address signer => bool) public everBlocked;
    mapping(bytes32 licenceHash => address signer) public expectedHolder;

    /// Authority calls whose outcome (success, or the exact error) differed from the model.
    uint256 public surprises;
    /// Stranger calls that did not revert with the role error, or that changed any state.
    uint256 public strangerChanges;
    uint256 public strangerAttempts;
    uint256 public admitted;
    uint256 public suspended;
    uint256 public reinstated;
    uint256 public blocked;
    uint256 public refused;

    constructor(ParticipantRegistry registry_, address authority_, address admin_, address verifier_) {
        registry = registry_;
        authority = authority_;
        admin = admin_;
        verifier = verifier_;
    }

    function signerAt(uint256 i) public pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("participant", i)))));
    }

    function licenceAt(uint256 i) public pure returns (string memory) {
        return string(abi.encodePacked("LIC-", bytes1(uint8(0x30 + i))));
    }

    function admit(uint256 signerSeed, uint256 licenceSeed, bool insurer, bool odd) external {
        address signer = signerAt(signerSeed % SIGNERS);
        string memory licence = licenceAt(licenceSeed % LICENCES);
        bytes32 licenceHash = keccak256(bytes(licence));
        bytes memory expected;
        if (expectedStatus[signer] != IParticipantRegistry.Status.None) {
            expected = abi.encodeWithSelector(ParticipantRegistry.AlreadyAParticipant.selector, signer);
        } else if (expectedHolder[licenceHash] != address(0)) {
            expected =
                abi.encodeWithSelector(ParticipantRegistry.LicenceTaken.selector, licence, expectedHolder[licenceHash]);
        }
        IParticipantRegistry.Kind kind =
            insurer ? IParticipantRegistry.Kind.Insurer : IParticipantRegistry.Kind.HealthOrganization;
        bytes memory key = abi.encodePacked(odd ? bytes1(0x03) : bytes1(0x02), licenceHash);
        vm.prank(authority);
        (bool ok, bytes memory err) =
            address(registry).call(abi.encodeCall(ParticipantRegistry.admit, (signer, kind, licence, "Name", key)));
        if (_outcomeMatches(ok, err, expected) && ok) {
            expectedStatus[signer] = IParticipantRegistry.Status.Admitted;
            expectedHolder[licenceHash] = signer;
            admitted++;
        }
    }

    function suspend(uint256 signerSeed) external {
        _authorityMove(
            ParticipantRegistry.suspend.selector,
            _pick(signerSeed, IParticipantRegistry.Status.Admitted, IParticipantRegistry.Status.Admitted),
            IParticipantRegistry.Status.Admitted,
            IParticipantRegistry.Status.Admitted,
            IParticipantRegistry.Status.Suspended
        );
    }

    function reinstate(uint256 signerSeed) external {
        _authorityMove(
            ParticipantRegistry.reinstate.selector,
            _pick(signerSeed, IParticipantRegistry.Status.Suspended, IParticipantRegistry.Status.Suspended),
            IParticipantRegistry.Status.Suspended,
            IParticipantRegistry.Status.Suspended,
            IParticipantRegistry.Status.Admitted
        );
    }

    function blockParticipant(uint256 signerSeed) external {
        _authorityMove(
            ParticipantRegistry.blockParticipant.selector,
            _pick(signerSeed, IParticipantRegistry.Status.Admitted, IParticipantRegistry.Status.Suspended),
            IParticipantRegistry.Status.Admitted,
            IParticipantRegistry.Status.Suspended,
            IParticipantRegistry.Status.Blocked
        );
    }

    /// A stranger tries one of: admit, suspend, reinstate, block, grant itself the authority
    /// role, grant itself the admin role, revoke the authority.
    function stranger(uint256 whoSeed, uint8 action, uint256 signerSeed, uint256 licenceSeed) external {
        action %= 7;
        address who;
        uint256 pick = whoSeed % 3;
        if (pick == 0 && action < 4) who = admin; // the admin is a stranger to participant changes
        else if (pick == 1) who = verifier;
        else who = address(uint160(whoSeed >> 8));
        if (who == authority || who == admin) who = address(0xBAD);

        address signer = signerAt(signerSeed % SIGNERS);
        bytes memory call;
        bytes32 role = action < 4 ? registry.HEALTH_AUTHORITY_ROLE() : registry.DEFAULT_ADMIN_ROLE();
        if (action == 0) {
            string memory licence = licenceAt(licenceSeed % LICENCES);
            call = abi.encodeCall(
                ParticipantRegistry.admit,
                (signer, IParticipantRegistry.Kind.Insurer, licence, "Name", abi.encodePacked(bytes1(0x02), bytes32(0)))
            );
        } else if (action == 1) {
            call = abi.encodeCall(ParticipantRegistry.suspend, (signer));
        } else if (action == 2) {
            call = abi.encodeCall(ParticipantRegistry.reinstate, (signer));
        } else if (action == 3) {
            call = abi.encodeCall(ParticipantRegistry.blockParticipant, (signer));
        } else if (action == 4) {
            call = abi.encodeCall(registry.grantRole, (registry.HEALTH_AUTHORITY_ROLE(), who));
        } else if (action == 5) {
            call = abi.encodeCall(registry.grantRole, (registry.DEFAULT_ADMIN_ROLE(), who));
        } else {
            call = abi.encodeCall(registry.revokeRole, (registry.HEALTH_AUTHORITY_ROLE(), authority));
        }

        bytes32 before = fingerprint(who);
        vm.prank(who);
        (bool ok, bytes memory err) = address(registry).call(call);
        strangerAttempts++;
        bytes memory expected =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, role);
        if (ok || keccak256(err) != keccak256(expected) || fingerprint(who) != before) strangerChanges++;
    }

    /// A hash of every record in the pools, every licence holder, and the roles in play.
    function fingerprint(address who) public view returns (bytes32 h) {
        for (uint256 i = 0; i < SIGNERS; i++) {
            h = keccak256(abi.encode(h, registry.participant(signerAt(i))));
        }
        for (uint256 i = 0; i < LICENCES; i++) {
            h = keccak256(abi.encode(h, registry.licenceHolder(licenceAt(i))));
        }
        h = keccak256(
            abi.encode(
                h,
                registry.hasRole(registry.HEALTH_AUTHORITY_ROLE(), authority),
                registry.hasRole(registry.HEALTH_AUTHORITY_ROLE(), who),
                registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), who),
                registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin)
            )
        );
    }

    /// Three times in four, a signer the change applies to (if any); otherwise any signer, so
    /// that refusals are exercised too.
    function _pick(uint256 seed, IParticipantRegistry.Status a, IParticipantRegistry.Status b)
        private
        view
        returns (address)
    {
        uint256 start = (seed >> 2) % SIGNERS;
        if (seed % 4 != 0) {
            for (uint256 i = 0; i < SIGNERS; i++) {
                address signer = signerAt((start + i) % SIGNERS);
                IParticipantRegistry.Status status = expectedStatus[signer];
                if (status == a || status == b) return signer;
            }
        }
        return signerAt(start);
    }

    function _authorityMove(
        bytes4 selector,
        address signer,
        IParticipantRegistry.Status from1,
        IParticipantRegistry.Status from2,
        IParticipantRegistry.Status to
    ) private {
        IParticipantRegistry.Status current = expectedStatus[signer];
        bytes memory expected;
        if (current == IParticipantRegistry.Status.None) {
            expected = abi.encodeWithSelector(ParticipantRegistry.NotAParticipant.selector, signer);
        } else if (current != from1 && current != from2) {
            expected = abi.encodeWithSelector(ParticipantRegistry.BadStatus.selector, signer, current);
        }
        vm.prank(authority);
        (bool ok, bytes memory err) = address(registry).call(abi.encodeWithSelector(selector, signer));
        if (_outcomeMatches(ok, err, expected) && ok) {
            expectedStatus[signer] = to;
            if (to == IParticipantRegistry.Status.Blocked) {
                everBlocked[signer] = true;
                blocked++;
            } else if (to == IParticipantRegistry.Status.Suspended) {
                suspended++;
            } else {
                reinstated++;
            }
        }
    }

    /// Counts a surprise unless the call succeeded when `expected` is empty, or failed with
    /// exactly `expected`.
    function _outcomeMatches(bool ok, bytes memory err, bytes memory expected) private returns (bool) {
        bool matches = expected.length == 0 ? ok : (!ok && keccak256(err) == keccak256(expected));
        if (!matches) surprises++;
        else if (!ok) refused++;
        return matches;
    }
}

contract ParticipantRegistryInvariantTest is ParticipantFixture {
    ParticipantHandler internal handler;

    function setUp() public {
        _deploy();
        handler = new ParticipantHandler(registry, AUTHORITY, ADMIN, VERIFIER);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_aBlockedParticipantStaysBlocked() public view {
        for (uint256 i = 0; i < handler.SIGNERS(); i++) {
            address signer = handler.signerAt(i);
            if (!handler.everBlocked(signer)) continue;
            ParticipantRegistry.Participant memory p = registry.participant(signer);
            require(p.status == IParticipantRegistry.Status.Blocked, "blocked is final");
            require(registry.licenceHolder(p.licenceId) == signer, "a blocked licence stays taken");
        }
    }

    function invariant_isAdmittedExactlyWhenStatusIsAdmitted() public view {
        require(handler.surprises() == 0, "every call went as the model predicted");
        for (uint256 i = 0; i < handler.SIGNERS() + 3; i++) {
            address signer =
                i < handler.SIGNERS() ? handler.signerAt(i) : [ADMIN, AUTHORITY, VERIFIER][i - handler.SIGNERS()];
            ParticipantRegistry.Participant memory p = registry.participant(signer);
            require(p.status == handler.expectedStatus(signer), "status follows the model");
            for (uint8 k = 0; k < 3; k++) {
                IParticipantRegistry.Kind kind = IParticipantRegistry.Kind(k);
                bool expected = p.status == IParticipantRegistry.Status.Admitted && p.kind == kind;
                require(registry.isAdmitted(signer, kind) == expected, "isAdmitted iff Admitted, for its kind");
            }
        }
    }

    function invariant_noLicenceUnderTwoSigners() public view {
        uint256 taken;
        for (uint256 j = 0; j < handler.LICENCES(); j++) {
            string memory licence = handler.licenceAt(j);
            address holder = registry.licenceHolder(licence);
            if (holder == address(0)) continue;
            taken++;
            require(
                keccak256(bytes(registry.participant(holder).licenceId)) == keccak256(bytes(licence)),
                "the holder's record names the licence"
            );
        }
        uint256 participants;
        for (uint256 i = 0; i < handler.SIGNERS(); i++) {
            address signer = handler.signerAt(i);
            ParticipantRegistry.Participant memory p = registry.participant(signer);
            if (p.status == IParticipantRegistry.Status.None) continue;
            participants++;
            require(registry.licenceHolder(p.licenceId) == signer, "each participant holds its own licence");
        }
        require(taken == participants, "one licence per participant, one participant per licence");
    }

    function invariant_strangersNeverChangeState() public view {
        require(handler.strangerChanges() == 0, "every stranger call was refused with the role error");
        require(registry.hasRole(HA_ROLE, AUTHORITY), "the authority kept its role");
        require(!registry.hasRole(HA_ROLE, VERIFIER) && !registry.hasRole(ADMIN_ROLE, VERIFIER), "no new roles");
    }
}
