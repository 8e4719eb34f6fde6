// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {PolicyRegistry} from "../src/PolicyRegistry.sol";
import {PatientRegistry} from "../src/PatientRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {ParticipantsStub} from "./ParticipantsStub.sol";
import {CheatCodes} from "./Vm.sol";

/// @dev The registries over a participants stub, policy 1 published, and the helpers that register
/// and sign.
abstract contract PatientFixture is CheatCodes {
    ParticipantsStub internal participants;
    PolicyRegistry internal policies;
    PatientRegistry internal patients;

    uint256 internal constant INSURER_KEY = 0xA11CE;
    uint256 internal constant PATIENT_KEY = 0xB0B;
    uint256 internal constant NEW_KEY = 0xE11E;
    address internal constant VERIFIER = address(0x5E1F);
    bytes32 internal constant POLICY = keccak256("gold-plan");
    bytes32 internal constant CARD = keccak256("card 12345");
    bytes32 internal constant NID = keccak256("salted NID 1");
    bytes internal constant DOC = bytes('{"resourceType":"InsurancePlan"}');
    bytes internal constant ENC_UD = hex"04aabbccddeeff00112233445566778899";

    function setUp() public virtual {
        vm.warp(1_800_000_000);
        participants = new ParticipantsStub();
        policies = new PolicyRegistry(participants);
        patients = new PatientRegistry(participants, policies);
        participants.setAdmitted(vm.addr(INSURER_KEY), IParticipantRegistry.Kind.Insurer);
        participants.setVerifier(VERIFIER, true);
        _publish(1, keccak256("v1"), bytes32(0));
    }

    function _publish(uint64 n, bytes32 contentHash, bytes32 previous) internal {
        PolicyRegistry.PolicyVersion memory v = PolicyRegistry.PolicyVersion(
            POLICY, n, contentHash, keccak256(DOC), previous, 1_800_000_000, "application/fhir+json", 1_800_003_600
        );
        vm.prank(vm.addr(INSURER_KEY));
        policies.publishOwn(v, DOC);
    }

    function _enrolment(uint256 patientKey) internal view returns (PolicyRegistry.Enrolment memory) {
        return PolicyRegistry.Enrolment(
            vm.addr(patientKey), vm.addr(INSURER_KEY), POLICY, 1, CARD, uint64(block.timestamp + 1 hours)
        );
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _register(uint256 patientKey, bytes32 nid) internal returns (bytes32) {
        PolicyRegistry.Enrolment memory e = _enrolment(patientKey);
        bytes32 digest = policies.enrolmentDigest(e);
        vm.prank(VERIFIER);
        return patients.register(e.patient, nid, ENC_UD, e, _sign(patientKey, digest), _sign(INSURER_KEY, digest));
    }

    function _expectRegisterReverts(
        PolicyRegistry.Enrolment memory e,
        bytes32 nid,
        bytes memory data,
        bytes memory patientSig,
        bytes memory insurerSig,
        bytes memory reason
    ) internal {
        vm.prank(VERIFIER);
        vm.expectRevert(reason);
        patients.register(e.patient, nid, data, e, patientSig, insurerSig);
    }

}

contract PatientRegistryTest is PatientFixture {
    function test_theVerifierRegistersAPatientAndHIsKnown() public {
        bytes32 h = _register(PATIENT_KEY, NID);
        bytes32 enrolmentHash = keccak256(
            abi.encode(
                policies.ENROLMENT_TYPEHASH(),
                vm.addr(PATIENT_KEY),
                vm.addr(INSURER_KEY),
                POLICY,
                uint64(1),
                CARD,
                uint64(block.timestamp + 1 hours)
            )
        );
        require(h == keccak256(abi.encode(NID, keccak256(ENC_UD), enrolmentHash)), "H is the hash of what was stored");
        address patient = vm.addr(PATIENT_KEY);
        require(patients.isRegistered(patient, h), "H belongs to the registered patient");
        require(!patients.isRegistered(vm.addr(INSURER_KEY), h), "H is not another address's");
        require(patients.recordOf(patient) == h, "the patient's H");
        require(!patients.isRegistered(patient, keccak256("unknown")), "an unknown H is not hers");
        require(!patients.isRegistered(address(0xDEAD), bytes32(0)), "zero is never registered");
    }

    function test_onlyTheVerifierRegisters() public {
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        bytes memory ps = _sign(PATIENT_KEY, digest);
        bytes memory is_ = _sign(INSURER_KEY, digest);
        vm.prank(vm.addr(INSURER_KEY));
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotTheVerifier.selector, vm.addr(INSURER_KEY)));
        patients.register(e.patient, NID, ENC_UD, e, ps, is_);
    }

    function test_malformedRegistrationsAreRefused() public {
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        bytes memory ps = _sign(PATIENT_KEY, digest);
        bytes memory is_ = _sign(INSURER_KEY, digest);
        _expectRegisterReverts(
            e, bytes32(0), ENC_UD, ps, is_, abi.encodeWithSelector(PatientRegistry.EmptyCommitment.selector)
        );
        _expectRegisterReverts(
            e, NID, "", ps, is_, abi.encodeWithSelector(PatientRegistry.BadEncryptedData.selector, uint256(0))
        );
        bytes memory huge = new bytes(16 * 1024 + 1);
        _expectRegisterReverts(
            e, NID, huge, ps, is_, abi.encodeWithSelector(PatientRegistry.BadEncryptedData.selector, huge.length)
        );
        vm.prank(VERIFIER);
        vm.expectRevert(
            abi.encodeWithSelector(
                PatientRegistry.EnrolmentOfAnotherPatient.selector, vm.addr(0xCAFE), vm.addr(PATIENT_KEY)
            )
        );
        patients.register(vm.addr(0xCAFE), NID, ENC_UD, e, ps, is_);
    }

    function test_aPatientOrANidRegistersOnce() public {
        require(!patients.isNidRegistered(NID), "free before");
        _register(PATIENT_KEY, NID);
        require(patients.isNidRegistered(NID), "taken after");
        require(!patients.isNidRegistered(keccak256("another NID")), "others free");
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        _expectRegisterReverts(
            e,
            keccak256("another NID"),
            ENC_UD,
            _sign(PATIENT_KEY, digest),
            _sign(INSURER_KEY, digest),
            abi.encodeWithSelector(PatientRegistry.AlreadyRegistered.selector, vm.addr(PATIENT_KEY))
        );
        PolicyRegistry.Enrolment memory other = _enrolment(0xD0D);
        bytes32 otherDigest = policies.enrolmentDigest(other);
        _expectRegisterReverts(
            other,
            NID,
            ENC_UD,
            _sign(0xD0D, otherDigest),
            _sign(INSURER_KEY, otherDigest),
            abi.encodeWithSelector(PatientRegistry.NidAlreadyRegistered.selector, NID)
        );
    }

    function test_enrolmentNeedsBothSignatures() public {
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        _expectRegisterReverts(
            e,
            NID,
            ENC_UD,
            _sign(0xD0D, digest),
            _sign(INSURER_KEY, digest),
            abi.encodeWithSelector(PolicyRegistry.NotSignedBy.selector, vm.addr(PATIENT_KEY), vm.addr(0xD0D))
        );
        _expectRegisterReverts(
            e,
            NID,
            ENC_UD,
            _sign(PATIENT_KEY, digest),
            _sign(PATIENT_KEY, digest),
            abi.encodeWithSelector(PolicyRegistry.NotSignedBy.selector, vm.addr(INSURER_KEY), vm.addr(PATIENT_KEY))
        );
    }

    function test_enrolmentIsBoundToItsVersionPolicyAndChain() public {
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        bytes memory ps = _sign(PATIENT_KEY, digest);
        bytes memory is_ = _sign(INSURER_KEY, digest);

        // Another version: published, but not what they signed.
        _publish(2, keccak256("v2"), keccak256("v1"));
        PolicyRegistry.Enrolment memory v2 = _enrolment(PATIENT_KEY);
        v2.version = 2;
        vm.prank(VERIFIER);
        try patients.register(v2.patient, NID, ENC_UD, v2, ps, is_) {
            revert("a version-1 enrolment enrolled in version 2");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PolicyRegistry.NotSignedBy.selector, "refused as not signed");
        }

        // A version that does not exist, and a policy the insurer never published.
        PolicyRegistry.Enrolment memory v9 = _enrolment(PATIENT_KEY);
        v9.version = 9;
        _expectRegisterReverts(
            v9,
            NID,
            ENC_UD,
            ps,
            is_,
            abi.encodeWithSelector(PolicyRegistry.NoSuchPolicyVersion.selector, vm.addr(INSURER_KEY), POLICY, uint64(9))
        );
        PolicyRegistry.Enrolment memory silver = _enrolment(PATIENT_KEY);
        silver.policyId = keccak256("silver-plan");
        _expectRegisterReverts(
            silver,
            NID,
            ENC_UD,
            ps,
            is_,
            abi.encodeWithSelector(
                PolicyRegistry.NoSuchPolicyVersion.selector, vm.addr(INSURER_KEY), keccak256("silver-plan"), uint64(1)
            )
        );

        // Another chain.
        vm.chainId(4242);
        vm.prank(VERIFIER);
        try patients.register(e.patient, NID, ENC_UD, e, ps, is_) {
            revert("an enrolment signed for chain 31337 enrolled on chain 4242");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PolicyRegistry.NotSignedBy.selector, "refused as not signed");
        }
    }

    function test_anExpiredEnrolmentOrASuspendedInsurerIsRefused() public {
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        bytes memory ps = _sign(PATIENT_KEY, digest);
        bytes memory is_ = _sign(INSURER_KEY, digest);
        vm.warp(e.deadline + 1);
        _expectRegisterReverts(
            e, NID, ENC_UD, ps, is_, abi.encodeWithSelector(PolicyRegistry.EnrolmentExpired.selector, e.deadline)
        );
        vm.warp(e.deadline);
        participants.setAdmitted(vm.addr(INSURER_KEY), IParticipantRegistry.Kind.None);
        _expectRegisterReverts(
            e,
            NID,
            ENC_UD,
            ps,
            is_,
            abi.encodeWithSelector(PolicyRegistry.NotAnAdmittedInsurer.selector, vm.addr(INSURER_KEY))
        );
    }

    /// Both keys' signatures over the rotation of `fromKey`'s registration to `toKey`.
    function _rotationSignatures(uint256 fromKey, uint256 toKey, uint64 deadline)
        internal
        view
        returns (bytes memory byOldKey, bytes memory byNewKey)
    {
        bytes32 digest = patients.rotationDigest(vm.addr(fromKey), vm.addr(toKey), deadline);
        return (_sign(fromKey, digest), _sign(toKey, digest));
    }

    function test_thePatientMovesHerRegistrationToANewKey() public {
        bytes32 h = _register(PATIENT_KEY, NID);
        address from = vm.addr(PATIENT_KEY);
        address to = vm.addr(NEW_KEY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        (bytes memory byOldKey, bytes memory byNewKey) = _rotationSignatures(PATIENT_KEY, NEW_KEY, deadline);

        // The new key's signature in the old key's place moves nothing.
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotSignedByTheOldKey.selector, from, to));
        patients.rotateKey(from, to, deadline, byNewKey, byNewKey);

        patients.rotateKey(from, to, deadline, byOldKey, byNewKey);
        require(patients.isRegistered(to, h) && patients.recordOf(to) == h, "H moved to the new key");
        require(!patients.isRegistered(from, h), "H is no longer the old key's");
        require(patients.recordOf(from) == bytes32(0), "the old key holds nothing");
        require(patients.rotationsOf(h) == 1, "the record moved once");

        // Moved back, the first signatures cannot move it again.
        (bytes memory backByOld, bytes memory backByNew) = _rotationSignatures(NEW_KEY, PATIENT_KEY, deadline);
        patients.rotateKey(to, from, deadline, backByOld, backByNew);
        try patients.rotateKey(from, to, deadline, byOldKey, byNewKey) {
            revert("a rotation signature was replayed");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PatientRegistry.NotSignedByTheOldKey.selector, "refused as not signed");
        }

        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.RotationExpired.selector, deadline));
        patients.rotateKey(from, to, deadline, byOldKey, byNewKey);
    }

    function test_rotationNeedsTheNewKeysSignature() public {
        bytes32 h = _register(PATIENT_KEY, NID);
        address from = vm.addr(PATIENT_KEY);
        address to = vm.addr(NEW_KEY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes32 digest = patients.rotationDigest(from, to, deadline);
        bytes memory byOldKey = _sign(PATIENT_KEY, digest);

        // The old key alone, twice over: nobody showed that the patient holds the new key.
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotSignedByTheNewKey.selector, to, from));
        patients.rotateKey(from, to, deadline, byOldKey, byOldKey);
        // Someone else's key in the new key's place.
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotSignedByTheNewKey.selector, to, vm.addr(0xD0D)));
        patients.rotateKey(from, to, deadline, byOldKey, _sign(0xD0D, digest));
        // The new key's signature over another rotation (to another address, or another deadline).
        bytes memory elsewhere = _sign(NEW_KEY, patients.rotationDigest(from, vm.addr(0xD0D), deadline));
        try patients.rotateKey(from, to, deadline, byOldKey, elsewhere) {
            revert("moved with the new key's signature over another rotation");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PatientRegistry.NotSignedByTheNewKey.selector, "refused as not signed");
        }
        bytes memory later = _sign(NEW_KEY, patients.rotationDigest(from, to, deadline + 1));
        try patients.rotateKey(from, to, deadline, byOldKey, later) {
            revert("moved with the new key's signature over another deadline");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PatientRegistry.NotSignedByTheNewKey.selector, "refused as not signed");
        }
        require(patients.recordOf(from) == h && patients.recordOf(to) == bytes32(0), "nothing moved");
        require(patients.rotationsOf(h) == 0, "the nonce is unused");

        patients.rotateKey(from, to, deadline, byOldKey, _sign(NEW_KEY, digest));
        require(patients.recordOf(to) == h, "both keys signed: H moved");
    }

    function test_rotationRefusesUnknownAndTakenKeys() public {
        _register(PATIENT_KEY, NID);
        _register(0xD0D, keccak256("salted NID 2"));
        uint64 deadline = uint64(block.timestamp + 1 hours);
        address from = vm.addr(PATIENT_KEY);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.AlreadyRegistered.selector, vm.addr(0xD0D)));
        patients.rotateKey(from, vm.addr(0xD0D), deadline, "", "");
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotRegistered.selector, vm.addr(0xF00)));
        patients.rotateKey(vm.addr(0xF00), vm.addr(0xF01), deadline, "", "");
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.ZeroAddress.selector));
        patients.rotateKey(from, address(0), deadline, "", "");
    }

    /// Whatever key signs in the new key's place, only the new key's own signature moves the record.
    function testFuzz_onlyTheNewKeyAcceptsTheRecord(uint256 otherKey) public {
        // A valid secp256k1 key other than the new one.
        otherKey = bound(otherKey, 1, SECP256K1_ORDER - 1);
        vm.assume(otherKey != NEW_KEY);
        bytes32 h = _register(PATIENT_KEY, NID);
        address from = vm.addr(PATIENT_KEY);
        address to = vm.addr(NEW_KEY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes32 digest = patients.rotationDigest(from, to, deadline);
        bytes memory byOldKey = _sign(PATIENT_KEY, digest);
        vm.expectRevert(
            abi.encodeWithSelector(PatientRegistry.NotSignedByTheNewKey.selector, to, vm.addr(otherKey))
        );
        patients.rotateKey(from, to, deadline, byOldKey, _sign(otherKey, digest));
        require(patients.recordOf(from) == h, "nothing moved");
    }

    /// A record cannot be moved onto any address without that address's own signature, whoever
    /// else signs.
    function testFuzz_noRecordMovesOntoAnAddressThatDidNotSign(address to) public {
        vm.assume(to != address(0) && to != vm.addr(PATIENT_KEY));
        bytes32 h = _register(PATIENT_KEY, NID);
        address from = vm.addr(PATIENT_KEY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes32 digest = patients.rotationDigest(from, to, deadline);
        bytes memory byOldKey = _sign(PATIENT_KEY, digest);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotSignedByTheNewKey.selector, to, from));
        patients.rotateKey(from, to, deadline, byOldKey, byOldKey);
        require(patients.recordOf(from) == h && patients.recordOf(to) == bytes32(0), "nothing moved");
    }

    function testFuzz_nobodyButTheVerifierRegisters(address caller) public {
        vm.assume(caller != VERIFIER);
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        bytes memory ps = _sign(PATIENT_KEY, digest);
        bytes memory is_ = _sign(INSURER_KEY, digest);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotTheVerifier.selector, caller));
        patients.register(e.patient, NID, ENC_UD, e, ps, is_);
    }

    function testFuzz_theDeadlineIsHonoured(uint64 late) public {
        PolicyRegistry.Enrolment memory e = _enrolment(PATIENT_KEY);
        bytes32 digest = policies.enrolmentDigest(e);
        bytes memory ps = _sign(PATIENT_KEY, digest);
        bytes memory is_ = _sign(INSURER_KEY, digest);
        vm.assume(late > 0 && late < type(uint64).max - e.deadline);
        vm.warp(uint256(e.deadline) + late);
        _expectRegisterReverts(
            e, NID, ENC_UD, ps, is_, abi.encodeWithSelector(PolicyRegistry.EnrolmentExpired.selector, e.deadline)
        );
    }
}

