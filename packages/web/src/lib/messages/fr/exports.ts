/** Textes français : les exports CSV des listes. */
export const exports = {
  "export.button": "Exporter (CSV)",
  "export.separator": "Séparateur des colonnes (point-virgule pour Excel en français)",
  "export.separator.comma": "Virgule (,)",
  "export.separator.semicolon": "Point-virgule (;)",
  "export.busy": "Export en cours…",
  "export.done": "Fichier {file} téléchargé.",
  "export.hint": "Exporte toute la liste avec les filtres affichés.",
} as const;
