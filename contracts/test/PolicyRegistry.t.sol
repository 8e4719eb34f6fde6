// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {PolicyRegistry} from "../src/PolicyRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {ParticipantsStub} from "./ParticipantsStub.sol";
import {CheatCodes} from "./Vm.sol";

contract PolicyRegistryTest is CheatCodes {
    PolicyRegistry internal registry;
    uint256 internal constant INSURER_KEY = 0xA11CE;
    bytes32 internal constant POLICY = keccak256("gold-plan");
    bytes internal constant DOC = bytes('{"resourceType":"InsurancePlan"}');
    uint64 internal constant NOW = 1_800_000_000;

    ParticipantsStub internal participants;

    function setUp() public {
        vm.warp(NOW);
        participants = new ParticipantsStub();
        registry = new PolicyRegistry(participants);
        participants.setAdmitted(vm.addr(INSURER_KEY), IParticipantRegistry.Kind.Insurer);
    }

    function _version(uint64 n, bytes32 contentHash, bytes32 previousHash)
        internal
        pure
        returns (PolicyRegistry.PolicyVersion memory)
    {
        return PolicyRegistry.PolicyVersion(
            POLICY, n, contentHash, keccak256(DOC), previousHash, NOW, "application/fhir+json", NOW + 1 hours
        );
    }

    function _isHead(address insurer, uint64 version, bytes32 contentHash) internal view returns (bool) {
        (uint64 head,, bytes20 digest) = registry.headOf(insurer, POLICY);
        return head == version && digest == bytes20(keccak256(abi.encode(contentHash)));
    }

    function _sign(uint256 key, PolicyRegistry.PolicyVersion memory v) internal view returns (bytes memory) {
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(key, registry.digest(v));
        return abi.encodePacked(r, s, sv);
    }

    function _expectNotAdmitted(PolicyRegistry.PolicyVersion memory v, bytes memory sig) internal {
        try registry.publish(v, DOC, sig) {
            revert("published under a signature that is not the insurer's");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PolicyRegistry.NotAnAdmittedInsurer.selector, "refused as not admitted");
        }
    }

    function test_anInsurerNobodyAdmittedCannotPublish() public {
        participants.setAdmitted(vm.addr(INSURER_KEY), IParticipantRegistry.Kind.HealthOrganization);
        PolicyRegistry.PolicyVersion memory v = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotAnAdmittedInsurer.selector, vm.addr(INSURER_KEY)));
        registry.publish(v, DOC, sig);
    }

    function test_anInsurerPublishesWithItsOwnTransaction() public {
        PolicyRegistry.PolicyVersion memory v = _version(1, keccak256("one"), bytes32(0));
        vm.prank(vm.addr(INSURER_KEY));
        registry.publishOwn(v, DOC);
        require(_isHead(vm.addr(INSURER_KEY), 1, keccak256("one")), "v1 is the head");
        require(registry.digestOf(keccak256("one")) == bytes20(keccak256(abi.encode(keccak256("one")))), "the digest");
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotAnAdmittedInsurer.selector, address(0xBAD)));
        registry.publishOwn(v, DOC);
    }

    function test_publishRecordsTheSignerAsInsurer() public {
        PolicyRegistry.PolicyVersion memory v = _version(1, sha256(DOC), bytes32(0));
        address insurer = registry.publish(v, DOC, _sign(INSURER_KEY, v));
        require(insurer == vm.addr(INSURER_KEY), "insurer is the signer");
        require(_isHead(insurer, 1, sha256(DOC)), "v1 is the head");
    }

    function test_versionsChainByPreviousHash() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        registry.publish(v1, DOC, _sign(INSURER_KEY, v1));
        PolicyRegistry.PolicyVersion memory bad = _version(2, keccak256("two"), keccak256("not one"));
        bytes memory sig = _sign(INSURER_KEY, bad);
        vm.expectRevert(
            abi.encodeWithSelector(PolicyRegistry.PreviousHashMismatch.selector, uint64(1), keccak256("not one"))
        );
        registry.publish(bad, DOC, sig);
        // The digest kept is a hash, not a prefix: a previous hash that differs in its last byte is refused.
        bytes32 nearlyOne = keccak256("one") ^ bytes32(uint256(1));
        PolicyRegistry.PolicyVersion memory near = _version(2, keccak256("two"), nearlyOne);
        bytes memory nearSig = _sign(INSURER_KEY, near);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.PreviousHashMismatch.selector, uint64(1), nearlyOne));
        registry.publish(near, DOC, nearSig);
        PolicyRegistry.PolicyVersion memory v2 = _version(2, keccak256("two"), keccak256("one"));
        registry.publish(v2, DOC, _sign(INSURER_KEY, v2));
        require(_isHead(vm.addr(INSURER_KEY), 2, keccak256("two")), "v2 is the head");
    }

    function test_replayedPublicationIsRefused() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v1);
        registry.publish(v1, DOC, sig);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotNextVersion.selector, uint64(2), uint64(1)));
        registry.publish(v1, DOC, sig);
        // Nor can a new signature over version 1 replace it, even with another document.
        PolicyRegistry.PolicyVersion memory other = _version(1, keccak256("other"), bytes32(0));
        bytes memory otherSig = _sign(INSURER_KEY, other);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotNextVersion.selector, uint64(2), uint64(1)));
        registry.publish(other, DOC, otherSig);
        require(_isHead(vm.addr(INSURER_KEY), 1, keccak256("one")), "v1 is unchanged");
    }

    function test_aDocumentOtherThanTheSignedOneIsRefused() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v1);
        bytes memory other = bytes('{"resourceType":"InsurancePlan","copay":90}');
        vm.expectRevert(
            abi.encodeWithSelector(PolicyRegistry.DocumentHashMismatch.selector, keccak256(DOC), keccak256(other))
        );
        registry.publish(v1, other, sig);
    }

    function test_emptyDocumentIsRefused() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v1);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.EmptyDocument.selector));
        registry.publish(v1, "", sig);
    }

    function test_signatureFromAnotherChainPublishesAsSomeoneElse() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v1);
        vm.chainId(4242);
        // The signature recovers to someone else, whom nobody admitted.
        _expectNotAdmitted(v1, sig);
    }

    function testFuzz_onlyTheNextVersionIsAccepted(uint64 n) public {
        vm.assume(n != 1);
        PolicyRegistry.PolicyVersion memory v = _version(n, keccak256("x"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotNextVersion.selector, uint64(1), n));
        registry.publish(v, DOC, sig);
    }

    function testFuzz_aVersionCannotSkipAhead(uint64 n) public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        registry.publish(v1, DOC, _sign(INSURER_KEY, v1));
        vm.assume(n != 2);
        PolicyRegistry.PolicyVersion memory v = _version(n, keccak256("x"), keccak256("one"));
        bytes memory sig = _sign(INSURER_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotNextVersion.selector, uint64(2), n));
        registry.publish(v, DOC, sig);
    }

    function testFuzz_tamperedVersionIsNotTheInsurers(bytes32 otherHash) public {
        vm.assume(otherHash != keccak256("one") && otherHash != bytes32(0));
        PolicyRegistry.PolicyVersion memory v = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v);
        v.contentHash = otherHash;
        // A changed version recovers to someone else, whom nobody admitted.
        _expectNotAdmitted(v, sig);
    }

    function test_aVersionCannotTakeEffectBeforeItsPublication() public {
        uint64 skew = uint64(registry.EFFECTIVE_SKEW());
        require(skew == 5 minutes, "five minutes of skew");
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        v1.deadline = NOW + 1 days;
        bytes memory sig = _sign(INSURER_KEY, v1);
        // Signed "effective now", sent a second too late: it would rewrite the past.
        vm.warp(NOW + skew + 1);
        vm.expectRevert(
            abi.encodeWithSelector(PolicyRegistry.EffectiveBeforePublication.selector, NOW, uint256(NOW + skew + 1))
        );
        registry.publish(v1, DOC, sig);
        // By the insurer's own transaction too.
        vm.prank(vm.addr(INSURER_KEY));
        vm.expectRevert(
            abi.encodeWithSelector(PolicyRegistry.EffectiveBeforePublication.selector, NOW, uint256(NOW + skew + 1))
        );
        registry.publishOwn(v1, DOC);
        // Within the skew it is published, and the head keeps its effective date.
        vm.warp(NOW + skew);
        registry.publish(v1, DOC, sig);
        (uint64 version, uint64 effectiveAt,) = registry.headOf(vm.addr(INSURER_KEY), POLICY);
        require(version == 1 && effectiveAt == NOW, "v1 takes effect when it said");
    }

    function test_aVersionCannotTakeEffectBeforeThePreviousOne() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        v1.effectiveAt = NOW + 30 days;
        registry.publish(v1, DOC, _sign(INSURER_KEY, v1));
        // Version 2 effective now, before version 1 has even begun.
        PolicyRegistry.PolicyVersion memory v2 = _version(2, keccak256("two"), keccak256("one"));
        v2.effectiveAt = NOW + 30 days - 1;
        bytes memory sig = _sign(INSURER_KEY, v2);
        vm.expectRevert(
            abi.encodeWithSelector(
                PolicyRegistry.EffectiveBeforePreviousVersion.selector, NOW + 30 days - 1, NOW + 30 days
            )
        );
        registry.publish(v2, DOC, sig);
        vm.prank(vm.addr(INSURER_KEY));
        vm.expectRevert(
            abi.encodeWithSelector(
                PolicyRegistry.EffectiveBeforePreviousVersion.selector, NOW + 30 days - 1, NOW + 30 days
            )
        );
        registry.publishOwn(v2, DOC);
        // From the same moment, it follows version 1.
        v2.effectiveAt = NOW + 30 days;
        registry.publish(v2, DOC, _sign(INSURER_KEY, v2));
        require(_isHead(vm.addr(INSURER_KEY), 2, keccak256("two")), "v2 is the head");
        (, uint64 effectiveAt,) = registry.headOf(vm.addr(INSURER_KEY), POLICY);
        require(effectiveAt == NOW + 30 days, "v2 takes effect when it said");
    }

    function test_nobodySubmitsASignedVersionAfterItsDeadline() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        // Effective next month: only the deadline stands in the way.
        v1.effectiveAt = NOW + 30 days;
        bytes memory sig = _sign(INSURER_KEY, v1);
        vm.warp(v1.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.PublicationExpired.selector, v1.deadline));
        registry.publish(v1, DOC, sig);
        vm.prank(vm.addr(INSURER_KEY));
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.PublicationExpired.selector, v1.deadline));
        registry.publishOwn(v1, DOC);
        // The deadline is signed: moving it makes the signature someone else's.
        PolicyRegistry.PolicyVersion memory extended = _version(1, keccak256("one"), bytes32(0));
        extended.effectiveAt = v1.effectiveAt;
        extended.deadline = v1.deadline + 1 days;
        _expectNotAdmitted(extended, sig);
        // Up to the deadline itself, it is published.
        vm.warp(v1.deadline);
        registry.publish(v1, DOC, sig);
        require(_isHead(vm.addr(INSURER_KEY), 1, keccak256("one")), "v1 is the head");
    }

    function testFuzz_noVersionTakesEffectBeforeItsPublication(uint64 early) public {
        uint64 skew = uint64(registry.EFFECTIVE_SKEW());
        early = uint64(bound(early, skew + 1, NOW));
        PolicyRegistry.PolicyVersion memory v = _version(1, keccak256("one"), bytes32(0));
        v.effectiveAt = NOW - early;
        bytes memory sig = _sign(INSURER_KEY, v);
        vm.expectRevert(
            abi.encodeWithSelector(PolicyRegistry.EffectiveBeforePublication.selector, NOW - early, uint256(NOW))
        );
        registry.publish(v, DOC, sig);
    }

    function testFuzz_aVersionTakesEffectFromItsPublicationOrLater(uint64 effectiveAt) public {
        effectiveAt = uint64(bound(effectiveAt, NOW - registry.EFFECTIVE_SKEW(), type(uint64).max));
        PolicyRegistry.PolicyVersion memory v = _version(1, keccak256("one"), bytes32(0));
        v.effectiveAt = effectiveAt;
        registry.publish(v, DOC, _sign(INSURER_KEY, v));
        (uint64 version, uint64 kept,) = registry.headOf(vm.addr(INSURER_KEY), POLICY);
        require(version == 1 && kept == effectiveAt, "published with its effective date");
    }

    function testFuzz_effectiveDatesNeverGoBack(uint64 first, uint64 second) public {
        first = uint64(bound(first, NOW, type(uint64).max));
        second = uint64(bound(second, NOW, type(uint64).max));
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        v1.effectiveAt = first;
        registry.publish(v1, DOC, _sign(INSURER_KEY, v1));
        PolicyRegistry.PolicyVersion memory v2 = _version(2, keccak256("two"), keccak256("one"));
        v2.effectiveAt = second;
        bytes memory sig = _sign(INSURER_KEY, v2);
        if (second < first) {
            vm.expectRevert(
                abi.encodeWithSelector(PolicyRegistry.EffectiveBeforePreviousVersion.selector, second, first)
            );
            registry.publish(v2, DOC, sig);
            require(_isHead(vm.addr(INSURER_KEY), 1, keccak256("one")), "v1 is still the head");
        } else {
            registry.publish(v2, DOC, sig);
            require(_isHead(vm.addr(INSURER_KEY), 2, keccak256("two")), "v2 is the head");
        }
    }

    function testFuzz_nothingIsSubmittedAfterItsDeadline(uint64 deadline, uint64 late) public {
        deadline = uint64(bound(deadline, NOW, type(uint64).max - 1));
        late = uint64(bound(late, 1, type(uint64).max - deadline));
        PolicyRegistry.PolicyVersion memory v = _version(1, keccak256("one"), bytes32(0));
        v.effectiveAt = type(uint64).max;
        v.deadline = deadline;
        bytes memory sig = _sign(INSURER_KEY, v);
        vm.warp(uint256(deadline) + late);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.PublicationExpired.selector, deadline));
        registry.publish(v, DOC, sig);
    }
}

