// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {PatientRegistry} from "../src/PatientRegistry.sol";
import {PatientFixture} from "./PatientRegistry.t.sol";

/// Recovery of a registration: a lost key recovered, a hijacked NID returned to its owner, and who
/// may propose, cancel and execute.
contract PatientRecoveryTest is PatientFixture {
    address internal constant AUTHORITY = address(0xA07);
    address internal constant STRANGER = address(0x5757);
    uint256 internal constant RECOVERED_KEY = 0xF1E5;
    uint256 internal constant HIJACKER_KEY = 0xBAD;
    uint64 internal constant TIMELOCK = 7 days;

    function setUp() public override {
        super.setUp();
        participants.setHealthAuthority(AUTHORITY, true);
    }

    function _deadline() internal view returns (uint64) {
        return uint64(block.timestamp + 1 hours);
    }

    /// The new key's signature of its recovery of `nid`, with the current nonce.
    function _signRecovery(uint256 newKey, bytes32 nid, uint64 deadline) internal view returns (bytes memory) {
        return _sign(newKey, patients.recoveryDigest(nid, vm.addr(newKey), deadline));
    }

    function _propose(address proposer, bytes32 nid, uint256 newKey) internal returns (uint64 executableAt) {
        uint64 deadline = _deadline();
        bytes memory signature = _signRecovery(newKey, nid, deadline);
        vm.prank(proposer);
        patients.proposeRecovery(nid, vm.addr(newKey), deadline, signature);
        return patients.pendingRecovery(nid).executableAt;
    }

    function _expectProposeReverts(
        address proposer,
        bytes32 nid,
        address to,
        uint64 deadline,
        bytes memory sig,
        bytes memory reason
    ) internal {
        vm.prank(proposer);
        vm.expectRevert(reason);
        patients.proposeRecovery(nid, to, deadline, sig);
    }

    function test_theTimelockIsSevenDays() public view {
        require(patients.RECOVERY_TIMELOCK() == TIMELOCK, "7 days");
        require(
            patients.RECOVERY_TYPEHASH()
                == keccak256("Recovery(bytes32 nidCommitment,address to,uint64 nonce,uint64 deadline)"),
            "the EIP-712 type"
        );
    }

    function test_aLostKeyIsRecovered() public {
        bytes32 h = _register(PATIENT_KEY, NID);
        address lost = vm.addr(PATIENT_KEY);
        address recovered = vm.addr(RECOVERED_KEY);
        require(patients.holderOfNid(NID) == lost && patients.holderOf(h) == lost, "she holds her NID's H");

        // The verification unit re-verified her and proposes her new key: announced on chain.
        uint64 deadline = _deadline();
        bytes memory signature = _signRecovery(RECOVERED_KEY, NID, deadline);
        uint64 executableAt = uint64(block.timestamp) + TIMELOCK;
        vm.expectEmit(true, true, true, true, address(patients));
        emit PatientRegistry.RecoveryProposed(NID, h, lost, recovered, executableAt, VERIFIER, false);
        vm.prank(VERIFIER);
        patients.proposeRecovery(NID, recovered, deadline, signature);
        PatientRegistry.PendingRecovery memory pending = patients.pendingRecovery(NID);
        require(pending.record == h && pending.from == lost && pending.to == recovered, "the pending move");
        require(pending.executableAt == executableAt && !pending.byAuthority, "after the timelock, by the verifier");
        require(patients.recoveryNonceOf(NID) == 1, "the signature is spent");

        // Nothing moves before the timelock, even a second before it.
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.RecoveryTimelocked.selector, NID, executableAt));
        patients.executeRecovery(NID);
        vm.warp(executableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.RecoveryTimelocked.selector, NID, executableAt));
        patients.executeRecovery(NID);
        require(patients.isRegistered(lost, h), "still the lost key's");

        // Then anyone executes it, as a rotation.
        vm.warp(executableAt);
        vm.expectEmit(true, true, true, true, address(patients));
        emit PatientRegistry.KeyRotated(lost, recovered, h);
        vm.expectEmit(true, true, true, true, address(patients));
        emit PatientRegistry.RecoveryExecuted(NID, h, lost, recovered);
        vm.prank(STRANGER);
        patients.executeRecovery(NID);
        require(patients.isRegistered(recovered, h) && patients.recordOf(recovered) == h, "H is the new key's");
        require(!patients.isRegistered(lost, h) && patients.recordOf(lost) == bytes32(0), "the lost key holds nothing");
        require(patients.holderOfNid(NID) == recovered && patients.holderOf(h) == recovered, "the NID's holder");
        require(patients.rotationsOf(h) == 1, "counted as a move");
        require(patients.pendingRecovery(NID).to == address(0), "nothing pending");
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NoPendingRecovery.selector, NID));
        patients.executeRecovery(NID);

        // The recovered key rotates like any key, with the moved nonce.
        uint64 rotationDeadline = _deadline();
        bytes32 digest = patients.rotationDigest(recovered, vm.addr(NEW_KEY), rotationDeadline);
        patients.rotateKey(
            recovered, vm.addr(NEW_KEY), rotationDeadline, _sign(RECOVERED_KEY, digest), _sign(NEW_KEY, digest)
        );
        require(patients.holderOfNid(NID) == vm.addr(NEW_KEY), "rotation keeps the NID's holder current");
    }

    function test_aHijackedNidIsReturnedToItsOwner() public {
        // Someone else registered her national ID.
        bytes32 h = _register(HIJACKER_KEY, NID);
        address hijacker = vm.addr(HIJACKER_KEY);
        address owner = vm.addr(RECOVERED_KEY);

        // After an investigation, the health authority proposes her key.
        uint64 executableAt = _propose(AUTHORITY, NID, RECOVERED_KEY);
        require(patients.pendingRecovery(NID).byAuthority, "the authority's recovery");

        // The hijacker, whose key holds the record, cannot cancel it, nor can the verification unit.
        vm.prank(hijacker);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, hijacker, true));
        patients.cancelRecovery(NID);
        vm.prank(VERIFIER);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, VERIFIER, true));
        patients.cancelRecovery(NID);

        // Nor does moving to another of his keys escape it: the recovery takes it from whoever holds it.
        uint64 rotationDeadline = _deadline();
        bytes32 digest = patients.rotationDigest(hijacker, vm.addr(0xBAD2), rotationDeadline);
        patients.rotateKey(
            hijacker, vm.addr(0xBAD2), rotationDeadline, _sign(HIJACKER_KEY, digest), _sign(0xBAD2, digest)
        );
        require(patients.pendingRecovery(NID).from == vm.addr(0xBAD2), "pending from his current key");
        vm.prank(vm.addr(0xBAD2));
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, vm.addr(0xBAD2), true));
        patients.cancelRecovery(NID);

        vm.warp(executableAt);
        vm.expectEmit(true, true, true, true, address(patients));
        emit PatientRegistry.RecoveryExecuted(NID, h, vm.addr(0xBAD2), owner);
        patients.executeRecovery(NID);
        require(patients.isRegistered(owner, h) && patients.holderOfNid(NID) == owner, "her NID is hers");
        require(
            patients.recordOf(hijacker) == bytes32(0) && patients.recordOf(vm.addr(0xBAD2)) == bytes32(0),
            "his keys hold nothing"
        );
        require(patients.rotationsOf(h) == 2, "his rotation and her recovery");
    }

    function test_theCurrentKeyCancelsTheVerifiersProposal() public {
        bytes32 h = _register(PATIENT_KEY, NID);
        address holder = vm.addr(PATIENT_KEY);
        // Someone fooled the face match; she still holds her key and says no.
        uint64 deadline = _deadline();
        bytes memory signature = _signRecovery(RECOVERED_KEY, NID, deadline);
        vm.prank(VERIFIER);
        patients.proposeRecovery(NID, vm.addr(RECOVERED_KEY), deadline, signature);
        vm.expectEmit(true, true, true, true, address(patients));
        emit PatientRegistry.RecoveryCancelled(NID, h, vm.addr(RECOVERED_KEY), holder);
        vm.prank(holder);
        patients.cancelRecovery(NID);
        require(patients.pendingRecovery(NID).to == address(0), "nothing pending");

        vm.warp(block.timestamp + TIMELOCK);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NoPendingRecovery.selector, NID));
        patients.executeRecovery(NID);
        require(patients.isRegistered(holder, h) && patients.rotationsOf(h) == 0, "nothing moved");

        // The cancelled proposal's signature cannot propose it again.
        deadline = uint64(block.timestamp + 1 hours);
        signature = _signRecovery(RECOVERED_KEY, NID, deadline);
        vm.prank(VERIFIER);
        patients.proposeRecovery(NID, vm.addr(RECOVERED_KEY), deadline, signature);
        vm.prank(holder);
        patients.cancelRecovery(NID);
        vm.prank(VERIFIER);
        try patients.proposeRecovery(NID, vm.addr(RECOVERED_KEY), deadline, signature) {
            revert("a recovery signature proposed twice");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PatientRegistry.NotSignedByTheNewKey.selector, "refused as not signed");
        }
    }

    /// The current key's signed cancellation, sent by anyone (she holds no ether).
    function _signCancellation(uint256 key, bytes32 nid, uint64 deadline) internal view returns (bytes memory) {
        return _sign(key, patients.cancellationDigest(nid, deadline));
    }

    function test_theCurrentKeyCancelsByASignatureAnyoneSends() public {
        bytes32 h = _register(PATIENT_KEY, NID);
        address holder = vm.addr(PATIENT_KEY);
        require(
            patients.RECOVERY_CANCELLATION_TYPEHASH()
                == keccak256("RecoveryCancellation(bytes32 nidCommitment,uint64 nonce,uint64 deadline)"),
            "the cancellation's type"
        );
        _propose(VERIFIER, NID, RECOVERED_KEY);
        uint64 deadline = _deadline();
        bytes memory signature = _signCancellation(PATIENT_KEY, NID, deadline);
        vm.expectEmit(true, true, true, true, address(patients));
        emit PatientRegistry.RecoveryCancelled(NID, h, vm.addr(RECOVERED_KEY), holder);
        vm.prank(STRANGER);
        patients.cancelRecoveryBySig(NID, deadline, signature);
        require(patients.pendingRecovery(NID).to == address(0), "nothing pending");

        // Sent again, or against the next proposal, it cancels nothing: it named the first one.
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NoPendingRecovery.selector, NID));
        patients.cancelRecoveryBySig(NID, deadline, signature);
        _propose(VERIFIER, NID, RECOVERED_KEY);
        try patients.cancelRecoveryBySig(NID, deadline, signature) {
            revert("a cancellation cancelled a later proposal");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PatientRegistry.NotAllowedToCancel.selector, "refused as not hers");
        }
        require(patients.pendingRecovery(NID).to == vm.addr(RECOVERED_KEY), "the second is pending");
    }

    function test_aSignedCancellationIsRefusedToStrangersAfterItsDeadlineAndAgainstTheAuthority() public {
        _register(PATIENT_KEY, NID);
        address holder = vm.addr(PATIENT_KEY);
        _propose(VERIFIER, NID, RECOVERED_KEY);
        uint64 deadline = _deadline();
        // A stranger's signature, and the new key's.
        uint256[2] memory others = [uint256(0xD0D), RECOVERED_KEY];
        for (uint256 i = 0; i < others.length; i++) {
            bytes memory byOther = _signCancellation(others[i], NID, deadline);
            vm.expectRevert(
                abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, vm.addr(others[i]), false)
            );
            patients.cancelRecoveryBySig(NID, deadline, byOther);
        }
        // Her signature, past its deadline.
        bytes memory late = _signCancellation(PATIENT_KEY, NID, deadline);
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.CancellationExpired.selector, deadline));
        patients.cancelRecoveryBySig(NID, deadline, late);
        // The health authority's proposal: her key (here the hijacker's) cannot cancel it.
        vm.prank(AUTHORITY);
        patients.cancelRecovery(NID);
        _propose(AUTHORITY, NID, RECOVERED_KEY);
        deadline = _deadline();
        bytes memory byHolder = _signCancellation(PATIENT_KEY, NID, deadline);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, holder, true));
        patients.cancelRecoveryBySig(NID, deadline, byHolder);
        require(patients.pendingRecovery(NID).byAuthority, "still pending");
    }

    function testFuzz_onlyTheHoldersSignatureCancels(uint256 key) public {
        key = bound(key, 1, SECP256K1_ORDER - 1);
        _register(PATIENT_KEY, NID);
        _propose(VERIFIER, NID, RECOVERED_KEY);
        address signer = vm.addr(key);
        vm.assume(signer != vm.addr(PATIENT_KEY) && signer != VERIFIER && signer != AUTHORITY);
        uint64 deadline = _deadline();
        bytes memory signature = _signCancellation(key, NID, deadline);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, signer, false));
        patients.cancelRecoveryBySig(NID, deadline, signature);
    }

    function test_theVerifierOrTheAuthorityWithdrawsAVerifiersProposal() public {
        _register(PATIENT_KEY, NID);
        _propose(VERIFIER, NID, RECOVERED_KEY);
        vm.prank(VERIFIER);
        patients.cancelRecovery(NID);
        _propose(VERIFIER, NID, RECOVERED_KEY);
        vm.prank(AUTHORITY);
        patients.cancelRecovery(NID);
        // And the authority withdraws its own.
        _propose(AUTHORITY, NID, RECOVERED_KEY);
        vm.prank(AUTHORITY);
        patients.cancelRecovery(NID);
        require(patients.pendingRecovery(NID).to == address(0), "nothing pending");
        require(patients.recoveryNonceOf(NID) == 3, "three signatures spent");
    }

    function test_strangersCannotCancel() public {
        _register(PATIENT_KEY, NID);
        _register(0xD0D, keccak256("salted NID 2"));
        _propose(VERIFIER, NID, RECOVERED_KEY);
        // Neither a stranger, nor another patient, nor the new key itself.
        address[3] memory callers = [STRANGER, vm.addr(0xD0D), vm.addr(RECOVERED_KEY)];
        for (uint256 i = 0; i < callers.length; i++) {
            vm.prank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, callers[i], false));
            patients.cancelRecovery(NID);
        }
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NoPendingRecovery.selector, keccak256("salted NID 2")));
        patients.cancelRecovery(keccak256("salted NID 2"));
    }

    function test_onlyTheVerifierOrTheAuthorityProposes() public {
        _register(PATIENT_KEY, NID);
        uint64 deadline = _deadline();
        bytes memory signature = _signRecovery(RECOVERED_KEY, NID, deadline);
        address[3] memory callers = [STRANGER, vm.addr(PATIENT_KEY), vm.addr(RECOVERED_KEY)];
        for (uint256 i = 0; i < callers.length; i++) {
            _expectProposeReverts(
                callers[i],
                NID,
                vm.addr(RECOVERED_KEY),
                deadline,
                signature,
                abi.encodeWithSelector(PatientRegistry.NotTheVerifierOrTheAuthority.selector, callers[i])
            );
        }
        require(patients.pendingRecovery(NID).to == address(0), "nothing pending");
    }

    function test_aRecoveryNeedsTheNewKeysSignature() public {
        _register(PATIENT_KEY, NID);
        address to = vm.addr(RECOVERED_KEY);
        uint64 deadline = _deadline();
        bytes32 digest = patients.recoveryDigest(NID, to, deadline);
        // Another key's signature, the current key's, and the new key's over another NID, another
        // address or another deadline.
        _expectProposeReverts(
            VERIFIER,
            NID,
            to,
            deadline,
            _sign(0xD0D, digest),
            abi.encodeWithSelector(PatientRegistry.NotSignedByTheNewKey.selector, to, vm.addr(0xD0D))
        );
        _expectProposeReverts(
            VERIFIER,
            NID,
            to,
            deadline,
            _sign(PATIENT_KEY, digest),
            abi.encodeWithSelector(PatientRegistry.NotSignedByTheNewKey.selector, to, vm.addr(PATIENT_KEY))
        );
        bytes[3] memory elsewhere = [
            _sign(RECOVERED_KEY, patients.recoveryDigest(keccak256("another NID"), to, deadline)),
            _sign(RECOVERED_KEY, patients.recoveryDigest(NID, vm.addr(0xD0D), deadline)),
            _sign(RECOVERED_KEY, patients.recoveryDigest(NID, to, deadline + 1))
        ];
        for (uint256 i = 0; i < elsewhere.length; i++) {
            vm.prank(VERIFIER);
            try patients.proposeRecovery(NID, to, deadline, elsewhere[i]) {
                revert("proposed with a signature over another recovery");
            } catch (bytes memory reason) {
                require(bytes4(reason) == PatientRegistry.NotSignedByTheNewKey.selector, "refused as not signed");
            }
        }
        // Past its deadline the right signature proposes nothing.
        bytes memory signature = _sign(RECOVERED_KEY, digest);
        vm.warp(deadline + 1);
        _expectProposeReverts(
            VERIFIER,
            NID,
            to,
            deadline,
            signature,
            abi.encodeWithSelector(PatientRegistry.RecoveryExpired.selector, deadline)
        );
        require(
            patients.recoveryNonceOf(NID) == 0 && patients.pendingRecovery(NID).to == address(0), "nothing proposed"
        );
    }

    function test_aRecoveryToARegisteredKeyIsRefused() public {
        _register(PATIENT_KEY, NID);
        _register(0xD0D, keccak256("salted NID 2"));
        uint64 deadline = _deadline();
        // Onto another patient's key, or onto the key that holds it already.
        _expectProposeReverts(
            VERIFIER,
            NID,
            vm.addr(0xD0D),
            deadline,
            _signRecovery(0xD0D, NID, deadline),
            abi.encodeWithSelector(PatientRegistry.AlreadyRegistered.selector, vm.addr(0xD0D))
        );
        _expectProposeReverts(
            VERIFIER,
            NID,
            vm.addr(PATIENT_KEY),
            deadline,
            _signRecovery(PATIENT_KEY, NID, deadline),
            abi.encodeWithSelector(PatientRegistry.AlreadyRegistered.selector, vm.addr(PATIENT_KEY))
        );
        // Registered while the recovery waited: refused at execution, and it can be cancelled.
        uint64 executableAt = _propose(VERIFIER, NID, RECOVERED_KEY);
        _register(RECOVERED_KEY, keccak256("salted NID 3"));
        vm.warp(executableAt);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.AlreadyRegistered.selector, vm.addr(RECOVERED_KEY)));
        patients.executeRecovery(NID);
        require(patients.holderOfNid(NID) == vm.addr(PATIENT_KEY), "nothing moved");
        vm.prank(VERIFIER);
        patients.cancelRecovery(NID);
    }

    function test_oneRecoveryIsPendingAtATime() public {
        _register(PATIENT_KEY, NID);
        uint64 executableAt = _propose(VERIFIER, NID, RECOVERED_KEY);
        uint64 deadline = _deadline();
        for (uint256 i = 0; i < 2; i++) {
            address proposer = i == 0 ? VERIFIER : AUTHORITY;
            _expectProposeReverts(
                proposer,
                NID,
                vm.addr(NEW_KEY),
                deadline,
                _signRecovery(NEW_KEY, NID, deadline),
                abi.encodeWithSelector(
                    PatientRegistry.RecoveryAlreadyPending.selector, NID, vm.addr(RECOVERED_KEY), executableAt
                )
            );
        }
        require(patients.pendingRecovery(NID).to == vm.addr(RECOVERED_KEY), "the first one stays");
    }

    function test_malformedProposalsAreRefused() public {
        _register(PATIENT_KEY, NID);
        uint64 deadline = _deadline();
        bytes32 unknown = keccak256("unregistered NID");
        _expectProposeReverts(
            VERIFIER,
            unknown,
            vm.addr(RECOVERED_KEY),
            deadline,
            _signRecovery(RECOVERED_KEY, unknown, deadline),
            abi.encodeWithSelector(PatientRegistry.NidNotRegistered.selector, unknown)
        );
        _expectProposeReverts(
            VERIFIER, NID, address(0), deadline, "", abi.encodeWithSelector(PatientRegistry.ZeroAddress.selector)
        );
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NoPendingRecovery.selector, unknown));
        patients.executeRecovery(unknown);
        require(patients.holderOfNid(unknown) == address(0), "nobody holds an unregistered NID");
    }

    function testFuzz_nobodyButTheVerifierOrTheAuthorityProposes(address caller) public {
        vm.assume(caller != VERIFIER && caller != AUTHORITY);
        _register(PATIENT_KEY, NID);
        uint64 deadline = _deadline();
        _expectProposeReverts(
            caller,
            NID,
            vm.addr(RECOVERED_KEY),
            deadline,
            _signRecovery(RECOVERED_KEY, NID, deadline),
            abi.encodeWithSelector(PatientRegistry.NotTheVerifierOrTheAuthority.selector, caller)
        );
    }

    function testFuzz_nobodyButTheAuthorityCancelsItsRecovery(address caller) public {
        vm.assume(caller != AUTHORITY);
        _register(PATIENT_KEY, NID);
        _propose(AUTHORITY, NID, RECOVERED_KEY);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.NotAllowedToCancel.selector, caller, true));
        patients.cancelRecovery(NID);
    }

    function testFuzz_nothingMovesBeforeTheTimelock(uint64 early) public {
        _register(PATIENT_KEY, NID);
        uint64 executableAt = _propose(VERIFIER, NID, RECOVERED_KEY);
        early = uint64(bound(early, 1, TIMELOCK));
        vm.warp(executableAt - early);
        vm.expectRevert(abi.encodeWithSelector(PatientRegistry.RecoveryTimelocked.selector, NID, executableAt));
        patients.executeRecovery(NID);
        require(patients.holderOfNid(NID) == vm.addr(PATIENT_KEY), "nothing moved");
    }

    /// Whatever key signs in the new key's place, only the new key's own signature proposes it.
    function testFuzz_onlyTheNewKeyProposesItself(uint256 otherKey) public {
        otherKey = bound(otherKey, 1, SECP256K1_ORDER - 1);
        vm.assume(otherKey != RECOVERED_KEY);
        _register(PATIENT_KEY, NID);
        address to = vm.addr(RECOVERED_KEY);
        uint64 deadline = _deadline();
        _expectProposeReverts(
            VERIFIER,
            NID,
            to,
            deadline,
            _sign(otherKey, patients.recoveryDigest(NID, to, deadline)),
            abi.encodeWithSelector(PatientRegistry.NotSignedByTheNewKey.selector, to, vm.addr(otherKey))
        );
    }
}
