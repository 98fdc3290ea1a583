/**
 * The Domain item: its stored shape (a valibot schema every read goes through), its mapping to the
 * service's `Domain`, and the conditional update the entity's files share. Keys: table-keys.ts.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { EASY_DKIM_DEFAULT } from '../../domain/dkim.js';
import { DOMAIN_STATUSES, type Domain } from '../../domain/domain.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { StatusChangeSchema } from '../status-history-table.js';
import { ConditionFailed, type Item, parseItem, write } from '../table-io.js';

/** Names the store in the 503 a throttled or failing call becomes. */
export const STORE = 'The domain store';

// Absent and null read alike, as they always have: `?? default` below.
const optionalString = v.nullish(v.string());
const status = v.picklist(DOMAIN_STATUSES);

// Nested maps are checked but kept whole (loose): what was stored is what the service gets.
const RecordCheckSchema = v.looseObject({
  status: v.picklist(['pending', 'verified', 'failed']),
  diagnostic: v.optional(v.looseObject({ found: v.array(v.string()), reason: v.string() })),
});

const DkimSchema = v.variant('type', [
  v.looseObject({ type: v.literal('easy_dkim'), keyLength: v.picklist([1024, 2048]) }),
  v.looseObject({ type: v.literal('byodkim'), keyLength: v.number(), selector: v.string(), publicKey: v.string() }),
]);

const DomainItemSchema = v.object({
  id: v.string(),
  teamId: v.string(),
  domain: v.string(),
  returnPath: v.string(),
  region: v.string(),
  cell: optionalString,
  cellCounted: v.nullish(v.boolean()),
  status,
  verifiedAt: optionalString,
  verifyRequestedAt: optionalString,
  createdAt: v.string(),
  ready: v.nullish(v.boolean()),
  verificationToken: optionalString,
  dkimTokens: v.nullish(v.array(v.string())),
  lastCheckedAt: optionalString,
  previousStatus: v.nullish(status),
  pendingEvent: v.nullish(StatusChangeSchema),
  leaseId: optionalString,
  recordChecks: v.nullish(v.record(v.string(), RecordCheckSchema)),
  dkim: v.nullish(DkimSchema),
  settingsRev: v.nullish(v.number()),
  everVerified: v.nullish(v.boolean()),
  releasing: v.nullish(v.boolean()),
  eventSeq: v.optional(v.number()),
});

/** The service's view of a stored domain item; a malformed item is a MalformedItemError. */
export function fromItem(item: Item): Domain {
  const d = parseItem(DomainItemSchema, item, 'Domain');
  return {
    id: d.id,
    teamId: d.teamId,
    domain: d.domain,
    returnPath: d.returnPath,
    region: d.region,
    // Only when stored: a domain from before cells reads as it always did (see domain/cells.ts, cellIdOf).
    ...(typeof d.cell === 'string' && { cell: d.cell }),
    ...(d.cellCounted === true && { cellCounted: true }),
    status: d.status,
    verifiedAt: d.verifiedAt ?? null,
    verifyRequestedAt: d.verifyRequestedAt ?? null,
    createdAt: d.createdAt,
    ready: d.ready === true,
    verificationToken: d.verificationToken ?? null,
    dkimTokens: d.dkimTokens ?? [],
    lastCheckedAt: d.lastCheckedAt ?? null,
    previousStatus: d.previousStatus ?? null,
    pendingEvent: d.pendingEvent ?? null,
    leaseId: d.leaseId ?? null,
    recordChecks: d.recordChecks ?? {},
    // Domains created before DKIM settings existed use SES's default, Easy DKIM with 2048-bit keys.
    dkim: d.dkim ?? EASY_DKIM_DEFAULT,
    settingsRev: d.settingsRev ?? 0,
    // Domains verified before this flag existed show it by verifiedAt.
    everVerified: d.everVerified === true || typeof d.verifiedAt === 'string',
    releasing: d.releasing === true,
    // Domains whose changes predate webhook events have no counter: their first event is 1.
    eventSeq: d.eventSeq ?? 0,
  };
}

type UpdateInput = ConstructorParameters<typeof UpdateCommand>[0];

/**
 * One conditional update of a domain item: its attributes as asked by `ReturnValues`, `{}` when
 * none were asked, or null when the condition failed.
 */
export async function updateDomainIf(input: Omit<UpdateInput, 'TableName'>): Promise<Item | null> {
  const out = await write(STORE, () => ddb.send(new UpdateCommand({ TableName: tableName, ...input })));
  if (out instanceof ConditionFailed) return null;
  return (out?.Attributes as Item | undefined) ?? {};
}
