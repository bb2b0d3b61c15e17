/** English texts: the lists' CSV exports; exactly the French keys (the compiler checks it). */
import type { exports as fr } from "../fr/exports";

export const exports: Record<keyof typeof fr, string> = {
  "export.button": "Export (CSV)",
  "export.separator": "Column separator (semicolon for a French Excel)",
  "export.separator.comma": "Comma (,)",
  "export.separator.semicolon": "Semicolon (;)",
  "export.busy": "Exporting…",
  "export.done": "{file} downloaded.",
  "export.hint": "Exports the whole list with the filters shown.",
};
