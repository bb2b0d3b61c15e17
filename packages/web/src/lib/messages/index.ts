/**
 * Every text of the UI, in French (the reference, with the seed's labels) and English, one file per language
 * and domain. Each English file is typed against its French one, so a missing or extra key fails the build;
 * `test/i18n.test.ts` also checks that both use the same placeholders and that plural pairs are complete.
 */
import { activity as enActivity } from "./en/activity";
import { admin as enAdmin } from "./en/admin";
import { alerts as enAlerts } from "./en/alerts";
import { app as enApp } from "./en/app";
import { exports as enExports } from "./en/exports";
import { records as enRecords } from "./en/records";
import { sync as enSync } from "./en/sync";
import { activity } from "./fr/activity";
import { admin } from "./fr/admin";
import { alerts } from "./fr/alerts";
import { app } from "./fr/app";
import { exports } from "./fr/exports";
import { records } from "./fr/records";
import { sync } from "./fr/sync";

export const fr = { ...app, ...sync, ...records, ...admin, ...activity, ...exports, ...alerts } as const;

export type MessageKey = keyof typeof fr;

export const en: Record<MessageKey, string> = {
  ...enApp,
  ...enSync,
  ...enRecords,
  ...enAdmin,
  ...enActivity,
  ...enExports,
  ...enAlerts,
};
