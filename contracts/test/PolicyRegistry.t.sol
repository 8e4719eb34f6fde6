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

    ParticipantsStub internal participants;

    function setUp() public {
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
            POLICY, n, contentHash, keccak256(DOC), previousHash, 1_800_000_000, "application/fhir+json"
        );
    }

    function _isHead(address insurer, uint64 version, bytes32 contentHash) internal view returns (bool) {
        (uint64 head, bytes28 digest) = registry.headOf(insurer, POLICY);
        return head == version && digest == bytes28(keccak256(abi.encode(contentHash)));
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
        require(registry.digestOf(keccak256("one")) == bytes28(keccak256(abi.encode(keccak256("one")))), "the digest");
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

    constructor(PolicyRegistry registry_) {
        registry = registry_;
    }

    /// Publishes version `latest + delta` (delta 0 replays, > 1 skips) with `content` as its hash.
    function publish(uint256 policySeed, uint64 delta, bytes32 content, bool byStranger, bool ownTransaction) external {
        uint256 p = policySeed % 2;
        uint64 version = latest[p] + uint64(delta % 3);
        if (content == bytes32(0)) content = keccak256(abi.encode(p, version));
        PolicyRegistry.PolicyVersion memory v = PolicyRegistry.PolicyVersion(
            policies[p],
            version,
            content,
            keccak256(DOC),
            version > 0 ? accepted[p][version - 1] : bytes32(0),
            1_800_000_000,
            "application/fhir+json"
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
            require(!byStranger && version == latest[p] + 1, "only the insurer's next version is accepted");
            accepted[p][version] = content;
            latest[p] = version;
        }
    }
}

contract PolicyRegistryInvariants is CheatCodes {
    PolicyRegistry internal registry;
    PolicyRegistryHandler internal handler;
    uint256 internal constant INSURER_KEY = 0xA11CE;

    function setUp() public {
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
        handler.publish(0, 1, bytes32(0), false, false);
        handler.publish(0, 1, bytes32(0), false, true);
        handler.publish(0, 0, bytes32(0), false, false);
        handler.publish(0, 2, bytes32(0), false, false);
        handler.publish(0, 1, bytes32(0), true, false);
        require(handler.latest(0) == 2 && handler.latest(1) == 0, "two versions accepted, the rest refused");
    }

    /// The head is always the last version accepted: nothing was replaced, skipped or slipped in
    /// by a stranger (every accepted version had to name the one before it).
    function invariant_historyIsAppendOnly() public view {
        for (uint256 p = 0; p < 2; p++) {
            bytes32 policy = handler.policies(p);
            uint64 latest = handler.latest(p);
            (uint64 version, bytes28 digest) = registry.headOf(vm.addr(INSURER_KEY), policy);
            require(version == latest, "the head is the last accepted version");
            bytes28 expected = latest == 0 ? bytes28(0) : registry.digestOf(handler.accepted(p, latest));
            require(digest == expected, "with its content");
            (uint64 strangers,) = registry.headOf(vm.addr(0x5715), policy);
            require(strangers == 0, "a stranger never published");
        }
    }
}
