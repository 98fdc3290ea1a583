/** A domain's page: status, records, Verify (then following the status), zone file, settings. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, call, callText, seg } from './api.js';
import { DomainSettings } from './domain-settings.js';
import { attempt, type Loaded, useFeedback, useFocusOnChange, useLoad, useTitle } from './feedback.js';
import { zoneFileName } from './format.js';
import { pollDelayMs } from './paging.js';
import { RecordsTable } from './records-table.js';
import type { Domain, DomainSummary } from './types.js';
import { Problem, StatusText, Time } from './ui.js';

/**
 * While the domain is `verifying`, reads it again after 1 s, 2 s, 4 s … at most 15 s apart, until the
 * status moves on; a 429/503 waits its Retry-After. Stops when the page goes away.
 */
function useFollowVerification(id: string, domain: Loaded<Domain>, say: (text: string) => void) {
  const feedback = useFeedback();
  const verifying = domain.data?.status === 'verifying';
  useEffect(() => {
    if (!verifying) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let polls = 0;
    const next = (delayMs: number) => {
      timer = setTimeout(poll, delayMs);
    };
    const poll = async () => {
      try {
        const fresh = await call<Domain>('GET', `/domains/${seg(id)}`);
        if (stopped) return;
        polls++;
        domain.set(fresh);
        if (fresh.status === 'verifying') next(pollDelayMs(polls));
        else say(`Verification finished: ${fresh.status}.`);
      } catch (error) {
        if (stopped) return;
        feedback.report(error);
        const wait = error instanceof ApiProblem ? error.retryAfter : undefined;
        if (wait !== undefined) next(wait * 1000);
        else say('Stopped following the verification. Reload the page to look again.');
      }
    };
    say('Verification in progress. The records update here as DNS is checked.');
    next(pollDelayMs(0));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [verifying, id]);
}

/** Fetches the zone file with the key (a plain link could not send it) and saves it; resolves its name. */
async function downloadZoneFile(domain: Domain): Promise<string> {
  const { text, disposition } = await callText(`/domains/${seg(domain.id)}/zone-file`);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  const name = zoneFileName(domain.domain, disposition);
  link.download = name;
  link.className = 'offscreen';
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the Blob to the download; the URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
  return name;
}

export function DomainPage({ id }: { id: string }) {
  const feedback = useFeedback();
  const domain = useLoad(() => call<Domain>('GET', `/domains/${seg(id)}`), id);
  const [progress, setProgress] = useState('');
  const busy = useRef(false);
  const heading = useFocusOnChange<HTMLHeadingElement>(domain.data ? `domain ${id}` : `loading ${id}`);
  useFollowVerification(id, domain, setProgress);
  useTitle(domain.data?.domain ?? 'Domain');

  const act = async (action: () => Promise<void>) => {
    if (busy.current) return;
    busy.current = true;
    await attempt(feedback, action);
    busy.current = false;
  };
  const verify = () =>
    act(async () => {
      const summary = await call<DomainSummary>('POST', `/domains/${seg(id)}/verify`);
      if (domain.data) domain.set({ ...domain.data, ...summary });
    });

  const data = domain.data;
  if (!data) {
    return (
      <section>
        <h1 ref={heading} tabIndex={-1}>
          {domain.problem ? 'Domain not shown' : 'Loading domain…'}
        </h1>
        {domain.problem && <Problem text={domain.problem.text} />}
        <p>
          <a href="#/domains">Back to the list</a>
        </p>
      </section>
    );
  }
  return (
    <section>
      <p class="crumbs">
        <a href="#/domains">Back to the list</a>
      </p>
      <h1 id="domain-heading" ref={heading} tabIndex={-1} class="break">
        {data.domain}
      </h1>
      <ul class="facts">
        <li>
          Status: <StatusText status={data.status} />
        </li>
        <li>
          Last checked: <Time iso={data.last_checked_at} />
        </li>
        <li>Region: {data.region ?? '—'}</li>
        <li>
          Added: <Time iso={data.created_at} />
        </li>
      </ul>
      <div class="actions">
        <button type="button" onClick={verify}>
          Verify
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => act(async () => feedback.announce(`Saved ${await downloadZoneFile(data)}.`))}
        >
          Download zone file
        </button>
      </div>
      <p aria-live="polite" class="progress">
        {progress}
      </p>
      <h2>DNS records</h2>
      <RecordsTable records={data.dns_records} />
      <DomainSettings domain={data} onChanged={domain.set} />
    </section>
  );
}
