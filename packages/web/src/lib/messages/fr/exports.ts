/** Textes français : les exports CSV des listes. */
export const exports = {
  "export.button": "Exporter (CSV)",
  "export.separator": "Séparateur",
  "export.separator.comma": "Virgule ( , )",
  "export.separator.semicolon": "Point-virgule ( ; ) — Excel en français",
  "export.busy": "Export en cours…",
  "export.done": "Fichier {file} téléchargé.",
  "export.hint": "Exporte toute la liste avec les filtres affichés.",
} as const;
