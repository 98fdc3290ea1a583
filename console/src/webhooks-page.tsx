/** The team's webhook endpoints: the list, adding one, and its signing secret shown once. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, call } from './api.js';
import { CopyButton } from './copy.js';
import { useFeedback, useFocusOnChange, useLoad, useTitle } from './feedback.js';
import { formatTime } from './format.js';
import { EVENT_TYPES, type EventType, type Webhook, type WebhookCreated } from './types.js';
import { Field, Problem } from './ui.js';

/** An endpoint's state in words. */
export function webhookState(webhook: Webhook): string {
  if (!webhook.enabled) return webhook.disabled_reason ? `disabled (${webhook.disabled_reason})` : 'disabled';
  return webhook.failing_since ? `enabled, failing since ${formatTime(webhook.failing_since)}` : 'enabled';
}

function SigningSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="card secret" aria-labelledby="secret-heading">
      <h2 id="secret-heading" ref={heading} tabIndex={-1}>
        Signing secret
      </h2>
      <p>Store it now: it is shown only this once. Verify each delivery's signature with it.</p>
      <p>
        <code class="break">{secret}</code>
      </p>
      <div class="actions">
        <CopyButton value={secret} text="Copy secret" className="secondary" />
        <button type="button" class="secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

function AddEndpointForm({ onCreated }: { onCreated: (created: WebhookCreated) => void }) {
  const feedback = useFeedback();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<EventType[]>([]);
  const [error, setError] = useState<{ field: 'url' | 'events'; message: string } | undefined>();
  const busy = useRef(false);

  const toggle = (type: EventType, on: boolean) =>
    setEvents((old) => (on ? [...old, type] : old.filter((one) => one !== type)));

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy.current) return;
    busy.current = true;
    setError(undefined);
    feedback.clearAlert();
    try {
      // No box ticked: the API sends every event type.
      const body = events.length > 0 ? { url: url.trim(), events } : { url: url.trim() };
      const created = await call<WebhookCreated>('POST', '/webhooks', body);
      setUrl('');
      setEvents([]);
      onCreated(created);
    } catch (problem) {
      feedback.report(problem);
      const field = problem instanceof ApiProblem ? problem.field?.split('.')[0] : undefined;
      if ((field === 'url' || field === 'events') && problem instanceof ApiProblem) {
        setError({ field, message: problem.message });
        document.getElementById(field === 'url' ? 'webhook-url' : 'event-0')?.focus();
      }
    } finally {
      busy.current = false;
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate>
      <h2 id="add-endpoint-heading">Add an endpoint</h2>
      <Field
        id="webhook-url"
        label="URL"
        hint="An https URL of yours that events are POSTed to."
        error={error?.field === 'url' ? error.message : undefined}
      >
        {(aria) => (
          <input
            {...aria}
            type="url"
            autoComplete="off"
            spellcheck={false}
            value={url}
            onInput={(event) => setUrl(event.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset aria-describedby={error?.field === 'events' ? 'events-error' : 'events-hint'}>
        <legend>Events</legend>
        {EVENT_TYPES.map((type, index) => (
          <div class="check" key={type}>
            <input
              type="checkbox"
              id={`event-${index}`}
              checked={events.includes(type)}
              onChange={(event) => toggle(type, event.currentTarget.checked)}
            />
            <label for={`event-${index}`}>{type}</label>
          </div>
        ))}
        <p id="events-hint" class="hint">
          Leave all unticked to receive every event type.
        </p>
        {error?.field === 'events' && (
          <p id="events-error" class="field-error">
            {error.message}
          </p>
        )}
      </fieldset>
      <div class="actions">
        <button type="submit">Add endpoint</button>
      </div>
    </form>
  );
}

export function WebhooksPage() {
  const list = useLoad(() => call<Webhook[]>('GET', '/webhooks'), 'webhooks');
  const [secret, setSecret] = useState<string | undefined>();
  const heading = useFocusOnChange<HTMLHeadingElement>('webhooks');
  useTitle('Webhooks');
  const forbidden = list.problem?.code === 'insufficient_scope';

  return (
    <section>
      <h1 id="webhooks-heading" ref={heading} tabIndex={-1}>
        Webhooks
      </h1>
      {list.problem ? (
        <Problem text={list.problem.text} />
      ) : list.data === undefined ? (
        <p class="muted">Loading endpoints…</p>
      ) : list.data.length === 0 ? (
        <p>No endpoints yet. Add one to hear of domain changes.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack">
            <caption class="visually-hidden">Your team's webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Deliveries</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((webhook) => (
                <tr key={webhook.id}>
                  <td class="break" data-label="URL">
                    {webhook.url}
                  </td>
                  <td data-label="Events">{webhook.events.join(', ')}</td>
                  <td data-label="Status">{webhookState(webhook)}</td>
                  <td data-label="Deliveries">
                    <a href={`#/webhooks/${encodeURIComponent(webhook.id)}`}>
                      Deliveries<span class="visually-hidden"> to {webhook.url}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {secret && <SigningSecret secret={secret} onDone={() => setSecret(undefined)} />}
      {!forbidden && (
        <AddEndpointForm
          onCreated={(created) => {
            setSecret(created.secret);
            void list.reload();
          }}
        />
      )}
    </section>
  );
}
