/** The Add domain form: domain, return path, region and DKIM; the API's field errors shown beside the field. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, call } from './api.js';
import { useFeedback } from './feedback.js';
import type { Domain } from './types.js';
import { Field } from './ui.js';

type DkimChoice = 'easy-2048' | 'easy-1024' | 'byodkim';

/** The API's field names (`error.field`) and the control that shows each one's error. */
const FIELD_IDS: Record<string, string> = {
  domain: 'new-domain',
  return_path: 'new-return-path',
  region: 'new-region',
  dkim: 'new-dkim',
  'dkim.type': 'new-dkim',
  'dkim.key_length': 'new-dkim',
  'dkim.selector': 'new-selector',
  'dkim.private_key': 'new-private-key',
};

function requestBody(form: Record<string, string>, dkim: DkimChoice) {
  const body: Record<string, unknown> = { domain: form.domain?.trim() };
  if (form.returnPath?.trim()) body.return_path = form.returnPath.trim();
  if (form.region?.trim()) body.region = form.region.trim();
  if (dkim === 'easy-1024') body.dkim = { type: 'easy_dkim', key_length: 1024 };
  if (dkim === 'byodkim') {
    body.dkim = { type: 'byodkim', selector: form.selector?.trim(), private_key: form.privateKey?.trim() };
  }
  return body;
}

export function AddDomainForm({ onCancel }: { onCancel: () => void }) {
  const feedback = useFeedback();
  const [form, setForm] = useState<Record<string, string>>({});
  const [dkim, setDkim] = useState<DkimChoice>('easy-2048');
  const [error, setError] = useState<{ id: string; message: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);
  useEffect(() => {
    if (error) document.getElementById(error.id)?.focus();
  }, [error]);

  const bind = (name: string) => ({
    value: form[name] ?? '',
    onInput: (event: Event) => {
      const value = (event.currentTarget as HTMLInputElement).value;
      setForm((old) => ({ ...old, [name]: value }));
    },
  });
  const errorOf = (id: string) => (error?.id === id ? error.message : undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    feedback.clearAlert();
    try {
      const domain = await call<Domain>('POST', '/domains', requestBody(form, dkim));
      feedback.go(
        `#/domains/${encodeURIComponent(domain.id)}`,
        `Added ${domain.domain}. Publish its records, then verify.`,
      );
    } catch (problem) {
      feedback.report(problem);
      const id = problem instanceof ApiProblem && problem.field ? FIELD_IDS[problem.field] : undefined;
      if (id && problem instanceof ApiProblem) setError({ id, message: problem.message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate>
      <h2 id="add-domain-heading">Add domain</h2>
      <Field id="new-domain" label="Domain" hint="For example example.com." error={errorOf('new-domain')}>
        {(aria) => (
          <input {...aria} ref={first} type="text" autoComplete="off" spellcheck={false} {...bind('domain')} />
        )}
      </Field>
      <Field
        id="new-return-path"
        label="Return path"
        hint="The MAIL FROM subdomain: send gives send.example.com. Leave empty for send."
        error={errorOf('new-return-path')}
      >
        {(aria) => <input {...aria} type="text" autoComplete="off" spellcheck={false} {...bind('returnPath')} />}
      </Field>
      <Field
        id="new-region"
        label="Region (optional)"
        hint="The SES region, e.g. eu-central-1. Leave empty for the default region."
        error={errorOf('new-region')}
      >
        {(aria) => <input {...aria} type="text" autoComplete="off" spellcheck={false} {...bind('region')} />}
      </Field>
      <Field id="new-dkim" label="DKIM" error={errorOf('new-dkim')}>
        {(aria) => (
          <select {...aria} value={dkim} onChange={(event) => setDkim(event.currentTarget.value as DkimChoice)}>
            <option value="easy-2048">Easy DKIM, 2048-bit key (default)</option>
            <option value="easy-1024">Easy DKIM, 1024-bit key</option>
            <option value="byodkim">Your own key (BYODKIM)</option>
          </select>
        )}
      </Field>
      {dkim === 'byodkim' && (
        <>
          <Field
            id="new-selector"
            label="DKIM selector"
            hint="One DNS label, e.g. krafter1."
            error={errorOf('new-selector')}
          >
            {(aria) => <input {...aria} type="text" autoComplete="off" spellcheck={false} {...bind('selector')} />}
          </Field>
          <Field
            id="new-private-key"
            label="DKIM private key (PEM)"
            hint="Passed to SES and never stored by Krafter."
            error={errorOf('new-private-key')}
          >
            {(aria) => <textarea {...aria} rows={6} spellcheck={false} {...bind('privateKey')} />}
          </Field>
        </>
      )}
      <div class="actions">
        <button type="submit" aria-disabled={busy ? 'true' : undefined}>
          Create
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
