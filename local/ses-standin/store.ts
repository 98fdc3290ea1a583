/** Keeps the identities in a JSON file across restarts, written whole and renamed into place. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Identity } from './identities.js';

export interface Store {
  load(): Identity[];
  save(identities: readonly Identity[]): void;
}

/** Without a file, nothing is kept. */
export function fileStore(dataFile: string | undefined): Store {
  return {
    load: () =>
      dataFile && existsSync(dataFile)
        ? (JSON.parse(readFileSync(dataFile, 'utf8')) as { identities: Identity[] }).identities
        : [],
    save: (identities) => {
      if (!dataFile) return;
      writeFileSync(`${dataFile}.tmp`, JSON.stringify({ identities }, null, 1));
      renameSync(`${dataFile}.tmp`, dataFile);
    },
  };
}
