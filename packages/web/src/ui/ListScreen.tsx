/**
 * The one list screen: a header, a filter bar, then the list's states (loading, error with retry, empty,
 * the items) and its end (how many are shown out of the total, the next page as the reader scrolls). The
 * entity screens configure it with their filters, their empty state and how to show the loaded items.
 */
import type { ReactNode } from "react";
import type { PagedList } from "../app/hooks";
import { ErrorState, Loading, PageHeader } from "./components";
import { type CsvExportSpec, ExportButton } from "./ExportButton";
import { LoadMore } from "./lists";

export interface ListScreenProps<T> {
  title: string;
  subtitle: string;
  actions?: ReactNode;
  /** The list's CSV export, with the filters on screen: an "Exporter (CSV)" control in the header. */
  csv?: CsvExportSpec;
  /** The filter bar's fields. */
  filters: ReactNode;
  filtersTestId?: string;
  /** Shown between the filter bar and the list (a warning about the filters). */
  notice?: ReactNode;
  list: PagedList<T>;
  /** What an empty list says. */
  empty: ReactNode;
  /** The loaded items in words: `tn("count.paintings", n)`. */
  count: (n: number) => string;
  /** How many the whole list holds, when known. */
  total?: number | undefined;
  /** The loaded items as the screen shows them. */
  children: (items: T[]) => ReactNode;
}

export function ListScreen<T>(props: ListScreenProps<T>) {
  const { list, count, total } = props;
  return (
    <>
      <PageHeader
        title={props.title}
        subtitle={props.subtitle}
        actions={
          props.csv ? (
            <>
              {props.actions}
              <ExportButton list={props.csv.list} filters={props.csv.filters} />
            </>
          ) : (
            props.actions
          )
        }
      />
      <div className="filters card" data-testid={props.filtersTestId}>
        {props.filters}
      </div>
      {props.notice}
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.items.length === 0 ? (
        props.empty
      ) : (
        <>
          {props.children(list.items)}
          <LoadMore
            shown={list.items.length}
            hasMore={list.hasMore}
            loading={list.loadingMore}
            error={list.moreError}
            onMore={list.loadMore}
            noun={count(list.items.length)}
            total={total === undefined ? undefined : count(total)}
          />
        </>
      )}
    </>
  );
}

/** A list as a table in a card: its column headings (a node, for sortable ones), then its rows. */
export function DataTable({
  className,
  testId,
  head,
  children,
}: {
  className?: string;
  testId: string;
  head: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap card">
      <table
        className={`data-table responsive-table${className ? ` ${className}` : ""}`}
        data-testid={testId}
      >
        <thead>
          <tr>{head}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Column headings from their labels; `num` ones are right-aligned. */
export const headings = (columns: ReadonlyArray<{ label: string; num?: boolean }>): ReactNode =>
  columns.map((column) => (
    <th key={column.label} scope="col" className={column.num ? "num" : undefined}>
      {column.label}
    </th>
  ));
