/**
 * Data hooks of the UI, kept small and explicit:
 * - `useAsync`: one request, with loading / error / data, cancelled when its inputs change, and a silent
 *   `refresh` for polling that keeps showing the current data meanwhile;
 * - `usePaged`: cursor paging (`items` + `next_cursor`), "load more" appends the next page;
 * - `useLive`: calls `tick` about every second while `active`, never overlapping, paused while the tab is
 *   hidden, stopped as soon as nothing is active;
 * - `useDebounced`, `useNow`.
 */
import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";
import { isAbort } from "../api/client";
import type { Page } from "../api/schemas";
import { startPoller } from "../lib/poller";

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Re-runs the request; with `silent`, the current data stays on screen until the answer arrives. */
  refresh: (options?: { silent?: boolean }) => Promise<void>;
  setData: (update: (current: T | undefined) => T | undefined) => void;
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);
  const controller = useRef<AbortController | null>(null);

  const run = useCallback(async (silent: boolean) => {
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    const mine = ++generation.current;
    if (!silent) setState((s) => ({ ...s, loading: true, error: undefined }));
    try {
      const data = await loadRef.current(abort.signal);
      if (mine === generation.current) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (isAbort(error) || mine !== generation.current) return;
      setState((s) => ({ data: silent ? s.data : undefined, error, loading: false }));
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload.
  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true });
    void run(false);
    return () => controller.current?.abort();
  }, [...deps]);

  const refresh = useCallback((options?: { silent?: boolean }) => run(options?.silent ?? false), [run]);
  const setData = useCallback(
    (update: (current: T | undefined) => T | undefined) => setState((s) => ({ ...s, data: update(s.data) })),
    [],
  );
  return { ...state, refresh, setData };
}

export interface PagedState<T> {
  items: T[];
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  /** The error of the last "load more", shown under the list without hiding it. */
  moreError: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  setItems: (update: (items: T[]) => T[]) => void;
}

export function usePaged<T>(
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  deps: DependencyList,
): PagedState<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const [reloads, setReloads] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const generation = useRef(0);
  const controller = useRef<AbortController | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps (and reload) restart paging.
  useEffect(() => {
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    const mine = ++generation.current;
    setItems([]);
    setCursor(undefined);
    setLoading(true);
    setLoadingMore(false);
    setError(undefined);
    setMoreError(undefined);
    fetchRef
      .current(undefined, abort.signal)
      .then((page) => {
        if (mine !== generation.current) return;
        setItems(page.items);
        setCursor(page.next_cursor ?? undefined);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (isAbort(err) || mine !== generation.current) return;
        setError(err);
        setLoading(false);
      });
    return () => abort.abort();
  }, [...deps, reloads]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const mine = generation.current;
    const abort = new AbortController();
    controller.current = abort;
    setLoadingMore(true);
    setMoreError(undefined);
    fetchRef
      .current(cursor, abort.signal)
      .then((page) => {
        if (mine !== generation.current) return;
        setItems((current) => [...current, ...page.items]);
        setCursor(page.next_cursor ?? undefined);
        setLoadingMore(false);
      })
      .catch((err: unknown) => {
        if (isAbort(err) || mine !== generation.current) return;
        setMoreError(err);
        setLoadingMore(false);
      });
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return {
    items,
    loading,
    loadingMore,
    error,
    moreError,
    hasMore: cursor !== undefined,
    loadMore,
    reload,
    setItems,
  };
}

/** How long to wait between two polls of live data. */
export const LIVE_INTERVAL_MS = 1000;

const isHidden = (): boolean => typeof document !== "undefined" && document.visibilityState === "hidden";

export function useLive(active: boolean, tick: () => unknown, intervalMs = LIVE_INTERVAL_MS): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;

  useEffect(() => {
    if (!active) return;
    const poller = startPoller(() => tickRef.current(), intervalMs, {
      isHidden,
      setTimer: (callback, ms) => setTimeout(callback, ms),
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    });
    document.addEventListener("visibilitychange", poller.visibilityChanged);
    return () => {
      poller.stop();
      document.removeEventListener("visibilitychange", poller.visibilityChanged);
    };
  }, [active, intervalMs]);
}

export function useDebounced<T>(value: T, delayMs = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/** The current time, refreshed every `intervalMs`, so that "5 minutes ago" keeps being true. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Refreshes when the tab becomes visible again or the window regains focus (not a poll). */
export function useRefreshOnFocus(refresh: () => void): void {
  const ref = useRef(refresh);
  ref.current = refresh;
  useEffect(() => {
    let last = Date.now();
    const handler = () => {
      if (isHidden() || Date.now() - last < 5000) return;
      last = Date.now();
      ref.current();
    };
    document.addEventListener("visibilitychange", handler);
    window.addEventListener("focus", handler);
    return () => {
      document.removeEventListener("visibilitychange", handler);
      window.removeEventListener("focus", handler);
    };
  }, []);
}
