import { useI18n } from "../app/context";
import { href } from "../lib/router";
import { EmptyState, PageHeader } from "../ui/components";

export function NotFoundScreen({ path }: { path: string }) {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t("notfound.title")} />
      <EmptyState title={t("notfound.message", { path })}>
        <a className="btn btn-primary" href={href("overview")} data-testid="notfound-home">
          {t("notfound.home")}
        </a>
      </EmptyState>
    </>
  );
}
