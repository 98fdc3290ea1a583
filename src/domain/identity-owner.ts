/**
 * Who an SES identity belongs to. An account is often shared with other applications, and SES
 * answers "already exists" for a name whoever made it: existing is not owning. Every identity this
 * API makes carries tags naming the stage and the domain it was made for, and nothing here changes
 * or removes an identity whose tags do not name the domain at hand.
 */
export const OWNER_TAG_KEYS = { stage: 'krafter:stage', domainId: 'krafter:domain-id' } as const;

export interface IdentityOwner {
  /** The deployment stage (STAGE): two stages in one account must not take each other's identities. */
  readonly stage: string;
  readonly domainId: string;
}

export interface Tag {
  readonly Key?: string | undefined;
  readonly Value?: string | undefined;
}

/** The tags an identity is created with. */
export function ownerTags(owner: IdentityOwner): { Key: string; Value: string }[] {
  return [
    { Key: OWNER_TAG_KEYS.stage, Value: owner.stage },
    { Key: OWNER_TAG_KEYS.domainId, Value: owner.domainId },
  ];
}

/**
 * `ours`: made by this stage for this domain. `untagged`: no owner tags at all (made outside the
 * API, or by a version of it that did not tag). `other`: tagged for another stage or domain.
 */
export type Ownership = 'ours' | 'untagged' | 'other';

export function ownershipOf(tags: readonly Tag[] | undefined, owner: IdentityOwner): Ownership {
  const value = (key: string) => tags?.find((t) => t.Key === key)?.Value;
  const stage = value(OWNER_TAG_KEYS.stage);
  const domainId = value(OWNER_TAG_KEYS.domainId);
  if (stage === undefined && domainId === undefined) return 'untagged';
  return stage === owner.stage && domainId === owner.domainId ? 'ours' : 'other';
}
