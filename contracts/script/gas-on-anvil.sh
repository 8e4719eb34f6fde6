#!/usr/bin/env bash
# Gas of RecordRegistry's transactions as anvil's receipts report it (total transaction gas:
# 21,000 base, calldata, execution, refunds), next to the naive design that stores each record
# whole. The visit token is signed by `cast wallet sign --data` from EIP-712 JSON, so the contract's
# type string and domain are also checked against an independent implementation.
# Run from anywhere: contracts/script/gas-on-anvil.sh (needs `npm ci` in contracts/, and jq).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
forge build >/dev/null

LOG=$(mktemp)
anvil --port 0 >"$LOG" 2>&1 &
ANVIL=$!
trap 'kill $ANVIL 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 50); do
  grep -q "Listening on" "$LOG" && break
  sleep 0.1
done
RPC="http://$(grep -o 'Listening on .*' "$LOG" | awk '{print $3}')"
CHAIN_ID=$(cast chain-id --rpc-url "$RPC")

# anvil's first three development accounts.
ORG_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
PATIENT_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
INSURER_KEY=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
ORG=$(cast wallet address --private-key "$ORG_KEY")
PATIENT=$(cast wallet address --private-key "$PATIENT_KEY")
INSURER=$(cast wallet address --private-key "$INSURER_KEY")
READER=0x0000000000000000000000000000000000004EAD

send() { # key, to, signature, args... -> receipt JSON
  local key=$1; shift
  cast send --json --rpc-url "$RPC" --private-key "$key" "$@"
}
deploy() { # key, artifact path, constructor signature or "", args...
  local key=$1 artifact=$2 ctor=$3; shift 3
  local code args=""
  code=$(jq -r .bytecode.object "$artifact")
  [ -n "$ctor" ] && args=$(cast abi-encode "$ctor" "$@" | sed 's/^0x//')
  cast send --json --rpc-url "$RPC" --private-key "$key" --create "${code}${args}" | jq -r .contractAddress
}
gas() { jq -r .gasUsed | cast to-dec; }
row() { printf '%-58s %10s\n' "$1" "$2"; }

PARTICIPANTS=$(deploy "$ORG_KEY" out/ParticipantRegistryMock.sol/ParticipantRegistryMock.json "")
send "$ORG_KEY" "$PARTICIPANTS" "set(address,uint8,uint8)" "$ORG" 1 1 >/dev/null
send "$ORG_KEY" "$PARTICIPANTS" "set(address,uint8,uint8)" "$INSURER" 2 1 >/dev/null

NOW=$(cast block latest --rpc-url "$RPC" --field timestamp)
EXPIRES=$(( NOW + 86400 ))
NOT_AFTER=$(( NOW + 600 ))
VISIT=$(cast keccak visit-1)
KIND=$(cast format-bytes32-string DiagnosticReport)
CIPHERTEXT=$(cast keccak ciphertext-1)
TOKEN="($PATIENT,$ORG,$VISIT,$EXPIRES,$NOT_AFTER)"

open_visit() { # registry contract name -> openVisit receipt gas
  local registry=$1 name=$2 typed sig
  typed=$(jq -n --arg name "$name" --argjson chain "$CHAIN_ID" --arg contract "$registry" \
    --arg patient "$PATIENT" --arg org "$ORG" --arg visit "$VISIT" --argjson expires "$EXPIRES" \
    --argjson notAfter "$NOT_AFTER" '{
      types: {
        EIP712Domain: [{name: "name", type: "string"}, {name: "version", type: "string"},
                       {name: "chainId", type: "uint256"}, {name: "verifyingContract", type: "address"}],
        VisitToken: [{name: "patient", type: "address"}, {name: "organization", type: "address"},
                     {name: "visitId", type: "bytes32"}, {name: "expiresAt", type: "uint64"},
                     {name: "notAfter", type: "uint64"}]
      },
      primaryType: "VisitToken",
      domain: {name: $name, version: "1", chainId: $chain, verifyingContract: $contract},
      message: {patient: $patient, organization: $org, visitId: $visit, expiresAt: $expires,
                notAfter: $notAfter}
    }')
  sig=$(cast wallet sign --private-key "$PATIENT_KEY" --data "$typed")
  send "$ORG_KEY" "$registry" "openVisit((address,address,bytes32,uint64,uint64),bytes)" "$TOKEN" "$sig" | gas
}

REGISTRY=$(deploy "$ORG_KEY" out/RecordRegistry.sol/RecordRegistry.json "constructor(address)" "$PARTICIPANTS")
NAIVE=$(deploy "$ORG_KEY" out/NaiveRecordRegistry.sol/NaiveRecordRegistry.json "constructor(address)" "$PARTICIPANTS")

