/** Small shared pieces: a status in words, a time, a field with its error, paging buttons. */
import type { ComponentChildren } from 'preact';
import { formatTime, statusWords } from './format.js';
import type { PageView } from './paging.js';

/** A status as a word; the colour only repeats what the word says. */
export function StatusText({ status }: { status: string | undefined }) {
  return <span class={`badge badge-${status ?? 'none'}`}>{statusWords(status)}</span>;
}

export function Time({ iso }: { iso: string | null | undefined }) {
  return iso ? <time dateTime={iso}>{formatTime(iso)}</time> : <span>never</span>;
}

/** A labelled control with its hint and, when the API named it, its error (aria-describedby). */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  children: (aria: { id: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string }) => ComponentChildren;
}) {
  const { id, label, hint, error } = props;
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {props.children({
        id,
        ...(error ? { 'aria-invalid': 'true' as const } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** First / Previous / Next page buttons, each shown only when it leads somewhere. */
export function Pager(props: {
  label: string;
  view: Pick<PageView<unknown>, 'hasPrevious' | 'hasNext'> & { index: number; count?: number };
  onFirst: () => void;
  onPrevious?: () => void;
  onNext: () => void;
}) {
  const { view } = props;
  if (!view.hasPrevious && !view.hasNext) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      {view.hasPrevious && (
        <button type="button" class="secondary" onClick={props.onFirst}>
          First page
        </button>
      )}
      {view.hasPrevious && props.onPrevious && (
        <button type="button" class="secondary" onClick={props.onPrevious}>
          Previous page
        </button>
      )}
      <span class="muted">
        Page {view.index + 1}
        {view.count ? ` of ${view.count}` : ''}
      </span>
      {view.hasNext && (
        <button type="button" class="secondary" onClick={props.onNext}>
          Next page
        </button>
      )}
    </nav>
  );
}

/** In place of a page's data when it could not load (e.g. the key lacks the scope). */
export function Problem({ text }: { text: string }) {
  return <p class="notice">{text}</p>;
}
