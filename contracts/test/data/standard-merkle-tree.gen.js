// Writes standard-merkle-tree.json, the vector of RecordRegistryTest.test_aStandardMerkleTreeFromTheJavaScriptLibraryVerifies.
// Run in a scratch folder after `npm install @openzeppelin/merkle-tree@1.0.8` (not a dependency of contracts/).
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');
const { keccak256 } = require('ethereum-cryptography/keccak');
const { utf8ToBytes, bytesToHex } = require('ethereum-cryptography/utils');
const k = (s) => '0x' + bytesToHex(keccak256(utf8ToBytes(s)));
const ascii32 = (s) => '0x' + Buffer.from(s, 'ascii').toString('hex').padEnd(64, '0');
const owner = '0x1111111111111111111111111111111111111111';
const values = ['a', 'b', 'c'].map((x) => [owner, ascii32('DiagnosticReport'), k('ciphertext-' + x)]);
const tree = StandardMerkleTree.of(values, ['address', 'bytes32', 'bytes32']);
const out = { generatedBy: '@openzeppelin/merkle-tree 1.0.8 StandardMerkleTree.of(values, ["address","bytes32","bytes32"])', root: tree.root, values, proofs: values.map((v, i) => ({ leaf: tree.leafHash(v), proof: tree.getProof(i) })), tree: tree.dump() };
console.log(JSON.stringify(out, null, 2));
