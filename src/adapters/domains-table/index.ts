/**
 * The Domain entity in the table, with its name claim and the team's domain count: one file per
 * concern, exported here together. Keys are built in table-keys.ts; nothing else builds them.
 */
export {
  type DomainClaim,
  DomainLimitError,
  getClaim,
  NameClaimedError,
  type NewDomain,
  type NewDomainOptions,
  putNewDomain,
} from './claims.js';
export { type DueDomain, leaseDue, queryDue } from './due-index.js';
export { markReady, PROVISIONING_LEASE_MS, setProvisioningLease, takeProvisioningLease } from './provisioning.js';
export { getDomain, listDomains, listDomainsPage } from './reads.js';
export { deleteDomainAndClaim, deleteReleasedDomain } from './removal.js';
export {
  commitUpdate,
  releaseUpdateLease,
  type SettingsChange,
  takeUpdateLease,
  UPDATE_LEASE_MS,
} from './update-lease.js';
export {
  type CheckResult,
  clearPendingEvent,
  type MarkVerifyingResult,
  markReleasing,
  markVerifying,
  revertVerifying,
  type WriteOutcome,
  writeCheckResult,
} from './verification.js';
