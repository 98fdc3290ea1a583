/**
 * Keeps the identities of every account and region in a JSON file across restarts, written whole
 * and renamed into place. A file of one account's identities (`{ identities }`, written before the
 * stand-in kept accounts apart) loads as the stand-in's own account, each identity in its region.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Identity } from './identities.js';

export interface SavedAccount {
  readonly account: string;
  readonly region: string;
  readonly identities: readonly Identity[];
}

export interface Store {
  load(defaults: { account: string; region: string }): SavedAccount[];
  save(accounts: readonly SavedAccount[]): void;
}

/** The identities of an old single-account file, grouped by the region each was created in. */
function byRegion(identities: readonly Identity[], defaults: { account: string; region: string }): SavedAccount[] {
  const groups = new Map<string, Identity[]>();
  for (const id of identities) {
    const region = id.region ?? defaults.region;
    groups.set(region, [...(groups.get(region) ?? []), id]);
  }
  return [...groups].map(([region, list]) => ({ account: defaults.account, region, identities: list }));
}

/** Without a file, nothing is kept. */
export function fileStore(dataFile: string | undefined): Store {
  return {
    load: (defaults) => {
      if (!dataFile || !existsSync(dataFile)) return [];
      const saved = JSON.parse(readFileSync(dataFile, 'utf8')) as {
        accounts?: SavedAccount[];
        identities?: Identity[];
      };
      return saved.accounts ?? byRegion(saved.identities ?? [], defaults);
    },
    save: (accounts) => {
      if (!dataFile) return;
      writeFileSync(`${dataFile}.tmp`, JSON.stringify({ accounts }, null, 1));
      renameSync(`${dataFile}.tmp`, dataFile);
    },
  };
}