/// @dev Drives the registry at random: the verifier registers, the verifier and the authority
/// propose recoveries, holders cancel them, time passes and anyone executes them, while strangers
/// try to register.
contract PatientRegistryHandler is CheatCodes {
    PolicyRegistry internal policies;
    PatientRegistry internal patients;
    address internal verifier;
    uint256 internal insurerKey;
    bytes32 internal policy;

    address internal authority;

    address[] public registered;
    bytes32[] public nids;
    uint256 public strangerSuccesses;
    /// Recoveries executed before their timelock, or cancelled by the holder of an authority's.
    uint256 public timelockBreaches;
    uint256 public hijackerCancels;
    uint256 public recovered;

    constructor(
        PolicyRegistry policies_,
        PatientRegistry patients_,
        address verifier_,
        uint256 insurerKey_,
        bytes32 policy_,
        address authority_
    ) {
        authority = authority_;
        policies = policies_;
        patients = patients_;
        verifier = verifier_;
        insurerKey = insurerKey_;
        policy = policy_;
    }

    function nidCount() external view returns (uint256) {
        return nids.length;
    }

    function registeredCount() external view returns (uint256) {
        return registered.length;
    }

    function _signed(uint256 patientKey)
        internal
        view
        returns (PolicyRegistry.Enrolment memory e, bytes memory ps, bytes memory is_)
    {
        e = PolicyRegistry.Enrolment(
            vm.addr(patientKey), vm.addr(insurerKey), policy, 1, keccak256("card"), uint64(block.timestamp + 1)
        );
        bytes32 digest = policies.enrolmentDigest(e);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(patientKey, digest);
        ps = abi.encodePacked(r, s, v);
        (v, r, s) = vm.sign(insurerKey, digest);
        is_ = abi.encodePacked(r, s, v);
    }

    function register(uint8 patientSeed, uint8 nidSeed) external {
        uint256 key = uint256(patientSeed) + 1;
        (PolicyRegistry.Enrolment memory e, bytes memory ps, bytes memory is_) = _signed(key);
        vm.prank(verifier);
        bytes32 nid = _nid(nidSeed);
        try patients.register(e.patient, nid, hex"0401", e, ps, is_) {
            registered.push(e.patient);
            nids.push(nid);
        } catch {}
    }

    /// One of 16 NID commitments, so that recoveries meet registrations.
    function _nid(uint8 seed) internal pure returns (bytes32) {
        return keccak256(abi.encode(seed % 16));
    }

    /// The verifier or the authority proposes a new key (seeded apart from registration keys).
    function proposeRecovery(uint8 nidSeed, uint8 keySeed, bool byAuthority) external {
        bytes32 nid = _nid(nidSeed);
        uint256 key = uint256(keySeed % 16) + 1000;
        uint64 deadline = uint64(block.timestamp + 1);
        bytes32 digest = patients.recoveryDigest(nid, vm.addr(key), deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        vm.prank(byAuthority ? authority : verifier);
        try patients.proposeRecovery(nid, vm.addr(key), deadline, abi.encodePacked(r, s, v)) {} catch {}
    }

    /// The current key tries to cancel: it may only when the verifier proposed.
    function holderCancels(uint8 nidSeed) external {
        bytes32 nid = _nid(nidSeed);
        PatientRegistry.PendingRecovery memory pending = patients.pendingRecovery(nid);
        vm.prank(patients.holderOfNid(nid));
        try patients.cancelRecovery(nid) {
            if (pending.byAuthority) hijackerCancels += 1;
        } catch {}
    }

    function passTime(uint32 secondsLater) external {
        vm.warp(block.timestamp + secondsLater % 8 days);
    }

    function executeRecovery(uint8 nidSeed) external {
        bytes32 nid = _nid(nidSeed);
        PatientRegistry.PendingRecovery memory pending = patients.pendingRecovery(nid);
        try patients.executeRecovery(nid) {
            if (block.timestamp < pending.executableAt) timelockBreaches += 1;
            recovered += 1;
        } catch {}
    }

    function strangerRegisters(address stranger, uint8 patientSeed, uint8 nidSeed) external {
        if (stranger == verifier) return;
        uint256 key = uint256(patientSeed) + 1;
        (PolicyRegistry.Enrolment memory e, bytes memory ps, bytes memory is_) = _signed(key);
        vm.prank(stranger);
        try patients.register(e.patient, keccak256(abi.encode(nidSeed)), hex"0401", e, ps, is_) {
            strangerSuccesses += 1;
        } catch {}
    }
}

contract PatientRegistryInvariants is CheatCodes {
    ParticipantsStub internal participants;
    PolicyRegistry internal policies;
    PatientRegistry internal patients;
    PatientRegistryHandler internal handler;
    uint256 internal constant INSURER_KEY = 0xA11CE;
    address internal constant VERIFIER = address(0x5E1F);
    address internal constant AUTHORITY = address(0xA07);
    bytes32 internal constant POLICY = keccak256("gold-plan");

    function setUp() public {
        participants = new ParticipantsStub();
        policies = new PolicyRegistry(participants);
        patients = new PatientRegistry(participants, policies);
        participants.setAdmitted(vm.addr(INSURER_KEY), IParticipantRegistry.Kind.Insurer);
        participants.setVerifier(VERIFIER, true);
        bytes memory doc = bytes("{}");
        vm.prank(vm.addr(INSURER_KEY));
        policies.publishOwn(
            PolicyRegistry.PolicyVersion(
                POLICY, 1, keccak256("v1"), keccak256(doc), bytes32(0), 0, "application/json", uint64(block.timestamp)
            ),
            doc
        );
        handler = new PatientRegistryHandler(policies, patients, VERIFIER, INSURER_KEY, POLICY, AUTHORITY);
        participants.setHealthAuthority(AUTHORITY, true);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_onlyTheVerifierEverRegistered() public view {
        require(handler.strangerSuccesses() == 0, "a stranger registered a patient");
    }

    /// Every registration, recovered or not, has one holder, found from its NID commitment and
    /// from its H, who holds that H.
    function invariant_everyRegistrationIsFoundByItsH() public view {
        for (uint256 i = 0; i < handler.nidCount(); i++) {
            address holder = patients.holderOfNid(handler.nids(i));
            bytes32 h = patients.recordOf(holder);
            require(holder != address(0), "a registered NID has a holder");
            require(h != bytes32(0) && patients.isRegistered(holder, h), "its holder has a known H");
            require(patients.holderOf(h) == holder, "H names its holder");
        }
    }

    /// A recovery never ran before its timelock, and the current key never cancelled one the
    /// authority proposed.
    function invariant_recoveriesKeepTheirRules() public view {
        require(handler.timelockBreaches() == 0, "a recovery ran before its timelock");
        require(handler.hijackerCancels() == 0, "the holder cancelled the authority's recovery");
    }
}
