/** Pieces several screens share: text filters that follow the URL, the "deleted" toggle. */
import { useEffect, useRef, useState } from "react";
import { useI18n } from "../app/context";
import { useDebounced } from "../app/hooks";
import { formatDateTime } from "../lib/format";
import { Badge } from "../ui/components";

/**
 * A text filter bound to the hash query: typing updates the field at once and the URL (hence the request)
 * 300 ms after the last keystroke; Back or a link updates the field.
 */
export function useTextFilter(
  query: Record<string, string>,
  setFilter: (key: string, value: string | undefined) => void,
  key: string,
): [string, (value: string) => void] {
  const external = query[key] ?? "";
  const [value, setValue] = useState(external);
  const debounced = useDebounced(value, 300);
  const lastPushed = useRef(external);

  useEffect(() => {
    if (external !== lastPushed.current) {
      lastPushed.current = external;
      setValue(external);
    }
  }, [external]);

  // Runs when the *debounced text* changes only: a route change (say, "clear filters") must not push back a
  // value the field no longer shows.
  const setFilterRef = useRef(setFilter);
  setFilterRef.current = setFilter;
  useEffect(() => {
    const next = debounced.trim();
    if (next === lastPushed.current) return;
    lastPushed.current = next;
    setFilterRef.current(key, next || undefined);
  }, [debounced, key]);

  return [value, setValue];
}

export function DeletedToggle({
  checked,
  onChange,
  id,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  id: string;
}) {
  const { t } = useI18n();
  return (
    <label className="check" htmlFor={id}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        data-testid="filter-include-deleted"
      />
      {t("filters.include_deleted")}
    </label>
  );
}

export function DeletedBadge({ at }: { at: string | null | undefined }) {
  const { t, lang } = useI18n();
  if (!at) return null;
  return (
    <Badge tone="danger" testId="deleted-badge">
      {t("common.deleted_on", { date: formatDateTime(at, lang) })}
    </Badge>
  );
}

/** An e-mail address as a mailto link; a masked one (what a viewer gets) is shown as text, not offered as a link. */
export function EmailLink({ email }: { email: string | null | undefined }) {
  if (!email) return <>—</>;
  if (email.includes("***")) return <span data-testid="email-masked">{email}</span>;
  return <a href={`mailto:${email}`}>{email}</a>;
}
