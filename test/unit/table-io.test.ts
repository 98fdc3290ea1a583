/**
 * How every table entity's calls fail (src/adapters/table-io.ts): conditions are answers, invalid
 * writes and malformed items are clear errors, and what a retry can fix is the retryable 503.
 */
import * as v from 'valibot';
import {
  ConditionFailed,
  InvalidWriteError,
  MalformedItemError,
  parseItem,
  read,
  write,
} from '../../src/adapters/table-io.js';
import { domainKey } from '../../src/adapters/table-keys.js';
import { ServiceUnavailableError } from '../../src/errors.js';
import { errors } from './support/aws.js';

const failing = (err: unknown) => () => Promise.reject(err);

describe('write', () => {
  it('returns what the call answered', async () => {
    await expect(write('The store', async () => ({ Attributes: { n: 1 } }))).resolves.toEqual({ Attributes: { n: 1 } });
  });

  it('returns a failed condition with the item as it was, read from the wire format', async () => {
    const out = await write('The store', failing(errors.conditionalCheckFailed({ status: 'pending' })));
    expect(out).toBeInstanceOf(ConditionFailed);
    expect((out as ConditionFailed).failedAt(0)).toBe(true);
    expect((out as ConditionFailed).old()).toEqual({ status: 'pending' });
  });

  it('returns the failed conditions of a transaction by the place of their items', async () => {
    const out = (await write(
      'The store',
      failing(errors.transactionCanceled([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }])),
    )) as ConditionFailed;
    expect([out.failedAt(0), out.failedAt(1), out.failedAt(2)]).toEqual([false, false, true]);
    expect(out.old(2)).toBeUndefined();
  });

  it('turns throttling, of a call or inside a transaction, into the retryable 503', async () => {
    for (const err of [errors.ddbThrottled(), errors.transactionCanceled([{ Code: 'ThrottlingError' }])]) {
      const thrown = await write('The store', failing(err)).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(ServiceUnavailableError);
      expect(thrown).toMatchObject({
        reason: 'throttled',
        message: expect.stringMatching(/^The store is being throttled/),
      });
    }
    await expect(read('The store', failing(errors.ddbThrottled()))).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('refuses an invalid write with InvalidWriteError, for a call or a transaction', async () => {
    await expect(write('The store', failing(errors.unexpected()))).rejects.toBeInstanceOf(InvalidWriteError);
    await expect(
      write('The store', failing(errors.transactionCanceled([{ Code: 'ValidationError' }, { Code: 'None' }]))),
    ).rejects.toBeInstanceOf(InvalidWriteError);
  });

  it('leaves other errors as they are', async () => {
    const err = new Error('boom');
    await expect(write('The store', failing(err))).rejects.toBe(err);
  });
});

describe('parseItem', () => {
  const Schema = v.object({ id: v.string(), n: v.number() });

  it('returns the item in its schema', () => {
    expect(parseItem(Schema, { ...domainKey('team-a', 'd1'), id: 'd1', n: 2 }, 'Thing')).toEqual({ id: 'd1', n: 2 });
  });

  it('names the item and the fields of a malformed one, not their values', () => {
    const item = { ...domainKey('team-a', 'd1'), id: 7, n: 'secret' };
    expect(() => parseItem(Schema, item, 'Thing')).toThrow(MalformedItemError);
    expect(() => parseItem(Schema, item, 'Thing')).toThrow('malformed Thing item (TEAM#team-a / DOMAIN#d1): id, n');
    expect(() => parseItem(Schema, item, 'Thing')).not.toThrow(/secret/);
  });
});