row "transaction" "gas used"
row "openVisit (token signed with cast, EIP-712 JSON)" "$(open_visit "$REGISTRY" "Caretrail RecordRegistry")"
row "anchorRecord: one record, organization under a visit" \
  "$(send "$ORG_KEY" "$REGISTRY" "anchorRecord(bytes32,bytes32,bytes32)" "$VISIT" "$KIND" "$CIPHERTEXT" | gas)"
row "anchorOwnRecord: one record, the patient's own" \
  "$(send "$PATIENT_KEY" "$REGISTRY" "anchorOwnRecord(bytes32,bytes32)" "$KIND" "$(cast keccak ciphertext-2)" | gas)"
BATCH=$(send "$ORG_KEY" "$REGISTRY" "anchorBatch(bytes32,bytes32,uint32)" "$VISIT" "$(cast keccak root-1)" 100 | gas)
row "anchorBatch: 100 records under one root" "$BATCH"
row "  per record" "$(( BATCH / 100 ))"
row "grantAccess (kind)" \
  "$(send "$PATIENT_KEY" "$REGISTRY" "grantAccess(address,uint8,bytes32,uint64)" "$READER" 1 "$KIND" "$EXPIRES" | gas)"
row "revokeAccess (after its refund)" \
  "$(send "$PATIENT_KEY" "$REGISTRY" "revokeAccess(address,uint8,bytes32)" "$READER" 1 "$KIND" | gas)"
GRANT=$(jq -n --argjson chain "$CHAIN_ID" --arg contract "$REGISTRY" --arg patient "$PATIENT" \
  --arg reader "$READER" --arg kind "$KIND" --argjson expires "$EXPIRES" '{
    types: {
      EIP712Domain: [{name: "name", type: "string"}, {name: "version", type: "string"},
                     {name: "chainId", type: "uint256"}, {name: "verifyingContract", type: "address"}],
      ConsentGrant: [{name: "patient", type: "address"}, {name: "grantee", type: "address"},
                     {name: "scope", type: "uint8"}, {name: "target", type: "bytes32"},
                     {name: "expiresAt", type: "uint64"}, {name: "nonce", type: "uint256"},
                     {name: "deadline", type: "uint64"}]
    },
    primaryType: "ConsentGrant",
    domain: {name: "Caretrail RecordRegistry", version: "1", chainId: $chain, verifyingContract: $contract},
    message: {patient: $patient, grantee: $reader, scope: 1, target: $kind, expiresAt: $expires, nonce: 0,
              deadline: $expires}
  }')
GRANT_SIG=$(cast wallet sign --private-key "$PATIENT_KEY" --data "$GRANT")
row "grantAccessBySig (signed with cast, relayed by the HO)" \
  "$(send "$ORG_KEY" "$REGISTRY" "grantAccessBySig((address,address,uint8,bytes32,uint64,uint256,uint64),bytes)" \
    "($PATIENT,$READER,1,$KIND,$EXPIRES,0,$EXPIRES)" "$GRANT_SIG" | gas)"
[ "$(cast call --rpc-url "$RPC" "$REGISTRY" "hasAccess(address,address,bytes32,bytes32)(bool)" \
  "$PATIENT" "$READER" "$KIND" "$CIPHERTEXT")" = true ] || { echo "grant by signature failed" >&2; exit 1; }
row "anchorAuditRoot (a run of 60 read-log entries)" \
  "$(send "$ORG_KEY" "$REGISTRY" "anchorAuditRoot(bytes32,uint64,uint32)" "$(cast keccak audit-root-1)" 0 60 | gas)"
BILL=$(cast keccak bill-1)
row "anchorClaim: the organization's bill, naming the insurer" \
  "$(send "$ORG_KEY" "$REGISTRY" "anchorClaim(bytes32,bytes32,address)" "$VISIT" "$BILL" "$INSURER" | gas)"
row "anchorClaimResponse: the insurer's answer" \
  "$(send "$INSURER_KEY" "$REGISTRY" "anchorClaimResponse(address,address,bytes32,bytes32)" \
    "$ORG" "$PATIENT" "$BILL" "$(cast keccak answer-1)" | gas)"

open_visit "$NAIVE" "Caretrail RecordRegistry" >/dev/null
row "naive: one record stored whole" \
  "$(send "$ORG_KEY" "$NAIVE" "anchorRecordNaive(bytes32,bytes32,bytes32)" "$VISIT" "$KIND" "$CIPHERTEXT" | gas)"
RECORDS="[$(for i in $(seq 100); do printf '(%s,%s),' "$KIND" "$(cast keccak "batch-ciphertext-$i")"; done | sed 's/,$//')]"
NAIVE_BATCH=$(send "$ORG_KEY" "$NAIVE" "anchorRecordsNaive(bytes32,(bytes32,bytes32)[])" "$VISIT" "$RECORDS" | gas)
row "naive: 100 records stored whole" "$NAIVE_BATCH"
row "  per record" "$(( NAIVE_BATCH / 100 ))"