/// @dev Drives publications for the invariant test: right and wrong versions, by the insurer, a
/// stranger and a relayer, and records what was accepted.
contract PolicyRegistryHandler is CheatCodes {
    PolicyRegistry internal immutable registry;
    uint256 internal constant INSURER_KEY = 0xA11CE;
    uint256 internal constant STRANGER_KEY = 0x5715;
    bytes internal constant DOC = bytes('{"resourceType":"InsurancePlan"}');

    bytes32[2] public policies = [keccak256("gold-plan"), keccak256("silver-plan")];
    /// What the handler saw accepted, per policy index and version.
    mapping(uint256 policy => mapping(uint64 version => bytes32)) public accepted;
    mapping(uint256 policy => uint64) public latest;
    /// When the latest accepted version of each policy takes effect.
    mapping(uint256 policy => uint64) public effective;
    /// Publications the registry accepted that break a rule.
    uint256 public wronglyAccepted;

    constructor(PolicyRegistry registry_) {
        registry = registry_;
    }

    /// Lets time pass, up to about a day.
    function wait(uint16 minutes_) external {
        vm.warp(block.timestamp + uint256(minutes_ % 1440) * 1 minutes);
    }

    /// Publishes version `latest + delta` (delta 0 replays, > 1 skips) with `content` as its hash,
    /// taking effect from 20 minutes before now to 20 minutes after, and sent before its deadline
    /// or, one time in four, after it.
    function publish(
        uint256 policySeed,
        uint64 delta,
        bytes32 content,
        bool byStranger,
        bool ownTransaction,
        uint16 effectiveSeed,
        uint8 lateSeed
    ) external {
        bool late = lateSeed % 4 == 3;
        uint256 p = policySeed % 2;
        uint64 version = latest[p] + uint64(delta % 3);
        if (content == bytes32(0)) content = keccak256(abi.encode(p, version));
        uint64 effectiveAt = uint64(block.timestamp - 20 minutes + effectiveSeed % 40 minutes);
        PolicyRegistry.PolicyVersion memory v = PolicyRegistry.PolicyVersion(
            policies[p],
            version,
            content,
            keccak256(DOC),
            version > 0 ? accepted[p][version - 1] : bytes32(0),
            effectiveAt,
            "application/fhir+json",
            uint64(late ? block.timestamp - 1 : block.timestamp + 1 hours)
        );
        uint256 key = byStranger ? STRANGER_KEY : INSURER_KEY;
        bool ok;
        if (ownTransaction) {
            vm.prank(vm.addr(key));
            try registry.publishOwn(v, DOC) {
                ok = true;
            } catch {}
        } else {
            (uint8 sv, bytes32 r, bytes32 s) = vm.sign(key, registry.digest(v));
            try registry.publish(v, DOC, abi.encodePacked(r, s, sv)) {
                ok = true;
            } catch {}
        }
        if (ok) {
            // Counted, not required: a revert here would undo the publication and go unseen.
            bool lawful = !byStranger && version == latest[p] + 1 // only the insurer's next version
                && !late // before its deadline
                && effectiveAt + registry.EFFECTIVE_SKEW() >= block.timestamp // not before its publication
                && effectiveAt >= effective[p]; // nor before the previous version
            if (!lawful) wronglyAccepted += 1;
            accepted[p][version] = content;
            latest[p] = version;
            effective[p] = effectiveAt;
        }
    }
}

