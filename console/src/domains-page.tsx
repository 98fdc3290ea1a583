/**
 * The team's domains, newest first. The API lists oldest first, so the page reads the whole list by
 * following its cursor (100 a request; a team holds 100 domains by default) and pages it here.
 */
import { useRef, useState } from 'preact/hooks';
import { AddDomainForm } from './add-domain.js';
import { callPage } from './api.js';
import { useFocusOnChange, useLoad, useTitle } from './feedback.js';
import { newestFirst, pageOf } from './paging.js';
import type { DomainSummary, Page } from './types.js';
import { Pager, Problem, StatusText, Time } from './ui.js';

export const DOMAINS_PER_PAGE = 20;
const MAX_REQUESTS = 50;

interface DomainList {
  domains: DomainSummary[];
  /** False when the team has more domains than the page reads (MAX_REQUESTS pages of 100). */
  complete: boolean;
}

async function allDomains(): Promise<DomainList> {
  const domains: DomainSummary[] = [];
  let after: string | null | undefined;
  for (let request = 0; request < MAX_REQUESTS; request++) {
    const query = after ? `?limit=100&after=${encodeURIComponent(after)}` : '?limit=100';
    const page = await callPage<Page<DomainSummary>>(`/domains${query}`);
    domains.push(...page.data);
    after = page.next_cursor;
    if (!page.has_more || !after) return { domains: newestFirst(domains), complete: true };
  }
  return { domains: newestFirst(domains), complete: false };
}

export function DomainsPage() {
  const list = useLoad(allDomains, 'domains');
  const [index, setIndex] = useState(0);
  const [adding, setAdding] = useState(false);
  const addButton = useRef<HTMLButtonElement>(null);
  const heading = useFocusOnChange<HTMLHeadingElement>('domains');
  useTitle('Domains');
  const table = useRef<HTMLDivElement>(null);
  const view = pageOf(list.data?.domains ?? [], index, DOMAINS_PER_PAGE);
  // The button pressed may be gone on the new page: focus goes to the top of the new rows.
  const goTo = (page: number) => {
    setIndex(page);
    requestAnimationFrame(() => table.current?.focus());
  };

  const closeForm = () => {
    setAdding(false);
    requestAnimationFrame(() => addButton.current?.focus());
  };

  return (
    <section>
      <div class="page-head">
        <h1 id="domains-heading" ref={heading} tabIndex={-1}>
          Domains
        </h1>
        {!adding && (
          <button type="button" ref={addButton} onClick={() => setAdding(true)}>
            Add domain
          </button>
        )}
      </div>
      {adding && <AddDomainForm onCancel={closeForm} />}
      {list.problem ? (
        <Problem text={list.problem.text} />
      ) : list.data === undefined ? (
        <p class="muted">Loading domains…</p>
      ) : list.data.domains.length === 0 ? (
        <p>No domains yet. Add one to get the DNS records to publish.</p>
      ) : (
        <>
          <div class="table-wrap" ref={table} tabIndex={-1}>
            <table class="stack">
              <caption class="visually-hidden">Your team's domains, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Domain</th>
                  <th scope="col">Status</th>
                  <th scope="col">Region</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {view.items.map((domain) => (
                  <tr key={domain.id}>
                    <td class="break" data-label="Domain">
                      <a href={`#/domains/${encodeURIComponent(domain.id)}`}>{domain.domain}</a>
                    </td>
                    <td data-label="Status">
                      <StatusText status={domain.status} />
                    </td>
                    <td data-label="Region">{domain.region ?? '—'}</td>
                    <td data-label="Created">
                      <Time iso={domain.created_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!list.data.complete && (
            <p class="notice">
              The team has more than {MAX_REQUESTS * 100} domains: this list holds the first {MAX_REQUESTS * 100} added.
            </p>
          )}
          <Pager
            label="Domain pages"
            view={view}
            onFirst={() => goTo(0)}
            onPrevious={() => goTo(view.index - 1)}
            onNext={() => goTo(view.index + 1)}
          />
        </>
      )}
    </section>
  );
}
