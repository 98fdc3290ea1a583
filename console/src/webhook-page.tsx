/** One endpoint's delivery log (newest first, paged with the API's cursor), Send test event and Replay. */
import { useRef, useState } from 'preact/hooks';
import { call, callPage, seg } from './api.js';
import { attempt, useFeedback, useFocusOnChange, useLoad, useTitle } from './feedback.js';
import type { AttemptOutcome, Delivery, Page, Webhook } from './types.js';
import { Pager, Problem, StatusText, Time } from './ui.js';
import { webhookState } from './webhooks-page.js';

const PER_PAGE = 20;

function outcomeWords(what: string, outcome: AttemptOutcome): string {
  const code = outcome.status_code === null ? 'no answer' : `HTTP ${outcome.status_code}`;
  if (outcome.delivered) return `${what} delivered (${code}, ${outcome.duration_ms} ms).`;
  return `${what} not delivered: ${outcome.error ?? code}.`;
}

export function WebhookPage({ id }: { id: string }) {
  const feedback = useFeedback();
  // The cursors of the pages before this one; the last one is this page's.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const endpoint = useLoad(() => call<Webhook>('GET', `/webhooks/${seg(id)}`), id);
  const deliveries = useLoad(
    () =>
      callPage<Page<Delivery>>(
        `/webhooks/${seg(id)}/deliveries?limit=${PER_PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      ),
    `${id} ${after ?? ''}`,
  );
  const [outcome, setOutcome] = useState('');
  const busy = useRef(false);
  const heading = useFocusOnChange<HTMLHeadingElement>(id);
  useTitle('Deliveries');

  const run = async (what: string, path: string) => {
    if (busy.current) return;
    busy.current = true;
    setOutcome(`${what}: sending…`);
    const result = await attempt(feedback, () => call<AttemptOutcome>('POST', path));
    // The log is read again first, so that the outcome and the row it changed show together.
    await deliveries.reload();
    busy.current = false;
    setOutcome(result ? outcomeWords(what, result) : '');
  };

  const page = deliveries.data;
  const problem = endpoint.problem ?? deliveries.problem;
  return (
    <section>
      <p class="crumbs">
        <a href="#/webhooks">Back to the list</a>
      </p>
      <h1 id="webhook-heading" ref={heading} tabIndex={-1}>
        Deliveries
      </h1>
      {endpoint.data && (
        <p class="break">
          To {endpoint.data.url} ({webhookState(endpoint.data)})
        </p>
      )}
      {problem ? (
        <Problem text={problem.text} />
      ) : (
        <>
          <div class="actions">
            <button type="button" onClick={() => run('Test event', `/webhooks/${seg(id)}/test`)}>
              Send test event
            </button>
            <button type="button" class="secondary" onClick={() => void deliveries.reload()}>
              Refresh
            </button>
          </div>
          <p aria-live="polite" class="progress">
            {outcome}
          </p>
          {page === undefined ? (
            <p class="muted">Loading deliveries…</p>
          ) : page.data.length === 0 ? (
            <p>No deliveries yet.</p>
          ) : (
            <div class="table-wrap">
              <table class="stack">
                <caption class="visually-hidden">Deliveries to this endpoint, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col">Response code</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Time</th>
                    <th scope="col">Action</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.map((delivery) => (
                    <tr key={delivery.id}>
                      <td data-label="Event">{delivery.type}</td>
                      <td data-label="Status">
                        <StatusText status={delivery.status} />
                        {delivery.last_error && <span class="found">{delivery.last_error}</span>}
                      </td>
                      <td data-label="Response code">{delivery.last_status_code ?? '—'}</td>
                      <td data-label="Attempts">{delivery.attempts}</td>
                      <td data-label="Time">
                        <Time iso={delivery.last_attempt_at ?? delivery.created_at} />
                      </td>
                      <td data-label="Action">
                        <button
                          type="button"
                          class="secondary"
                          onClick={() => run('Replay', `/webhooks/${seg(id)}/deliveries/${seg(delivery.id)}/replay`)}
                        >
                          Replay
                          <span class="visually-hidden">
                            {' '}
                            {delivery.type} delivery {delivery.id}
                          </span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager
            label="Delivery pages"
            view={{ index: cursors.length, hasPrevious: cursors.length > 0, hasNext: Boolean(page?.next_cursor) }}
            onFirst={() => setCursors([])}
            onPrevious={() => setCursors(cursors.slice(0, -1))}
            onNext={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}
          />
        </>
      )}
    </section>
  );
}
