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
    /// The word in `target`'s storage slot `slot`.
    function load(address target, bytes32 slot) external view returns (bytes32);
}

abstract contract CheatCodes {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// The order of secp256k1: private keys are 1 to this, exclusive.
    uint256 internal constant SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// `x` brought into [min, max], as fuzz inputs are (forge-std's `bound`, without its logs).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (min == 0 && max == type(uint256).max) return x;
        return min + x % (max - min + 1);
    }
}
