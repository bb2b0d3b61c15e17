/**
 * "Accès": the named tokens an owner manages. Each token has a name (the person or the script), a role, an
 * optional expiry; it is shown once, when created, and can be revoked (refused from its next request on).
 */
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { TokenCreateInput } from "../api/schemas";
import type { Role, TokenInfo } from "../api/types";
import { useApi, useI18n } from "../app/context";
import { useNow } from "../app/hooks";
import { dayBoundaryIso, formatDate, formatDateTime, formatRelative } from "../lib/format";
import type { MessageKey } from "../lib/i18n";
import type { Tone } from "../lib/status";
import { Badge, Button, ErrorState, Permitted } from "../ui/components";
import { Field, Modal } from "../ui/dialogs";
import { headings } from "../ui/ListScreen";
import { ManagedList } from "../ui/ManagedList";

const ROLES: Role[] = ["viewer", "operator", "owner"];
const STATUS_TONE: Record<string, Tone> = { active: "success", expired: "neutral", revoked: "danger" };

export function AccessScreen() {
  const { t } = useI18n();
  return (
    <Permitted action="tokens.manage" title={t("nav.access")}>
      <TokenManager />
    </Permitted>
  );
}

function TokenManager() {
  const api = useApi();
  const { t } = useI18n();
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: ({ signal }) => api.listTokens(signal) });
  return (
    <ManagedList<TokenInfo>
      scope="access"
      testId="token"
      query={tokens}
      table={{
        head: headings([
          { label: t("access.col.name") },
          { label: t("access.col.role") },
          { label: t("access.col.status") },
          { label: t("access.col.created") },
          { label: t("access.col.last_used") },
          { label: t("access.col.expires") },
          { label: "" },
        ]),
        key: (token) => token.token_id,
        row: (token, revoke) => <TokenRow token={token} onRevoke={revoke} />,
      }}
      form={({ onClose, onCreated }) => (
        <TokenForm onClose={onClose} onCreated={(name, token) => onCreated({ name, secret: token })} />
      )}
      remove={(token) => api.revokeToken(token.token_id)}
    />
  );
}

const roleKey = (role: string): MessageKey =>
  ROLES.includes(role as Role) ? (`role.${role}` as MessageKey) : "common.unknown";
const statusKey = (status: string): MessageKey =>
  ["active", "expired", "revoked"].includes(status)
    ? (`access.status.${status}` as MessageKey)
    : "common.unknown";

function TokenRow({ token, onRevoke }: { token: TokenInfo; onRevoke: () => void }) {
  const { t, lang } = useI18n();
  const now = useNow();
  return (
    <tr data-testid="token-row" data-token-id={token.token_id} data-status={token.status}>
      <td data-label={t("access.col.name")}>
        <div>
          <strong>{token.name}</strong>
          <div className="muted small mono">{token.token_id}</div>
        </div>
      </td>
      <td data-label={t("access.col.role")}>{t(roleKey(token.role))}</td>
      <td data-label={t("access.col.status")}>
        <Badge tone={STATUS_TONE[token.status] ?? "neutral"} testId="token-status">
          {t(statusKey(token.status))}
        </Badge>
      </td>
      <td data-label={t("access.col.created")} title={formatDateTime(token.created_at, lang)}>
        <span>
          {formatRelative(token.created_at, now, lang)}{" "}
          <span className="muted small">{t("access.created_by", { name: token.created_by })}</span>
        </span>
      </td>
      <td data-label={t("access.col.last_used")}>
        {token.last_used_at ? formatRelative(token.last_used_at, now, lang) : t("access.never")}
      </td>
      <td data-label={t("access.col.expires")}>
        {token.expires_at ? formatDate(token.expires_at, lang) : t("access.no_expiry")}
      </td>
      <td>
        {token.status === "active" ? (
          <Button size="sm" variant="danger" onClick={onRevoke} data-testid="token-revoke">
            {t("access.remove")}
          </Button>
        ) : null}
      </td>
    </tr>
  );
}

function TokenForm({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (name: string, token: string) => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const ids = { name: useId(), role: useId(), expires: useId() };
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [expires, setExpires] = useState("");
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const expiresAt = expires ? dayBoundaryIso(expires, "end") : undefined;
    const parsed = TokenCreateInput.safeParse({
      name,
      role,
      ...(expiresAt ? { expires_at: expiresAt } : {}),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues.find((i) => i.path[0] === "name");
      setNameError(
        issue ? t(issue.message === "too_long" ? "validation.too_long" : "validation.required") : undefined,
      );
      return;
    }
    setNameError(undefined);
    setBusy(true);
    setError(null);
    try {
      const created = await api.createToken(parsed.data);
      onCreated(created.info.name, created.token);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={t("access.form_title")} onClose={onClose} testId="token-form-modal">
      <form onSubmit={submit} noValidate data-testid="token-form">
        <Field label={t("access.field.name")} htmlFor={ids.name} error={nameError}>
          <input
            id={ids.name}
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            data-testid="token-name"
            data-autofocus
          />
        </Field>
        <Field label={t("access.field.role")} htmlFor={ids.role} hint={t(`role.hint.${role}`)}>
          <select
            id={ids.role}
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            data-testid="token-role"
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("access.field.expires")} htmlFor={ids.expires} hint={t("access.field.expires_hint")}>
          <input
            id={ids.expires}
            type="date"
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
            data-testid="token-expires"
          />
        </Field>
        {error ? <ErrorState error={error} compact /> : null}
        <div className="modal-footer">
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="token-submit">
            {t("access.create")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
