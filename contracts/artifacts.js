#!/usr/bin/env node
// Copies the ABI and bytecode of each deployable contract from forge's out/ into artifacts/,
// which is committed and read by alloy's `sol!` in crates/chain. With --check it writes nothing
// and exits 1 when a committed artifact differs from what the sources compile to (stale).
'use strict';
const fs = require('fs');
const path = require('path');

const CONTRACTS = ['ParticipantRegistry', 'PolicyRegistry', 'PatientRegistry', 'RecordRegistry', 'NaiveStorage'];
const check = process.argv.includes('--check');
let stale = 0;
for (const name of CONTRACTS) {
  const built = JSON.parse(fs.readFileSync(path.join(__dirname, 'out', `${name}.sol`, `${name}.json`), 'utf8'));
  const artifact = {
    abi: built.abi,
    bytecode: { object: built.bytecode.object },
    deployedBytecode: { object: built.deployedBytecode.object },
  };
  const text = JSON.stringify(artifact, null, 2) + '\n';
  const target = path.join(__dirname, 'artifacts', `${name}.json`);
  if (check) {
    const committed = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (committed !== text) {
      console.error(`stale artifact: contracts/artifacts/${name}.json differs from the compiled ${name}.sol; run contracts/artifacts.js`);
      stale += 1;
    }
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    console.log(`wrote contracts/artifacts/${name}.json`);
  }
}
process.exit(stale ? 1 : 0);
