/**
 * Small hooks of the UI. Server data goes through TanStack Query (one cache per session, app/queries.ts);
 * `usePagedQuery` adapts its infinite query to the lists' shape (`items` + `next_cursor`, "load more"
 * appends the next page); `useDebounced` and `useNow` are plain React.
 */
import { type QueryKey, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Page } from "../api/types";
import { LIVE_INTERVAL_MS } from "./queries";

/** A cursor-paged list as the list screens show it. */
export interface PagedList<T> {
  items: T[];
  loading: boolean;
  loadingMore: boolean;
  /** The error of the first page (nothing to show). */
  error: unknown;
  /** The error of the last "load more", shown under the list without hiding it. */
  moreError: unknown;
  hasMore: boolean;
  loadMore: () => void;
  /** Starts the list again from its first page (the retry of a failed list, the "Refresh" button). */
  reload: () => void;
}

/**
 * A cursor-paged list through `useInfiniteQuery`: the pages stay in the session's cache under `queryKey`.
 * With `live(items)` true, the loaded pages are asked again every `intervalMs` (a second unless told;
 * conditionally: a page that did not change costs a 304), paused while the tab is hidden.
 */
export function usePagedQuery<T>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  options: { live?: (items: T[]) => boolean; intervalMs?: number } = {},
): PagedList<T> {
  const client = useQueryClient();
  const { live, intervalMs = LIVE_INTERVAL_MS } = options;
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam, signal }) => fetchPage(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: live
      ? (q) => (live((q.state.data?.pages ?? []).flatMap((page) => page.items)) ? intervalMs : false)
      : false,
  });
  const { data, error, fetchNextPage, hasNextPage, isFetchNextPageError, isFetchingNextPage } = query;
  const items = useMemo(() => (data?.pages ?? []).flatMap((page) => page.items), [data]);
  const loadMore = useCallback(() => {
    if (!isFetchingNextPage) void fetchNextPage();
  }, [fetchNextPage, isFetchingNextPage]);
  const keyText = JSON.stringify(queryKey);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key's text stands for the key.
  const reload = useCallback(() => void client.resetQueries({ queryKey, exact: true }), [client, keyText]);
  return {
    items,
    loading: query.isPending,
    loadingMore: isFetchingNextPage,
    error: data ? undefined : error,
    moreError: isFetchNextPageError ? error : undefined,
    hasMore: hasNextPage,
    loadMore,
    reload,
  };
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
