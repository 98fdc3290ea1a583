/**
 * The bench's floor replays a request's AWS calls as the request made them: calls in flight together
 * (a read beside its rate-limit count) are sent together again, calls that waited for others wait
 * again. A floor that ran everything one after another would be slower than the real path and hide
 * handler work behind a warm_ratio below 1.
 */
import { type Captured, type Interval, overlapGroups, replay } from '../../bench/lib/calls.js';

const span = (name: string, start: number, end: number) => ({ name, start, end });
const names = (groups: { name: string }[][]) => groups.map((g) => g.map((c) => c.name));

describe('overlapGroups', () => {
  it('keeps calls that each waited for the previous one in groups of one', () => {
    const calls = [span('get', 0, 2), span('lease', 2, 4), span('ses', 5, 9)];
    expect(names(overlapGroups(calls))).toEqual([['get'], ['lease'], ['ses']]);
  });

  it('puts a read and the rate-limit write it overlapped in one group', () => {
    const calls = [span('GetItem', 0, 3), span('UpdateItem', 0.1, 2.5)];
    expect(names(overlapGroups(calls))).toEqual([['GetItem', 'UpdateItem']]);
  });

  it('starts a new group once every call of the current one has settled', () => {
    // A first page read beside the count, then a second page that waited for the first.
    const calls = [span('page1', 0, 5), span('count', 0.2, 6), span('page2', 6, 8), span('after', 9, 10)];
    expect(names(overlapGroups(calls))).toEqual([['page1', 'count'], ['page2'], ['after']]);
  });

  it('keeps a call in the group while a longer member is still in flight', () => {
    const calls = [span('long', 0, 10), span('short', 1, 2), span('inside', 3, 4)];
    expect(names(overlapGroups(calls))).toEqual([['long', 'short', 'inside']]);
  });

  it('orders by start whatever the input order', () => {
    const calls = [span('second', 4, 5), span('first', 0, 2), span('beside', 1, 3)];
    expect(names(overlapGroups(calls))).toEqual([['first', 'beside'], ['second']]);
  });

  it('has no group for no calls', () => {
    expect(overlapGroups<Interval>([])).toEqual([]);
  });
});

describe('replay', () => {
  class FakeCommand {
    constructor(readonly input: unknown) {}
  }

  /** Captured calls whose resend records how many were in flight at once. */
  function fakeCalls(spans: Interval[]) {
    const seen = { inFlight: 0, peak: 0, inputs: [] as unknown[] };
    const send = async (command: { input: unknown }) => {
      seen.inputs.push(command.input);
      seen.peak = Math.max(seen.peak, ++seen.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.inFlight--;
    };
    const client = { middlewareStack: {}, send };
    const captured = spans.map(
      (s, i): Captured => ({ client, send, command: new FakeCommand({ n: i }), ...s, failed: false }),
    );
    return { captured, seen };
  }

  it('sends the calls the request overlapped at once', async () => {
    const { captured, seen } = fakeCalls([span('GetItem', 0, 3), span('UpdateItem', 0.1, 2.5)]);
    await replay(captured);
    expect(seen.peak).toBe(2);
    expect(seen.inputs).toEqual([{ n: 0 }, { n: 1 }]);
  });

  it('sends a call that waited for another only once that one has settled', async () => {
    const { captured, seen } = fakeCalls([span('GetItem', 0, 3), span('UpdateItem', 3, 5)]);
    await replay(captured);
    expect(seen.peak).toBe(1);
  });
});
