/** A domain's return path (PATCH) and its deletion, confirmed in a modal dialog. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, call, seg } from './api.js';
import { attempt, useFeedback } from './feedback.js';
import { returnPathOf } from './format.js';
import type { Domain } from './types.js';
import { Field } from './ui.js';

function ReturnPathForm({ domain, onChanged }: { domain: Domain; onChanged: (domain: Domain) => void }) {
  const feedback = useFeedback();
  const current = returnPathOf(domain.domain, domain.dns_records);
  const [value, setValue] = useState(current);
  const [error, setError] = useState<string | undefined>();
  const busy = useRef(false);
  const input = useRef<HTMLInputElement>(null);
  // A new answer (after Verify or a save) shows the return path the records now have.
  useEffect(() => setValue(current), [current]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (busy.current) return;
    busy.current = true;
    setError(undefined);
    feedback.clearAlert();
    try {
      const changed = await call<Domain>('PATCH', `/domains/${seg(domain.id)}`, { return_path: value.trim() });
      onChanged(changed);
      feedback.announce('Return path saved. The MX and SPF records changed: publish them, then verify.');
    } catch (problem) {
      feedback.report(problem);
      if (problem instanceof ApiProblem && problem.field === 'return_path') {
        setError(problem.message);
        input.current?.focus();
      }
    } finally {
      busy.current = false;
    }
  };

  return (
    <form class="card" onSubmit={save} noValidate>
      <h2 id="return-path-heading">Return path</h2>
      <Field
        id="return-path"
        label="Return path"
        hint={`The MAIL FROM subdomain: ${value.trim() || 'send'}.${domain.domain}. Changing it changes the MX and SPF records.`}
        error={error}
      >
        {(aria) => (
          <input
            {...aria}
            ref={input}
            type="text"
            autoComplete="off"
            spellcheck={false}
            value={value}
            onInput={(event) => setValue(event.currentTarget.value)}
          />
        )}
      </Field>
      <div class="actions">
        <button type="submit">Save return path</button>
      </div>
    </form>
  );
}

function DeleteDomain({ domain }: { domain: Domain }) {
  const feedback = useFeedback();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const busy = useRef(false);

  const open = () => {
    dialog.current?.showModal();
    // The safe choice first: Enter or Space on the first focused button keeps the domain.
    cancel.current?.focus();
  };
  const close = () => dialog.current?.close();
  const remove = async () => {
    if (busy.current) return;
    busy.current = true;
    const done = await attempt(feedback, () => call('DELETE', `/domains/${seg(domain.id)}`));
    busy.current = false;
    close();
    if (done !== undefined) feedback.go('#/domains', `Deleted ${domain.domain}.`);
  };

  return (
    <section class="card danger-zone">
      <h2 id="delete-heading">Delete</h2>
      <p>Deleting the domain stops all sending from its addresses. Its DNS records can then be removed.</p>
      <button type="button" class="danger" ref={opener} onClick={open}>
        Delete domain
      </button>
      <dialog
        ref={dialog}
        aria-labelledby="delete-dialog-heading"
        onClose={() => opener.current?.focus()}
        class="confirm"
      >
        <h2 id="delete-dialog-heading" class="break">
          Delete {domain.domain}?
        </h2>
        <p>Mail can no longer be sent from this domain. This cannot be undone.</p>
        <div class="actions">
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
          <button type="button" class="secondary" ref={cancel} onClick={close}>
            Cancel
          </button>
        </div>
      </dialog>
    </section>
  );
}

export function DomainSettings({ domain, onChanged }: { domain: Domain; onChanged: (domain: Domain) => void }) {
  return (
    <>
      <ReturnPathForm domain={domain} onChanged={onChanged} />
      <DeleteDomain domain={domain} />
    </>
  );
}
