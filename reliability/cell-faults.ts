/**
 * Faults of one cell (c2, reached through STS AssumeRole), with every other open cell made to look
 * full so that each create lands in it: AssumeRole throttled, denied, failing or hanging while the
 * functions create, delete and check; then c2's own SES throttled at one call a second, failing
 * halfway through a create (the MAIL FROM call, the v1 token call) and hanging. After each: no
 * 500, no identity stranded in any account, no room lost, and once the clients have retried every
 * domain whole again.
 */

import { CATEGORY, type CellRun, fresh, isQuotaFull } from './cell-run.js';
import { accountOf, CELLS, CELLS_REGION } from './cell-state.js';
import { histogram, isAnswer, type Outcome } from './client.js';
import { sleep, type Team } from './world.js';

const FOCUS = 'c2';
const ROLE = CELLS.find((c) => c.id === FOCUS && 'roleArn' in c)!;
const ROLE_ARN = 'roleArn' in ROLE ? ROLE.roleArn : '';
const ACCOUNT = accountOf(FOCUS);

export type StsFault = 'throttle' | 'access_denied' | 'server_error' | 'timeout';
export const STS_FAULTS: readonly StsFault[] = ['throttle', 'access_denied', 'server_error', 'timeout'];

export interface CellFaultOptions {
  /** AssumeRole failures to try (default all; a timeout costs the functions' 5 s request limit per attempt). */
  readonly stsFaults?: readonly StsFault[];
  /** Concurrent creates while c2's SES is throttled at one call a second. */
  readonly throttledCreates?: number;
}

const idOf = (o: Outcome) => (isAnswer(o) && o.status === 201 ? String(o.json?.data?.id) : null);

/** Sends once, without retrying: a fault is in force, and the answer may be 503 but never a 500. */
function once(run: CellRun, key: string, method: string, path: string, body: unknown, label: string) {
  return run.w.call(CATEGORY, method, path, key, body, { allow503: true, allowQuota503: true, label });
}

/** Waits until the domain's check is written (or dead-lettered) after a verify request. */
async function checkEnded(run: CellRun, key: string, id: string, label: string): Promise<void> {
  await run.w.settle();
  const got = await run.w.call(CATEGORY, 'GET', `/domains/${id}`, key, undefined, { label: `${label}: read` });
  await run.w.readDlq();
  const dead = run.w.dlq.some((m) => m.domainId === id);
  if (isAnswer(got) && got.json?.data?.status === 'verifying' && !dead)
    run.w.tally.violation(CATEGORY, `${label}: the check was neither written nor dead-lettered once the queue drained`);
}

/** One AssumeRole fault while a domain of c2 is created, checked and deleted. */
async function assumeRoleFault(run: CellRun, team: Team, kind: StsFault): Promise<string> {
  const { w } = run;
  const label = `AssumeRole ${kind}`;
  // Three failures use up the functions' STS client's attempts; a hang, one (each waits out 5 s).
  const arm = (n = kind === 'timeout' ? 1 : 3) =>
    w.stack.sts.faults({ roleArn: ROLE_ARN, failNext: n, failWith: kind });
  const lift = () => w.stack.sts.faults({ roleArn: ROLE_ARN, failNext: 0 });

  arm();
  const domain = fresh(`sts-${kind.replace('_', '-')}`);
  const first = await once(run, team.key, 'POST', '/domains', { domain }, `${label}: create`);
  lift();
  await run.w.settle();
  await run.check(`${label}: after the create`);
  const made = first.status === 201 ? first : await run.create(team.key, domain, `${label}: create again`);
  const id = idOf(made);
  if (!id) {
    w.tally.violation(CATEGORY, `${label}: the create never succeeded once AssumeRole worked: ${histogram([made])}`);
    return `${label}: create ${histogram([first])}`;
  }
  await run.check(`${label}: created`, true);

  arm();
  const verify = await once(run, team.key, 'POST', `/domains/${id}/verify`, undefined, `${label}: verify`);
  await sleep(300);
  lift();
  await checkEnded(run, team.key, id, label);

  arm();
  const del = await once(run, team.key, 'DELETE', `/domains/${id}`, undefined, `${label}: delete`);
  lift();
  if (del.status === 200) w.deleted.add(id);
  else await run.remove(team.key, id, `${label}: delete again`);
  await run.w.settle();
  await run.check(`${label}: deleted`, true);
  return `${label}: create ${histogram([first])}, verify ${histogram([verify])}, delete ${histogram([del])}`;
}

