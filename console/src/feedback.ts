/** The page-wide feedback: the one alert region (errors) and the one polite status region ("Copied"). */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem } from './api.js';

export interface Feedback {
  /** Shows an error in the alert region (an ApiProblem's message and retry hint). */
  report(error: unknown): void;
  clearAlert(): void;
  /** Says something politely in the status region. */
  announce(text: string): void;
  /** Goes to another page (a hash route), then says `text` there. */
  go(hash: string, text?: string): void;
}

export const FeedbackContext = createContext<Feedback>({
  report: () => {},
  clearAlert: () => {},
  announce: () => {},
  go: () => {},
});

export const useFeedback = (): Feedback => useContext(FeedbackContext);

export function describe(error: unknown): string {
  if (error instanceof ApiProblem) return error.text;
  return error instanceof Error ? error.message : String(error);
}

/** Runs an action: clears the old alert first, reports a failure; resolves undefined on failure. */
export async function attempt<T>(feedback: Feedback, action: () => Promise<T>): Promise<T | undefined> {
  feedback.clearAlert();
  try {
    return await action();
  } catch (error) {
    feedback.report(error);
    return undefined;
  }
}

export interface Loaded<T> {
  data: T | undefined;
  /** The failure of the last load (e.g. 403 insufficient_scope), shown in place of the data. */
  problem: ApiProblem | undefined;
  loading: boolean;
  reload(): Promise<void>;
  /** Replaces the data (after an action that answered with a newer copy). */
  set(data: T): void;
}

/** Loads data when `key` changes; a late answer to an older load is dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const feedback = useFeedback();
  const [state, setState] = useState<{ data?: T; problem?: ApiProblem; loading: boolean }>({ loading: true });
  const sequence = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    const mine = ++sequence.current;
    setState((old) => ({ ...old, loading: true }));
    try {
      const data = await loadRef.current();
      if (mine === sequence.current) setState({ data, loading: false });
    } catch (error) {
      if (mine !== sequence.current) return;
      // A failed reload keeps what was shown (the alert says what went wrong); a failed first load
      // shows the problem in place of the data.
      // Anything else (a network error, an answer that is not JSON) still ends the loading.
      const problem = error instanceof ApiProblem ? error : new ApiProblem(0, 'unexpected_answer', describe(error));
      setState((old) => (old.data === undefined ? { problem, loading: false } : { data: old.data, loading: false }));
      feedback.report(error);
    }
  }, [key]);
  useEffect(() => {
    void reload();
  }, [reload]);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload, set };
}

/** Moves focus to the page's heading when `key` changes (a new page, or its data arrived). */
export function useFocusOnChange<E extends HTMLElement>(key: unknown) {
  const ref = useRef<E>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
  return ref;
}

/** The tab's title names the page, so that history and screen readers tell pages apart. */
export function useTitle(page: string): void {
  useEffect(() => {
    document.title = `${page} · Krafter Domains console`;
  }, [page]);
}
