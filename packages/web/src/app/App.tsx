/**
 * The application: the sign-in gate, then the shell (navigation, language, who is signed in, sign-out)
 * around the screen the hash names. The session starts by asking the API who the token is (`/api/me`): its
 * role decides which screens and actions are offered. A 401 from any request (a revoked or expired token
 * included) ends the session and comes back here with a message.
 */
import { QueryClientProvider, useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { type Api, createApi } from "../api/client";
import type { Lang } from "../lib/i18n";
import { ErrorState, Loading } from "../ui/components";
import { I18nProvider, SessionProvider, useI18n } from "./context";
import { createQueryClient } from "./queries";
import { Shell } from "./Shell";
import { baseUrl, type EndReason, endReasonOf, SignIn } from "./SignIn";
import { clearToken, readLang, readToken, saveLang, saveToken } from "./session";

export function App() {
  const [lang, setLangState] = useState<Lang>(readLang);
  const [token, setToken] = useState<string | null>(readToken);
  const [ended, setEnded] = useState<EndReason | null>(null);

  const setLang = useCallback((next: Lang) => {
    saveLang(next);
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const endSession = useCallback((reason: EndReason) => {
    clearToken();
    setToken(null);
    setEnded(reason);
  }, []);
  const signOut = useCallback(() => endSession("signed_out"), [endSession]);

  const api = useMemo(
    () =>
      token
        ? createApi({
            baseUrl,
            getToken: () => token,
            onUnauthorized: (error) => endSession(endReasonOf(error)),
          })
        : null,
    [token, endSession],
  );
  // One cache per session: what a token was shown leaves with it.
  const queryClient = useMemo(() => (api ? createQueryClient() : null), [api]);

  return (
    <I18nProvider lang={lang} setLang={setLang}>
      {api && queryClient ? (
        <QueryClientProvider client={queryClient}>
          <SessionGate api={api} signOut={signOut} />
        </QueryClientProvider>
      ) : (
        <SignIn
          ended={ended}
          onSignedIn={(accepted) => {
            saveToken(accepted);
            setEnded(null);
            setToken(accepted);
          }}
        />
      )}
    </I18nProvider>
  );
}

/** Asks the API who the token is, then opens the session with that identity and role. */
function SessionGate({ api, signOut }: { api: Api; signOut: () => void }) {
  const { t } = useI18n();
  const me = useQuery({ queryKey: ["me"], queryFn: ({ signal }) => api.me(signal) });
  if (me.data) {
    return (
      <SessionProvider api={api} me={me.data} signOut={signOut}>
        <Shell />
      </SessionProvider>
    );
  }
  return (
    <div className="signin">
      <div className="signin-card card" data-testid="session-loading">
        {me.error ? (
          <ErrorState error={me.error} onRetry={() => void me.refetch()} />
        ) : (
          <Loading label={t("session.loading")} />
        )}
      </div>
    </div>
  );
}
