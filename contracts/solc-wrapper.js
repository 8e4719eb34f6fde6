#!/usr/bin/env node
// Lets forge use the pinned solc-js (npm `solc`) offline. forge calls its compiler two ways:
// `solc --version` and `solc --standard-json` with the input on stdin; nothing else is needed.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  // forge parses the "Version: X.Y.Z+commit..." line.
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc-wrapper: only --version and --standard-json are supported\n');
  process.exit(2);
}
const input = fs.readFileSync(0, 'utf8');
const roots = [process.cwd()];
const basePath = args[args.indexOf('--base-path') + 1];
if (args.includes('--base-path') && basePath) roots.unshift(basePath);
function findImports(p) {
  for (const root of roots) {
    const full = path.resolve(root, p);
    if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
  }
  return { error: `not found: ${p}` };
}
process.stdout.write(solc.compile(input, { import: findImports }));
