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
        (uint64 version, bytes32 head) = registry.headOf(vm.addr(INSURER_KEY), POLICY);
        require(version == 1 && head == keccak256("one"), "head moved to v1");
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotAnAdmittedInsurer.selector, address(0xBAD)));
        registry.publishOwn(v, DOC);
    }

    function test_publishRecordsTheSignerAsInsurer() public {
        PolicyRegistry.PolicyVersion memory v = _version(1, sha256(DOC), bytes32(0));
        address insurer = registry.publish(v, DOC, _sign(INSURER_KEY, v));
        require(insurer == vm.addr(INSURER_KEY), "insurer is the signer");
        (uint64 version, bytes32 head) = registry.headOf(insurer, POLICY);
        require(version == 1 && head == sha256(DOC), "head moved to v1");
    }

    function test_versionsChainByPreviousHash() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        registry.publish(v1, DOC, _sign(INSURER_KEY, v1));
        PolicyRegistry.PolicyVersion memory bad = _version(2, keccak256("two"), keccak256("not one"));
        bytes memory sig = _sign(INSURER_KEY, bad);
        vm.expectRevert(
            abi.encodeWithSelector(PolicyRegistry.PreviousHashMismatch.selector, keccak256("one"), keccak256("not one"))
        );
        registry.publish(bad, DOC, sig);
        PolicyRegistry.PolicyVersion memory v2 = _version(2, keccak256("two"), keccak256("one"));
        registry.publish(v2, DOC, _sign(INSURER_KEY, v2));
        (uint64 version,) = registry.headOf(vm.addr(INSURER_KEY), POLICY);
        require(version == 2, "head moved to v2");
    }

    function test_replayedPublicationIsRefused() public {
        PolicyRegistry.PolicyVersion memory v1 = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v1);
        registry.publish(v1, DOC, sig);
        vm.expectRevert(abi.encodeWithSelector(PolicyRegistry.NotNextVersion.selector, uint64(2), uint64(1)));
        registry.publish(v1, DOC, sig);
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

    function testFuzz_tamperedVersionIsNotTheInsurers(bytes32 otherHash) public {
        vm.assume(otherHash != keccak256("one") && otherHash != bytes32(0));
        PolicyRegistry.PolicyVersion memory v = _version(1, keccak256("one"), bytes32(0));
        bytes memory sig = _sign(INSURER_KEY, v);
        v.contentHash = otherHash;
        // A changed version recovers to someone else, whom nobody admitted.
        _expectNotAdmitted(v, sig);
    }
}
