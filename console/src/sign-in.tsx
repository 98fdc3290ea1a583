/** Sign-in: the key goes to sessionStorage, then one small list call proves it before the pages show. */
import { useState } from 'preact/hooks';
import { ApiProblem, call, session } from './api.js';
import { useFeedback, useFocusOnChange, useTitle } from './feedback.js';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const feedback = useFeedback();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const heading = useFocusOnChange<HTMLHeadingElement>('sign-in');
  useTitle('Sign in');

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const trimmed = key.trim();
    if (!trimmed) {
      feedback.report(new Error('Enter an API key.'));
      return;
    }
    setBusy(true);
    feedback.clearAlert();
    session.signIn(trimmed);
    try {
      await call('GET', '/domains?limit=1');
      onSignedIn();
    } catch (error) {
      // 401: the API client has already signed out and shown the reason. Any other answer means
      // the key itself was accepted (e.g. 403: it lacks domains:manage); the pages say the rest.
      if (error instanceof ApiProblem && error.status !== 401 && error.status !== 0) {
        onSignedIn();
      } else if (!(error instanceof ApiProblem && error.status === 401)) {
        session.signOut();
      }
      if (!(error instanceof ApiProblem && error.status === 401)) feedback.report(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card narrow" onSubmit={submit}>
      <h1 ref={heading} tabIndex={-1}>
        Sign in
      </h1>
      <p class="muted">
        Use an API key of your team. It stays in this browser tab only and is forgotten when you sign out or close the
        tab.
      </p>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        spellcheck={false}
        value={key}
        onInput={(event) => setKey(event.currentTarget.value)}
        required
      />
      <div class="actions">
        <button type="submit" aria-disabled={busy ? 'true' : undefined}>
          Sign in
        </button>
      </div>
    </form>
  );
}