contract PolicyRegistryInvariants is CheatCodes {
    PolicyRegistry internal registry;
    PolicyRegistryHandler internal handler;
    uint256 internal constant INSURER_KEY = 0xA11CE;

    function setUp() public {
        vm.warp(1_800_000_000);
        ParticipantsStub participants = new ParticipantsStub();
        registry = new PolicyRegistry(participants);
        participants.setAdmitted(vm.addr(INSURER_KEY), IParticipantRegistry.Kind.Insurer);
        handler = new PolicyRegistryHandler(registry);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function test_theHandlerPublishesTheNextVersionOnly() public {
        uint16 now_ = 20 minutes;
        handler.publish(0, 1, bytes32(0), false, false, now_, 0);
        handler.publish(0, 1, bytes32(0), false, true, now_ + 1, 0);
        handler.publish(0, 0, bytes32(0), false, false, now_, 0);
        handler.publish(0, 2, bytes32(0), false, false, now_, 0);
        handler.publish(0, 1, bytes32(0), true, false, now_, 0);
        // Late, before the version it follows, more than the skew before now: all refused.
        handler.publish(0, 1, bytes32(0), false, false, now_ + 10, 3);
        handler.publish(0, 1, bytes32(0), false, false, now_, 0);
        handler.publish(1, 1, bytes32(0), false, false, 0, 0);
        require(handler.latest(0) == 2 && handler.latest(1) == 0, "two versions accepted, the rest refused");
        require(handler.effective(0) == block.timestamp + 1, "the second takes effect a second from now");
        require(handler.wronglyAccepted() == 0, "nothing accepted against the rules");
    }

    /// The head is always the last version accepted: nothing was replaced, skipped or slipped in
    /// by a stranger (every accepted version had to name the one before it), and its effective
    /// date is the one it was published with.
    function invariant_historyIsAppendOnly() public view {
        require(handler.wronglyAccepted() == 0, "the registry accepted a version against the rules");
        for (uint256 p = 0; p < 2; p++) {
            bytes32 policy = handler.policies(p);
            uint64 latest = handler.latest(p);
            (uint64 version, uint64 effectiveAt, bytes20 digest) = registry.headOf(vm.addr(INSURER_KEY), policy);
            require(version == latest, "the head is the last accepted version");
            bytes20 expected = latest == 0 ? bytes20(0) : registry.digestOf(handler.accepted(p, latest));
            require(digest == expected, "with its content");
            require(effectiveAt == handler.effective(p), "and its effective date");
            (uint64 strangers,,) = registry.headOf(vm.addr(0x5715), policy);
            require(strangers == 0, "a stranger never published");
        }
    }
}
