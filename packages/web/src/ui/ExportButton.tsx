/**
 * "Exporter (CSV)": the whole list, with the filters the screen shows, as a CSV file. The file is fetched
 * with the session's token (a plain link could not send it), then handed to the browser as a download
 * through a blob link. The separator is a choice: `;` for a French Excel (the default in French), `,`
 * otherwise.
 */
import { useId, useState } from "react";
import type { Query } from "../api/client";
import type { CsvSeparator, ExportList } from "../api/types";
import { useApi, useI18n, useSession } from "../app/context";
import { Button, errorDetail, errorTitleKey } from "./components";

export interface CsvExportSpec {
  list: ExportList;
  /** The filters of the list on screen, as its list request sends them. */
  filters: Query;
}

/** Hands a file to the browser as a download. */
function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has been handled: the download has its own reference to the blob by then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportButton({ list, filters }: CsvExportSpec) {
  const api = useApi();
  const { t, lang } = useI18n();
  const { notify } = useSession();
  const id = useId();
  const [separator, setSeparator] = useState<CsvSeparator>(lang === "fr" ? ";" : ",");
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    try {
      const { blob, filename } = await api.exportCsv(list, filters, separator);
      download(blob, filename);
      notify("success", t("export.done", { file: filename }));
    } catch (error) {
      notify("danger", `${t(errorTitleKey(error))} — ${errorDetail(error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="export-control" data-testid="export-control">
      <label className="visually-hidden" htmlFor={id}>
        {t("export.separator")}
      </label>
      <select
        id={id}
        value={separator}
        onChange={(e) => setSeparator(e.target.value === ";" ? ";" : ",")}
        title={t("export.separator")}
        data-testid="export-separator"
      >
        <option value=",">{t("export.separator.comma")}</option>
        <option value=";">{t("export.separator.semicolon")}</option>
      </select>
      <Button onClick={run} busy={busy} title={t("export.hint")} data-testid="export-csv">
        {busy ? t("export.busy") : t("export.button")}
      </Button>
    </span>
  );
}
