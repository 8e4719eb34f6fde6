// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title RecordRegistry
/// @notice Anchors of a patient's encrypted records, and her consent to their reading. The records
/// themselves (FHIR resources, encrypted on the patient's side) live off chain; the chain holds only
/// ids, hashes and addresses: which record, whose, what kind, the hash of its ciphertext and who
/// anchored it. A single record is anchored in the log alone (`RecordAnchored`, no storage); a batch
/// stores its Merkle root under its author, written once and never overwritten. The relay that
/// serves the records anchors the Merkle roots of its read log here too (`anchorAuditRoot`).
/// @dev Who may anchor for a patient:
/// - the patient herself (`anchorOwnRecord`, `anchorOwnBatch`), no token;
/// - a health organization (HO) she let in: she signs a `VisitToken` (EIP-712) for that HO, the HO
///   opens the visit with it (`openVisit`, the signature is checked once there, no later than the
///   token's `notAfter`: minutes after she showed it, not the visit's whole length) and then anchors
///   under the visit id until the token expires or the patient closes the visit. The HO must be
///   admitted by the participant registry when it opens the visit and at every later write.
///
/// Record kinds are short ASCII names, left-aligned in a `bytes32` (e.g. `bytes32("DiagnosticReport")`,
/// the FHIR resource type); the contract only requires them to be non-zero. Everything here is
/// public and links a patient's address to the HOs that wrote for her, when, and the kinds: keep
/// kinds as coarse as resource types, never a diagnosis or a test name.
///
/// Record ids are content addresses, derived and never chosen by the caller:
/// `recordId = keccak256(abi.encode(patient, kind, ciphertextHash))` (`recordIdOf`). The ciphertext
/// hash is unique per encryption, so an id names exactly one content of one patient: nobody can
/// anchor other content, or another patient's, under an id already in use. A single anchor writes
/// no storage (a fresh slot would cost 22,100 gas more): it checks who may write and emits
/// `RecordAnchored`. Anchoring the same content again only repeats the log, which is
/// harmless: readers take the earliest `RecordAnchored` of an id, whose author (the patient or an
/// HO she let in) is the record's author, and its block the time of the anchor.
///
/// Batches: many records under one Merkle root, stored once per author: a root is the author's
/// (`batchOf(author, root)`), so anchoring a root someone else anchored first neither fails nor
/// borrows their batch, and a reader checks a batch by the author she expects. A record's leaf is
/// its id hashed once more, `keccak256(bytes.concat(recordIdOf(patient, kind, ciphertextHash)))`
/// (`recordLeaf`), and inner nodes hash the sorted pair (OpenZeppelin `MerkleProof`): the tree that
/// `StandardMerkleTree.of(values, ["address", "bytes32", "bytes32"])` of OpenZeppelin's merkle-tree
/// npm package builds over `[patient, kind, ciphertextHash]` values. A record has the same id
/// whether anchored singly or in a batch; the contract cannot see a batch's leaves, so here too
/// the earliest anchor of a record by the expected author is the one that counts.
///
/// Consent says who may read: the patient grants a grantee access to one record (`Scope.Record`,
/// target = record id) or to every record of a kind (`Scope.Kind`, target = kind) until an expiry,
/// and may revoke it. Revoking cannot take back what was already read. Consents can also be signed
/// by the patient (EIP-712, with a nonce and a deadline) and relayed by anyone. `hasAccess` takes
/// the record's kind and ciphertext hash and derives its id, so a kind consent opens only records
/// of that kind.
///
/// Claims (the bill, U_B, and the insurer's answers): during its open visit the HO anchors the bill,
/// a FHIR Claim of the visit's patient (kind `CLAIM_KIND`, `bytes32("Claim")`), naming the insurer it
/// bills, which must be admitted then (`anchorClaim`). The claim is kept under its HO, one slot:
/// `claimOf(organization, claimId)` is the insurer, and the claim id (`recordIdOf(patient,
/// CLAIM_KIND, ciphertextHash)`) binds the patient, so she is not stored. That insurer, while
/// admitted, and nobody else, anchors its answers (FHIR ClaimResponses, kind `CLAIM_RESPONSE_KIND`,
/// `bytes32("ClaimResponse")`), as many as it sends (queued, then complete): each is the patient's
/// record with the insurer as author, and `ClaimAnswered` links it to the claim
/// (`anchorClaimResponse`). An insurer anchors nothing else: `anchorRecord`, `anchorBatch` and
/// `anchorClaim` need an open visit of the sender, which only an admitted HO can open; what it
/// anchors through `anchorOwnRecord`/`anchorOwnBatch` is its own (its address as patient and author)
/// and names no patient, which is harmless; `anchorOwnRecordBySig` needs the patient's signature.
///
/// Audit roots: any account (in practice the relay that serves the records) anchors the Merkle root
/// of a run of its read-log entries, numbered from `firstEntry`, once per root and sender
/// (`auditRootOf(relay, root)`, with the time it was anchored). The leaves are built off chain
/// (OpenZeppelin `StandardMerkleTree` leaves, double-hashed); the contract stores roots only, and a
/// patient's app checks roots anchored by the relay address it trusts.
contract RecordRegistry is EIP712, Nonces {
    /// @notice What the patient signs to let one HO write records for her during one visit.
    struct VisitToken {
        address patient;
        address organization;
        /// Chosen by the patient's app; unique per organization.
        bytes32 visitId;
        /// Unix seconds; the visit is open while `block.timestamp < expiresAt`.
        uint64 expiresAt;
        /// Unix seconds; the last moment the visit may be opened with this token (minutes after it
        /// was signed, so a check-in code seen or photographed later opens nothing).
        uint64 notAfter;
    }

    /// @notice An opened visit, one storage slot.
    struct Visit {
        address patient;
        /// Unix seconds; set to the closing time when a party closes the visit early.
        uint64 expiresAt;
    }

    /// @notice A batch of records anchored under one Merkle root by one author (the key of the
    /// batch, with the root), one storage slot.
    struct Batch {
        address patient;
        /// Number of leaves, as declared by the author (the contract cannot count them).
        uint32 count;
    }

    /// @notice A run of a relay's read-log entries anchored under one Merkle root, one storage slot.
    struct AuditRoot {
        /// Number of the run's first entry in the relay's log (as declared by the relay).
        uint64 firstEntry;
        /// Number of entries (leaves) under the root, non-zero for an anchored root.
        uint32 count;
        /// Unix seconds of the block that anchored the root.
        uint64 anchoredAt;
    }

    /// @notice What a consent covers.
    enum Scope {
        /// One record; the target is its record id (`recordIdOf`).
        Record,
        /// Every record of a kind; the target is the kind.
        Kind
    }

    /// @notice A grant the patient signs for anyone to relay.
    struct ConsentGrant {
        address patient;
        address grantee;
        Scope scope;
        bytes32 target;
        /// Unix seconds; access holds while `block.timestamp < expiresAt`.
        uint64 expiresAt;
        /// The patient's next nonce (`nonces(patient)`).
        uint256 nonce;
        /// Unix seconds; the signature is refused from then on.
        uint64 deadline;
    }

    /// @notice A revocation the patient signs for anyone to relay.
    struct ConsentRevocation {
        address patient;
        address grantee;
        Scope scope;
        bytes32 target;
        /// The patient's next nonce (`nonces(patient)`).
        uint256 nonce;
        /// Unix seconds; the signature is refused from then on.
        uint64 deadline;
    }

    /// @notice An anchor of her own record the patient signs for anyone to relay, so that she needs
    /// no ether. It carries no nonce: anchors are content-addressed and only logged, so a replay
    /// before the deadline logs the same anchor again and changes nothing (the earliest counts).
    struct OwnAnchor {
        address patient;
        bytes32 kind;
        bytes32 ciphertextHash;
        /// Unix seconds; the signature is refused from then on.
        uint64 deadline;
    }

    /// @notice EIP-712 type of `VisitToken`:
    /// `VisitToken(address patient,address organization,bytes32 visitId,uint64 expiresAt,uint64 notAfter)`.
    bytes32 public constant VISIT_TOKEN_TYPEHASH = keccak256(
        "VisitToken(address patient,address organization,bytes32 visitId,uint64 expiresAt,uint64 notAfter)"
    );
    /// @notice EIP-712 type of `ConsentGrant` (`scope` as uint8: 0 record, 1 kind):
    /// `ConsentGrant(address patient,address grantee,uint8 scope,bytes32 target,uint64 expiresAt,uint256 nonce,uint64 deadline)`.
    bytes32 public constant CONSENT_GRANT_TYPEHASH = keccak256(
        "ConsentGrant(address patient,address grantee,uint8 scope,bytes32 target,uint64 expiresAt,uint256 nonce,uint64 deadline)"
    );
    /// @notice EIP-712 type of `ConsentRevocation`:
    /// `ConsentRevocation(address patient,address grantee,uint8 scope,bytes32 target,uint256 nonce,uint64 deadline)`.
    bytes32 public constant CONSENT_REVOCATION_TYPEHASH = keccak256(
        "ConsentRevocation(address patient,address grantee,uint8 scope,bytes32 target,uint256 nonce,uint64 deadline)"
    );

    /// @notice EIP-712 type of `OwnAnchor`:
    /// `OwnAnchor(address patient,bytes32 kind,bytes32 ciphertextHash,uint64 deadline)`.
    bytes32 public constant OWN_ANCHOR_TYPEHASH =
        keccak256("OwnAnchor(address patient,bytes32 kind,bytes32 ciphertextHash,uint64 deadline)");

    /// @notice The kind of a bill (U_B), a FHIR Claim, as anchored by `anchorClaim`.
    bytes32 public constant CLAIM_KIND = bytes32("Claim");
    /// @notice The kind of an insurer's answer to a claim, a FHIR ClaimResponse, as anchored by
    /// `anchorClaimResponse`.
    bytes32 public constant CLAIM_RESPONSE_KIND = bytes32("ClaimResponse");

    /// @notice The registry that says whether an HO is admitted.
    IParticipantRegistry public immutable participants;

    mapping(address organization => mapping(bytes32 visitId => Visit)) private _visits;
    mapping(address author => mapping(bytes32 root => Batch)) private _batches;
    /// `consentKey` => expiry; zero when never granted or revoked.
    mapping(bytes32 consentKey => uint64) private _consents;
    mapping(address relay => mapping(bytes32 root => AuditRoot)) private _auditRoots;
    /// The insurer each HO's claim names; zero when the HO anchored no such claim.
    mapping(address organization => mapping(bytes32 claimId => address insurer)) private _claims;

    /// @notice An HO opened a visit with the patient's token.
    event VisitOpened(address indexed patient, address indexed organization, bytes32 indexed visitId, uint64 expiresAt);
    /// @notice The patient or the HO closed a visit before its token expired.
    event VisitClosed(address indexed patient, address indexed organization, bytes32 indexed visitId, address closedBy);
    /// @notice A record was anchored (`recordId` = `recordIdOf(patient, kind, ciphertextHash)`);
    /// `author` is the HO or the patient who sent it. The same content may be logged again: the
    /// earliest event of an id is its anchor.
    event RecordAnchored(
        bytes32 indexed recordId, address indexed patient, address indexed author, bytes32 kind, bytes32 ciphertextHash
    );
    /// @notice `author` anchored a batch of `count` records of `patient` under `root`.
    event BatchAnchored(bytes32 indexed root, address indexed patient, address indexed author, uint32 count);
    /// @notice The patient granted (or re-granted, with a new expiry) access.
    event ConsentGranted(
        address indexed patient, address indexed grantee, Scope scope, bytes32 target, uint64 expiresAt
    );
    /// @notice The patient revoked access.
    event ConsentRevoked(address indexed patient, address indexed grantee, Scope scope, bytes32 target);
    /// @notice `organization` anchored the claim `claimId` (its `RecordAnchored` is in the same
    /// transaction), naming `insurer` as the one who answers it.
    event ClaimAnchored(bytes32 indexed claimId, address indexed organization, address indexed insurer);
    /// @notice `insurer` answered `organization`'s claim `claimId` with the record `responseId`
    /// (`recordIdOf(patient, CLAIM_RESPONSE_KIND, ciphertextHash)`, the claim's patient); an
    /// insurer may answer a claim several times (queued, then complete): the latest is its answer.
    event ClaimAnswered(
        bytes32 indexed claimId,
        address indexed organization,
        address indexed insurer,
        bytes32 responseId,
        bytes32 ciphertextHash
    );
    /// @notice `relay` anchored the Merkle root of `count` read-log entries, from entry `firstEntry` on.
    event AuditRootAnchored(address indexed relay, bytes32 indexed root, uint64 firstEntry, uint32 count);

    /// @notice The caller is not an HO admitted by the participant registry (unknown, suspended, blocked, or an insurer).
    error NotAdmittedOrganization(address account);
    /// @notice A visit token is opened by an account other than the organization it names.
    error NotTokenOrganization(address sender, address organization);
    /// @notice The signature over a token or consent was not made by the patient it names
    /// (a token from another chain or contract recovers to another address).
    error NotSignedByPatient(address patient, address signer);
    /// @notice The visit token has expired, or the visit is closed.
    error VisitExpired(bytes32 visitId, uint64 expiresAt);
    /// @notice The visit token's deadline to open the visit (`notAfter`) has passed.
    error VisitOpeningClosed(bytes32 visitId, uint64 notAfter);
    /// @notice The organization already opened a visit with this id.
    error VisitAlreadyOpened(address organization, bytes32 visitId);
    /// @notice The organization has no visit with this id.
    error UnknownVisit(address organization, bytes32 visitId);
    /// @notice Only the visit's patient or organization may close it.
    error NotVisitParty(address account);
    /// @notice A record kind must not be zero.
    error EmptyKind();
    /// @notice A ciphertext hash must not be zero.
    error EmptyCiphertextHash();
    /// @notice A Merkle root (of a batch or of audit entries) must not be zero.
    error EmptyRoot();
    /// @notice A batch must hold at least one record.
    error EmptyBatch();
    /// @notice The author already anchored a batch under this root; batches are never overwritten.
    error BatchAlreadyAnchored(address author, bytes32 root);
    /// @notice An audit root must cover at least one entry.
    error NoAuditEntries();
    /// @notice The relay already anchored this audit root; audit roots are never overwritten.
    error AuditRootAlreadyAnchored(address relay, bytes32 root);
    /// @notice A consent needs a grantee.
    error ZeroGrantee();
    /// @notice The patient always reads her own records; she cannot grant herself.
    error GrantToSelf();
    /// @notice A consent needs a target (record id or kind).
    error EmptyTarget();
    /// @notice A consent must expire in the future.
    error ExpiryNotInFuture(uint64 expiresAt);
    /// @notice There is no consent to revoke (never granted, or already revoked).
    error NoSuchConsent(address patient, address grantee, Scope scope, bytes32 target);
    /// @notice A signed consent was relayed at or after its deadline.
    error SignatureExpired(uint64 deadline);
    /// @notice The account is not an insurer admitted by the participant registry (unknown,
    /// suspended, blocked, or a health organization).
    error NotAdmittedInsurer(address account);
    /// @notice The organization already anchored this claim; the insurer it names never changes.
    error ClaimAlreadyAnchored(address organization, bytes32 claimId);
    /// @notice The organization anchored no claim with this id (for this patient and content).
    error UnknownClaim(address organization, bytes32 claimId);
    /// @notice Only the insurer a claim names may answer it.
    error NotClaimInsurer(bytes32 claimId, address insurer, address sender);

    /// @param participants_ the registry that admits health organizations
    constructor(IParticipantRegistry participants_) EIP712("Caretrail RecordRegistry", "1") {
        participants = participants_;
    }

    // ---- visits ----

    /// @notice Opens a visit: from now until `token.expiresAt` the sender may anchor records for
    /// `token.patient` under `token.visitId`. Refused after `token.notAfter`.
    /// @param token the visit token, naming the sender as organization
    /// @param signature the patient's EIP-712 signature over `token`
    function openVisit(VisitToken calldata token, bytes calldata signature) external {
        if (msg.sender != token.organization) revert NotTokenOrganization(msg.sender, token.organization);
        _requireAdmitted(msg.sender);
        if (block.timestamp >= token.expiresAt) revert VisitExpired(token.visitId, token.expiresAt);
        if (block.timestamp > token.notAfter) revert VisitOpeningClosed(token.visitId, token.notAfter);
        address signer = ECDSA.recover(_hashTypedDataV4(_visitTokenHash(token)), signature);
        if (signer != token.patient) revert NotSignedByPatient(token.patient, signer);
        Visit storage visit = _visits[msg.sender][token.visitId];
        if (visit.patient != address(0)) revert VisitAlreadyOpened(msg.sender, token.visitId);
        visit.patient = token.patient;
        visit.expiresAt = token.expiresAt;
        emit VisitOpened(token.patient, msg.sender, token.visitId, token.expiresAt);
    }

    /// @notice Ends an open visit now; the organization can no longer anchor under it, nor reopen it.
    /// @dev Callable by the visit's patient (to withdraw her token) or its organization.
    function closeVisit(address organization, bytes32 visitId) external {
        Visit storage visit = _visits[organization][visitId];
        address patient = visit.patient;
        if (patient == address(0)) revert UnknownVisit(organization, visitId);
        if (msg.sender != patient && msg.sender != organization) revert NotVisitParty(msg.sender);
        if (block.timestamp >= visit.expiresAt) revert VisitExpired(visitId, visit.expiresAt);
        visit.expiresAt = uint64(block.timestamp);
        emit VisitClosed(patient, organization, visitId, msg.sender);
    }

    /// @notice The patient and expiry of an organization's visit (zero address if none).
    function visitOf(address organization, bytes32 visitId) external view returns (Visit memory) {
        return _visits[organization][visitId];
    }

    /// @notice The EIP-712 digest the patient signs for `token`.
    function visitTokenDigest(VisitToken calldata token) external view returns (bytes32) {
        return _hashTypedDataV4(_visitTokenHash(token));
    }

    // ---- single records ----

    /// @notice Anchors one record for the patient of the sender's open visit `visitId`: emits
    /// `RecordAnchored` and stores nothing.
    /// @param visitId a visit the sender opened, still open; the sender must still be an admitted HO
    /// @param kind the record's kind (non-zero)
    /// @param ciphertextHash hash of the record's ciphertext as stored off chain (non-zero)
    /// @return recordId the record's id, `recordIdOf(patient, kind, ciphertextHash)`
    function anchorRecord(bytes32 visitId, bytes32 kind, bytes32 ciphertextHash) external returns (bytes32 recordId) {
        return _anchorRecord(_visitPatient(visitId), msg.sender, kind, ciphertextHash);
    }

    /// @notice Anchors one of the sender's own records (the sender is the patient and the author):
    /// emits `RecordAnchored` and stores nothing.
    /// @param kind the record's kind (non-zero)
    /// @param ciphertextHash hash of the record's ciphertext as stored off chain (non-zero)
    /// @return recordId the record's id, `recordIdOf(msg.sender, kind, ciphertextHash)`
    function anchorOwnRecord(bytes32 kind, bytes32 ciphertextHash) external returns (bytes32 recordId) {
        return _anchorRecord(msg.sender, msg.sender, kind, ciphertextHash);
    }

    /// @notice Anchors a record of `anchor.patient` as she signed it; anyone may relay.
    /// @param signature the patient's EIP-712 signature over `anchor`
    function anchorOwnRecordBySig(OwnAnchor calldata anchor, bytes calldata signature)
        external
        returns (bytes32 recordId)
    {
        _checkSigned(anchor.patient, anchor.deadline, _hashTypedDataV4(_ownAnchorHash(anchor)), signature);
        // The patient is the author: the relayer only paid.
        return _anchorRecord(anchor.patient, anchor.patient, anchor.kind, anchor.ciphertextHash);
    }

    /// @notice The EIP-712 digest the patient signs for `anchor`.
    function ownAnchorDigest(OwnAnchor calldata anchor) external view returns (bytes32) {
        return _hashTypedDataV4(_ownAnchorHash(anchor));
    }

    /// @notice The id of a record: `keccak256(abi.encode(patient, kind, ciphertextHash))`.
    /// @dev The id a single anchor logs, the value a batch leaf hashes, and the target of a
    /// `Scope.Record` consent.
    function recordIdOf(address patient, bytes32 kind, bytes32 ciphertextHash) public pure returns (bytes32) {
        return keccak256(abi.encode(patient, kind, ciphertextHash));
    }

    // ---- batches ----

    /// @notice Anchors a batch of records for the patient of the sender's open visit `visitId`.
    /// @param root Merkle root over the records' `recordLeaf`s, never anchored by the sender before
    /// @param count number of leaves (informational, non-zero)
    function anchorBatch(bytes32 visitId, bytes32 root, uint32 count) external {
        _anchorBatch(root, _visitPatient(visitId), count);
    }

    /// @notice Anchors a batch of the sender's own records.
    function anchorOwnBatch(bytes32 root, uint32 count) external {
        _anchorBatch(root, msg.sender, count);
    }

    /// @notice The batch `author` anchored under `root` (zero patient if none).
    function batchOf(address author, bytes32 root) external view returns (Batch memory) {
        return _batches[author][root];
    }

    /// @notice Whether `leaf` is in the batch `author` anchored under `root`.
    /// @dev Says nothing about whose the record is: compare the leaf's patient with
    /// `batchOf(author, root)`, or use `verifyRecordInBatch`, which does.
    function verifyInBatch(address author, bytes32 root, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        return _batches[author][root].patient != address(0) && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @notice Whether this record is in the batch `author` anchored under `root`, and the batch is
    /// the same patient's.
    /// @param author the HO or patient the reader expects to have anchored the record
    /// @param proof the sibling hashes from the record's `recordLeaf` up to `root`
    function verifyRecordInBatch(
        address author,
        bytes32 root,
        address patient,
        bytes32 kind,
        bytes32 ciphertextHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return patient != address(0) && _batches[author][root].patient == patient
            && MerkleProof.verifyCalldata(proof, root, recordLeaf(patient, kind, ciphertextHash));
    }

    /// @notice The Merkle leaf of a record, its id hashed once more:
    /// `keccak256(bytes.concat(recordIdOf(patient, kind, ciphertextHash)))`, i.e. OpenZeppelin's
    /// `StandardMerkleTree` leaf of the value `[patient, kind, ciphertextHash]` typed
    /// `["address", "bytes32", "bytes32"]`.
    /// @dev Hashed twice so that no leaf is 64 bytes long and can pass for an inner node.
    function recordLeaf(address patient, bytes32 kind, bytes32 ciphertextHash) public pure returns (bytes32) {
        return keccak256(bytes.concat(recordIdOf(patient, kind, ciphertextHash)));
    }

    // ---- claims ----

    /// @notice Anchors the bill of the sender's open visit `visitId`: a record of the visit's patient
    /// of kind `CLAIM_KIND`, naming `insurer` (admitted now) as the one who may answer it. Emits
    /// `RecordAnchored` and `ClaimAnchored`; stores the insurer under the sender and the claim id.
    /// @param visitId a visit the sender opened, still open; the sender must still be an admitted HO
    /// @param ciphertextHash hash of the claim's ciphertext as stored off chain (non-zero)
    /// @param insurer the insurer billed, an admitted insurer
    /// @return claimId the claim's record id, `recordIdOf(patient, CLAIM_KIND, ciphertextHash)`
    function anchorClaim(bytes32 visitId, bytes32 ciphertextHash, address insurer) external returns (bytes32 claimId) {
        address patient = _visitPatient(visitId);
        if (!participants.isAdmitted(insurer, IParticipantRegistry.Kind.Insurer)) revert NotAdmittedInsurer(insurer);
        if (ciphertextHash == bytes32(0)) revert EmptyCiphertextHash();
        claimId = recordIdOf(patient, CLAIM_KIND, ciphertextHash);
        if (_claims[msg.sender][claimId] != address(0)) revert ClaimAlreadyAnchored(msg.sender, claimId);
        _claims[msg.sender][claimId] = insurer;
        emit RecordAnchored(claimId, patient, msg.sender, CLAIM_KIND, ciphertextHash);
        emit ClaimAnchored(claimId, msg.sender, insurer);
    }

    /// @notice The insurer anchors its answer to a claim that names it: a record of the claim's
    /// patient of kind `CLAIM_RESPONSE_KIND`, with the insurer as author. Emits `RecordAnchored` and
    /// `ClaimAnswered`; stores nothing. May be called again for a later answer to the same claim.
    /// @dev The claim is found from what it was derived from, so the answer is the claim's patient's.
    /// It needs no open visit: claims are answered after the visit.
    /// @param organization the HO that anchored the claim
    /// @param patient the claim's patient
    /// @param claimCiphertextHash the claim's ciphertext hash
    /// @param ciphertextHash hash of the answer's ciphertext as stored off chain (non-zero)
    /// @return responseId the answer's record id, `recordIdOf(patient, CLAIM_RESPONSE_KIND, ciphertextHash)`
    function anchorClaimResponse(
        address organization,
        address patient,
        bytes32 claimCiphertextHash,
        bytes32 ciphertextHash
    ) external returns (bytes32 responseId) {
        bytes32 claimId = recordIdOf(patient, CLAIM_KIND, claimCiphertextHash);
        address insurer = _claims[organization][claimId];
        if (insurer == address(0)) revert UnknownClaim(organization, claimId);
        if (insurer != msg.sender) revert NotClaimInsurer(claimId, insurer, msg.sender);
        if (!participants.isAdmitted(msg.sender, IParticipantRegistry.Kind.Insurer)) {
            revert NotAdmittedInsurer(msg.sender);
        }
        responseId = _anchorRecord(patient, msg.sender, CLAIM_RESPONSE_KIND, ciphertextHash);
        emit ClaimAnswered(claimId, organization, msg.sender, responseId, ciphertextHash);
    }

    /// @notice The insurer `organization`'s claim `claimId` names (zero address if it anchored none).
    function claimOf(address organization, bytes32 claimId) external view returns (address insurer) {
        return _claims[organization][claimId];
    }

    // ---- consent ----

    /// @notice Grants `grantee` read access to one record (`Scope.Record`, `target` = record id) or
    /// to the sender's records of a kind (`Scope.Kind`, `target` = kind), until `expiresAt`.
    /// Granting again replaces the expiry.
    function grantAccess(address grantee, Scope scope, bytes32 target, uint64 expiresAt) external {
        _grant(msg.sender, grantee, scope, target, expiresAt);
    }

    /// @notice Revokes a consent the sender granted.
    function revokeAccess(address grantee, Scope scope, bytes32 target) external {
        _revoke(msg.sender, grantee, scope, target);
    }

    /// @notice Grants access as `grant.patient` signed it; anyone may relay.
    /// @param signature the patient's EIP-712 signature over `grant`
    function grantAccessBySig(ConsentGrant calldata grant, bytes calldata signature) external {
        _checkSigned(grant.patient, grant.deadline, _hashTypedDataV4(_consentGrantHash(grant)), signature);
        _useCheckedNonce(grant.patient, grant.nonce);
        _grant(grant.patient, grant.grantee, grant.scope, grant.target, grant.expiresAt);
    }

    /// @notice Revokes access as `revocation.patient` signed it; anyone may relay.
    /// @param signature the patient's EIP-712 signature over `revocation`
    function revokeAccessBySig(ConsentRevocation calldata revocation, bytes calldata signature) external {
        _checkSigned(
            revocation.patient, revocation.deadline, _hashTypedDataV4(_consentRevocationHash(revocation)), signature
        );
        _useCheckedNonce(revocation.patient, revocation.nonce);
        _revoke(revocation.patient, revocation.grantee, revocation.scope, revocation.target);
    }

    /// @notice Whether `grantee` may read `patient`'s record of kind `kind` whose ciphertext hashes
    /// to `ciphertextHash`: she is the patient, or holds an unexpired, unrevoked consent for that
    /// record (`recordIdOf(patient, kind, ciphertextHash)`) or for that kind.
    /// @dev The id is derived here, never taken from the caller, so the kind asked about is the
    /// record's own: a kind consent cannot be stretched to a record of another kind. The contract
    /// keeps no record, so it cannot tell whether this one was anchored: ask with the content being
    /// served (its hash) and the kind it was anchored with (`RecordAnchored`).
    function hasAccess(address patient, address grantee, bytes32 kind, bytes32 ciphertextHash)
        external
        view
        returns (bool)
    {
        if (grantee == patient && patient != address(0)) return true;
        bytes32 recordId = recordIdOf(patient, kind, ciphertextHash);
        return block.timestamp < _consents[consentKey(patient, grantee, Scope.Record, recordId)]
            || block.timestamp < _consents[consentKey(patient, grantee, Scope.Kind, kind)];
    }

    /// @notice The expiry of a consent; zero if never granted or revoked (it may also be past).
    function consentExpiry(address patient, address grantee, Scope scope, bytes32 target)
        external
        view
        returns (uint64)
    {
        return _consents[consentKey(patient, grantee, scope, target)];
    }

    /// @notice The storage key of a consent: `keccak256(abi.encode(patient, grantee, scope, target))`.
    function consentKey(address patient, address grantee, Scope scope, bytes32 target) public pure returns (bytes32) {
        return keccak256(abi.encode(patient, grantee, scope, target));
    }

    /// @notice The EIP-712 digest the patient signs for `grant`.
    function consentGrantDigest(ConsentGrant calldata grant) external view returns (bytes32) {
        return _hashTypedDataV4(_consentGrantHash(grant));
    }

    /// @notice The EIP-712 digest the patient signs for `revocation`.
    function consentRevocationDigest(ConsentRevocation calldata revocation) external view returns (bytes32) {
        return _hashTypedDataV4(_consentRevocationHash(revocation));
    }

    // ---- audit ----

    /// @notice Anchors the Merkle root of `count` entries of the sender's read log, numbered from
    /// `firstEntry`; the sender is the relay the root is kept under.
    /// @dev Open to any account: a root says only that its sender vouches for those entries, and a
    /// patient's app checks roots of the relay address it trusts. The contract does not check that
    /// runs follow each other; the app sees gaps and overlaps in the `AuditRootAnchored` log.
    /// @param root Merkle root over the entries' leaves (non-zero), never anchored by the sender before
    /// @param firstEntry number of the first entry under the root
    /// @param count number of entries under the root (non-zero)
    function anchorAuditRoot(bytes32 root, uint64 firstEntry, uint32 count) external {
        if (root == bytes32(0)) revert EmptyRoot();
        if (count == 0) revert NoAuditEntries();
        AuditRoot storage anchored = _auditRoots[msg.sender][root];
        if (anchored.count != 0) revert AuditRootAlreadyAnchored(msg.sender, root);
        anchored.firstEntry = firstEntry;
        anchored.count = count;
        anchored.anchoredAt = uint64(block.timestamp);
        emit AuditRootAnchored(msg.sender, root, firstEntry, count);
    }

    /// @notice The run of entries `relay` anchored under `root`, and when (zero count if none).
    function auditRootOf(address relay, bytes32 root) external view returns (AuditRoot memory) {
        return _auditRoots[relay][root];
    }

    // ---- internals ----

    /// @dev The patient of the sender's visit, if it is open and the sender is still admitted.
    function _visitPatient(bytes32 visitId) internal view returns (address patient) {
        Visit memory visit = _visits[msg.sender][visitId];
        if (visit.patient == address(0)) revert UnknownVisit(msg.sender, visitId);
        if (block.timestamp >= visit.expiresAt) revert VisitExpired(visitId, visit.expiresAt);
        _requireAdmitted(msg.sender);
        return visit.patient;
    }

    function _requireAdmitted(address account) internal view {
        if (!participants.isAdmitted(account, IParticipantRegistry.Kind.HealthOrganization)) {
            revert NotAdmittedOrganization(account);
        }
    }

    /// @dev Logs the anchor of a content-addressed record; no storage, so no duplicate check: the
    /// same content anchored again logs the same id again.
    function _anchorRecord(address patient, address author, bytes32 kind, bytes32 ciphertextHash)
        private
        returns (bytes32 recordId)
    {
        if (kind == bytes32(0)) revert EmptyKind();
        if (ciphertextHash == bytes32(0)) revert EmptyCiphertextHash();
        recordId = recordIdOf(patient, kind, ciphertextHash);
        emit RecordAnchored(recordId, patient, author, kind, ciphertextHash);
    }

    function _anchorBatch(bytes32 root, address patient, uint32 count) private {
        if (root == bytes32(0)) revert EmptyRoot();
        if (count == 0) revert EmptyBatch();
        Batch storage batch = _batches[msg.sender][root];
        if (batch.patient != address(0)) revert BatchAlreadyAnchored(msg.sender, root);
        batch.patient = patient;
        batch.count = count;
        emit BatchAnchored(root, patient, msg.sender, count);
    }

    function _grant(address patient, address grantee, Scope scope, bytes32 target, uint64 expiresAt) private {
        if (grantee == address(0)) revert ZeroGrantee();
        if (grantee == patient) revert GrantToSelf();
        if (target == bytes32(0)) revert EmptyTarget();
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt);
        _consents[consentKey(patient, grantee, scope, target)] = expiresAt;
        emit ConsentGranted(patient, grantee, scope, target, expiresAt);
    }

    function _revoke(address patient, address grantee, Scope scope, bytes32 target) private {
        bytes32 key = consentKey(patient, grantee, scope, target);
        if (_consents[key] == 0) revert NoSuchConsent(patient, grantee, scope, target);
        delete _consents[key];
        emit ConsentRevoked(patient, grantee, scope, target);
    }

    function _checkSigned(address patient, uint64 deadline, bytes32 digest, bytes calldata signature) private view {
        if (block.timestamp >= deadline) revert SignatureExpired(deadline);
        address signer = ECDSA.recover(digest, signature);
        if (signer != patient) revert NotSignedByPatient(patient, signer);
    }

    function _ownAnchorHash(OwnAnchor calldata anchor) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(OWN_ANCHOR_TYPEHASH, anchor.patient, anchor.kind, anchor.ciphertextHash, anchor.deadline)
            );
    }

    function _visitTokenHash(VisitToken calldata token) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    VISIT_TOKEN_TYPEHASH,
                    token.patient,
                    token.organization,
                    token.visitId,
                    token.expiresAt,
                    token.notAfter
                )
            );
    }

    function _consentGrantHash(ConsentGrant calldata grant) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                CONSENT_GRANT_TYPEHASH,
                grant.patient,
                grant.grantee,
                grant.scope,
                grant.target,
                grant.expiresAt,
                grant.nonce,
                grant.deadline
            )
        );
    }

    function _consentRevocationHash(ConsentRevocation calldata revocation) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                CONSENT_REVOCATION_TYPEHASH,
                revocation.patient,
                revocation.grantee,
                revocation.scope,
                revocation.target,
                revocation.nonce,
                revocation.deadline
            )
        );
    }
}
