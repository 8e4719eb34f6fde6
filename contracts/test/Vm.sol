// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @dev The few forge cheat codes the tests use (forge-std has no npm package).
interface Vm {
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
    function assume(bool condition) external pure;
    function chainId(uint256 newChainId) external;
    function warp(uint256 newTimestamp) external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    /// Marks an account's storage (and the account, unless already called in this test) as not yet
    /// accessed (EIP-2929 cold), as at the start of a transaction.
    function cool(address target) external;
    /// Starts recording the storage slots every account reads and writes.
    function record() external;
    /// The storage slots of `target` read and written since `record()`.
    function accesses(address target) external returns (bytes32[] memory readSlots, bytes32[] memory writeSlots);
}

abstract contract CheatCodes {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
}
