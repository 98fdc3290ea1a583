/** The shell: header and nav, the alert and status regions, sign-in, and the page the hash names. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { session, whenUnauthorized } from './api.js';
import { DomainPage } from './domain-page.js';
import { DomainsPage } from './domains-page.js';
import { describe, type Feedback, FeedbackContext } from './feedback.js';
import { parseRoute, type Route } from './paging.js';
import { SignIn } from './sign-in.js';
import { WebhookPage } from './webhook-page.js';
import { WebhooksPage } from './webhooks-page.js';

const STATUS_SHOWN_MS = 8000;

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'domain':
      return <DomainPage key={route.id} id={route.id} />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'webhook':
      return <WebhookPage key={route.id} id={route.id} />;
    default:
      return <DomainsPage />;
  }
}

export function App() {
  const [signedIn, setSignedIn] = useState(() => session.key() !== null);
  const [alert, setAlert] = useState('');
  const [status, setStatus] = useState('');
  const route = useHashRoute();
  const sayOnArrival = useRef('');
  const alertRegion = useRef<HTMLDivElement>(null);

  const feedback = useMemo<Feedback>(
    () => ({
      report: (error) => setAlert(describe(error)),
      clearAlert: () => setAlert(''),
      announce: (text) => {
        // Emptied first so that saying the same words again ("Copied") is announced again.
        setStatus('');
        requestAnimationFrame(() => setStatus(text));
      },
      go: (hash, text = '') => {
        sayOnArrival.current = text;
        location.hash = hash;
      },
    }),
    [],
  );

  useEffect(() => {
    whenUnauthorized((message) => {
      setSignedIn(false);
      setAlert(message);
    });
  }, []);

  // The toast says its words for a while, then makes room again.
  useEffect(() => {
    if (!status) return;
    const timer = setTimeout(() => setStatus(''), STATUS_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [status]);

  // An error is brought into view, unless focus is already on the field it is about.
  useEffect(() => {
    if (alert && document.activeElement?.getAttribute('aria-invalid') !== 'true') {
      alertRegion.current?.scrollIntoView({ block: 'nearest' });
    }
  }, [alert]);

  // A new page starts without the previous page's messages (but with what the way there said).
  useEffect(() => {
    setAlert('');
    setStatus(sayOnArrival.current);
    sayOnArrival.current = '';
  }, [route]);

  const signOut = () => {
    session.signOut();
    setSignedIn(false);
    setAlert('');
    setStatus('Signed out.');
  };

  const section = route.page.startsWith('webhook') ? 'webhooks' : 'domains';
  return (
    <FeedbackContext.Provider value={feedback}>
      <header class="top">
        <span class="brand">Krafter Domains</span>
        {signedIn && (
          <nav aria-label="Main">
            <a href="#/domains" aria-current={section === 'domains' ? 'page' : undefined}>
              Domains
            </a>
            <a href="#/webhooks" aria-current={section === 'webhooks' ? 'page' : undefined}>
              Webhooks
            </a>
            <button type="button" class="secondary" onClick={signOut}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <div class="messages">
        <div role="alert" class="alert" ref={alertRegion}>
          {alert}
        </div>
        <p role="status" class="status">
          {status}
        </p>
      </div>
      <main id="main">
        {signedIn ? (
          <Page route={route} />
        ) : (
          <SignIn
            onSignedIn={() => {
              setStatus('');
              setSignedIn(true);
            }}
          />
        )}
      </main>
    </FeedbackContext.Provider>
  );
}