export async function runAssumeRoleFaults(run: CellRun, team: Team, o: CellFaultOptions = {}): Promise<void> {
  const { w } = run;
  await run.focus(FOCUS);
  const stsBefore = w.stack.sts.calls().length;
  try {
    const lines: string[] = [];
    for (const kind of o.stsFaults ?? STS_FAULTS) {
      const before = w.stack.sts.calls().length;
      lines.push(await assumeRoleFault(run, team, kind));
      // A fault that never met an AssumeRole call proves nothing (credentials cached past it).
      if (
        !w.stack.sts
          .calls()
          .slice(before)
          .some((c) => c.status !== 200)
      )
        w.tally.violation(CATEGORY, `AssumeRole ${kind}: the fault never met an AssumeRole call of the functions`);
    }
    const calls = w.stack.sts.calls().slice(stsBefore);
    w.tally.detail(
      CATEGORY,
      `${lines.join('; ')} (${calls.length} AssumeRole calls, ${calls.filter((c) => c.status !== 200).length} failed)`,
    );
  } finally {
    w.stack.sts.faults({ roleArn: ROLE_ARN, failNext: 0 });
    await run.unfocus();
  }
}

/**
 * c2's SES at one call a second: creates (one more than fits) and their checks, all at once, end whole.
 * The creates go one after another: creates do not take their SES calls from the cell's pacer yet
 * (the README says so), and two at once in a cell at 1 call/s can keep throttling each other on a
 * loaded machine however often the client retries; that is measured by the bench, not asserted here.
 */
async function throttledCell(run: CellRun, team: Team, creates: number): Promise<string> {
  const { w } = run;
  const label = `c2's SES at 1 call/s`;
  w.stack.ses.throttle({ account: ACCOUNT, region: CELLS_REGION, ratePerSecond: 1 });
  const outs = [];
  for (let i = 0; i < creates; i++) outs.push(await run.create(team.key, fresh(`thr${i}`), label, 20));
  const ids = outs.map(idOf).filter((x): x is string => x !== null);
  await Promise.all(
    ids.map((id) => once(run, team.key, 'POST', `/domains/${id}/verify`, undefined, `${label}: verify`)),
  );
  // The checks meet the throttle too; the queue brings each back until it is written.
  for (const id of ids) await checkEnded(run, team.key, id, label);
  w.stack.ses.throttle({ account: ACCOUNT, region: CELLS_REGION, ratePerSecond: null });
  const unexpected = outs.filter((x) => x.status !== 201 && !isQuotaFull(x));
  if (unexpected.length > 0)
    w.tally.violation(CATEGORY, `${label}: creates retried after Retry-After ended ${histogram(unexpected)}`);
  await run.check(label, true);
  for (const id of ids) await run.remove(team.key, id, label);
  await run.check(`${label}: deleted`, true);
  const throttled = w.stack.ses.calls().filter((c) => c.account === ACCOUNT && c.status === 429).length;
  return `${label}: ${creates} creates one after another ${histogram(outs)}, ${throttled} throttled SES calls in c2 so far`;
}

/** One SES action of c2 failing (three times: the SDK's attempts) or hanging while a domain is created there. */
async function halfway(
  run: CellRun,
  team: Team,
  action: string,
  failWith: 'server_error' | 'timeout',
): Promise<string> {
  const { w } = run;
  const label = `c2's ${action} ${failWith === 'timeout' ? 'hanging' : 'failing'}`;
  w.stack.ses.throttle({
    account: ACCOUNT,
    region: CELLS_REGION,
    action,
    failNext: failWith === 'timeout' ? 1 : 3,
    failWith,
  });
  const domain = fresh('halfway');
  const first = await once(run, team.key, 'POST', '/domains', { domain }, `${label}: create`);
  await w.settle();
  // Whatever the answer, no identity may be left behind in c2 without its domain, and no room lost.
  await run.check(`${label}: after the create`);
  const made = first.status === 201 ? first : await run.create(team.key, domain, `${label}: create again`);
  const id = idOf(made);
  if (!id) w.tally.violation(CATEGORY, `${label}: the create never succeeded once SES worked: ${histogram([made])}`);
  await run.check(`${label}: created`, true);
  if (id) await run.remove(team.key, id, label);
  await run.check(`${label}: deleted`, true);
  return `${label}: ${histogram([first])}`;
}

export async function runCellSesFaults(run: CellRun, team: Team, o: CellFaultOptions = {}): Promise<void> {
  await run.focus(FOCUS);
  try {
    const lines = [await throttledCell(run, team, o.throttledCreates ?? 4)];
    for (const action of ['PutEmailIdentityMailFromAttributes', 'VerifyDomainIdentity', 'CreateEmailIdentity'])
      lines.push(await halfway(run, team, action, 'server_error'));
    lines.push(await halfway(run, team, 'PutEmailIdentityMailFromAttributes', 'timeout'));
    run.w.tally.detail(CATEGORY, lines.join('; '));
  } finally {
    await run.unfocus();
  }
}
