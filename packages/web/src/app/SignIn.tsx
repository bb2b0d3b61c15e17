/**
 * The sign-in form (a token is accepted when the API says who it is; it is stored only then), why the last
 * session ended, and the brand and language switch it shares with the shell.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { ApiError, configuredBaseUrl, createApi } from "../api/client";
import { LANGS } from "../lib/i18n";
import { Button, ErrorState } from "../ui/components";
import { useI18n } from "./context";

export const baseUrl = configuredBaseUrl(import.meta.env);

export type EndReason = "expired" | "revoked" | "token_expired" | "signed_out";

/** Why a 401 ended the session, from the API's reason. */
export const endReasonOf = (error: ApiError): EndReason =>
  error.reason === "token_revoked"
    ? "revoked"
    : error.reason === "token_expired"
      ? "token_expired"
      : "expired";

export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <fieldset className="lang-switch">
      <legend className="visually-hidden">{t("shell.language")}</legend>
      {LANGS.map((code) => (
        <button
          key={code}
          type="button"
          aria-pressed={lang === code}
          onClick={() => setLang(code)}
          data-testid={`lang-${code}`}
          lang={code}
          title={code === "fr" ? "Français" : "English"}
        >
          {code.toUpperCase()}
        </button>
      ))}
    </fieldset>
  );
}

export function SignIn({
  ended,
  onSignedIn,
}: {
  ended: EndReason | null;
  onSignedIn: (token: string) => void;
}) {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [refused, setRefused] = useState(false);
  const [refusedReason, setRefusedReason] = useState<string | undefined>(undefined);
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const candidate = value.trim();
    if (!candidate) {
      setRefused(false);
      setError(new ApiError(0, "missing_token", t("signin.missing")));
      return;
    }
    setBusy(true);
    setError(null);
    setRefused(false);
    try {
      // A token is accepted when the API says who it is; it is stored only then.
      await createApi({ baseUrl, getToken: () => candidate }).me();
      onSignedIn(candidate);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setRefused(true);
        setRefusedReason(err.reason);
      } else setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <div className="signin-card card">
        <div className="signin-top">
          <Brand />
          <LangSwitch />
        </div>
        <h1>{t("signin.title")}</h1>
        <p className="muted">{t("signin.intro")}</p>
        {ended && ended !== "signed_out" && !refused ? (
          <p className="notice notice-warning" role="alert" data-testid="signin-expired" data-reason={ended}>
            {t(
              ended === "revoked"
                ? "signin.revoked"
                : ended === "token_expired"
                  ? "signin.token_expired"
                  : "signin.expired",
            )}
          </p>
        ) : null}
        {ended === "signed_out" && !refused && !error ? (
          <p className="notice notice-info" role="status" data-testid="signin-signed-out">
            {t("signin.signed_out")}
          </p>
        ) : null}
        <form onSubmit={submit} data-testid="signin-form" noValidate>
          <div className={`field${refused ? " field-invalid" : ""}`}>
            <label htmlFor={inputId}>{t("signin.token")}</label>
            <input
              id={inputId}
              ref={inputRef}
              type="password"
              autoComplete="current-password"
              spellCheck={false}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              aria-invalid={refused || undefined}
              aria-describedby={refused ? `${inputId}-error` : undefined}
              data-testid="signin-token"
            />
            {refused ? (
              <p className="field-error" id={`${inputId}-error`} role="alert" data-testid="signin-error">
                {t(
                  refusedReason === "token_revoked"
                    ? "signin.revoked"
                    : refusedReason === "token_expired"
                      ? "signin.token_expired"
                      : "signin.refused",
                )}
              </p>
            ) : null}
          </div>
          {error ? (
            <div data-testid="signin-error">
              <ErrorState error={error} compact />
            </div>
          ) : null}
          <Button
            type="submit"
            variant="primary"
            busy={busy}
            data-testid="signin-submit"
            className="btn-block"
          >
            {t("signin.submit")}
          </Button>
        </form>
        <p className="muted small">{t("signin.storage_note")}</p>
      </div>
    </div>
  );
}

export function Brand() {
  return (
    <div className="brand">
      <span className="brand-mark" aria-hidden="true">
        a
      </span>
      <span className="brand-text">
        <strong>artworksdigital</strong>
        <span>Dashboard</span>
      </span>
    </div>
  );
}
