/**
 * The one screen of things an owner creates and removes (tokens, alert subscriptions): a header with its
 * "add" button, the list's states (loading, error with retry, empty, the table), the create form, the secret
 * a creation returns shown once, and the removal confirmed in a dialog. The screens configure it with their
 * query, columns and form; its words are their messages under one naming convention (`scope`).
 */
import type { UseQueryResult } from "@tanstack/react-query";
import { Fragment, type ReactNode, useState } from "react";
import { useI18n, useSession } from "../app/context";
import type { MessageKey } from "../lib/i18n";
import { Button, EmptyState, ErrorState, Loading, PageHeader } from "./components";
import { ConfirmDialog, CopyField, Modal } from "./dialogs";
import { DataTable } from "./ListScreen";

/** A secret a creation returned, shown once. */
export interface CreatedSecret {
  /** What was created, as its owner named it. */
  name: string;
  secret: string;
}

/** The screens whose messages follow the convention of `ManagedListProps.scope`. */
type Scope = MessageKey extends infer K ? (K extends `${infer S}.secret_title` ? S : never) : never;

interface Named {
  name: string;
}

interface ManagedListProps<T extends Named> {
  /**
   * Where its words are: `nav.<scope>` (the title), `<scope>.subtitle`, `.add`, `.empty`, `.empty_hint`;
   * the secret shown once: `.secret_title`, `.secret_warning`, `.secret_label` ({name}), `.done`; the
   * removal: `.remove`, `.remove_title` ({name}), `.remove_message`, `.removed_toast` ({name}).
   */
  scope: Scope;
  /** `token`: `token-add`, `tokens-table`, `token-secret-modal` (`-warning`, `-done`), `token-secret`. */
  testId: string;
  query: UseQueryResult<{ items: T[] }>;
  table: {
    head: ReactNode;
    key: (item: T) => string;
    /** One item's row; `remove` asks to confirm its removal. */
    row: (item: T, remove: () => void) => ReactNode;
  };
  /** The create form: `onCreated` closes it, reloads the list and shows the secret created, if any. */
  form: (props: { onClose: () => void; onCreated: (created?: CreatedSecret) => void }) => ReactNode;
  remove: (item: T) => Promise<unknown>;
  /** Shown under the list (sections and dialogs of the screen's own). */
  children?: ReactNode;
}

export function ManagedList<T extends Named>(props: ManagedListProps<T>) {
  const { t } = useI18n();
  const { notify } = useSession();
  const { scope, testId, query, table } = props;
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<CreatedSecret | null>(null);
  const [removing, setRemoving] = useState<T | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const remove = async () => {
    if (removing === null) return;
    setBusy(true);
    setError(null);
    try {
      await props.remove(removing);
      notify("success", t(`${scope}.removed_toast`, { name: removing.name }));
      setRemoving(null);
      void query.refetch();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const items = query.data?.items ?? [];
  return (
    <>
      <PageHeader
        title={t(`nav.${scope}`)}
        subtitle={t(`${scope}.subtitle`)}
        actions={
          <Button
            variant="primary"
            icon="plus"
            onClick={() => setCreating(true)}
            data-testid={`${testId}-add`}
          >
            {t(`${scope}.add`)}
          </Button>
        }
      />
      {query.isPending ? (
        <Loading />
      ) : query.error && !query.data ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title={t(`${scope}.empty`)} hint={t(`${scope}.empty_hint`)} />
      ) : (
        <DataTable testId={`${testId}s-table`} head={table.head}>
          {items.map((item) => (
            <Fragment key={table.key(item)}>{table.row(item, () => setRemoving(item))}</Fragment>
          ))}
        </DataTable>
      )}
      {props.children}
      {creating
        ? props.form({
            onClose: () => setCreating(false),
            onCreated: (created) => {
              setCreating(false);
              if (created) setShown(created);
              void query.refetch();
            },
          })
        : null}
      {shown ? (
        <Modal
          title={t(`${scope}.secret_title`)}
          onClose={() => setShown(null)}
          testId={`${testId}-secret-modal`}
          dismissable={false}
          footer={
            <Button variant="primary" onClick={() => setShown(null)} data-testid={`${testId}-secret-done`}>
              {t(`${scope}.done`)}
            </Button>
          }
        >
          <p className="notice notice-warning" data-testid={`${testId}-secret-warning`}>
            {t(`${scope}.secret_warning`)}
          </p>
          <CopyField
            value={shown.secret}
            label={t(`${scope}.secret_label`, { name: shown.name })}
            testId={`${testId}-secret`}
          />
        </Modal>
      ) : null}
      {removing !== null ? (
        <ConfirmDialog
          title={t(`${scope}.remove_title`, { name: removing.name })}
          message={t(`${scope}.remove_message`)}
          confirmLabel={t(`${scope}.remove`)}
          danger
          busy={busy}
          error={error}
          onConfirm={remove}
          onCancel={() => {
            setRemoving(null);
            setError(null);
          }}
        />
      ) : null}
    </>
  );
}
