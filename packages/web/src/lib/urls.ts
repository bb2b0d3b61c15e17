/**
 * Template values that point at files (`site_logo`): an absolute http(s) URL is used as is, a path is read
 * relative to the site's Template URL (not the Dashboard's own origin), and anything else (an emoji, a
 * name) is not an image at all. Other schemes (`javascript:`, `data:`...) are never used as a source.
 */
const IMAGE_PATH = /\.(png|jpe?g|gif|svg|webp|avif|ico)(\?.*)?$/i;

export function resolveAssetUrl(value: unknown, templateUrl: string | undefined): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text === "" || /\s/.test(text)) return null;
  let url: URL;
  try {
    if (/^https?:\/\//i.test(text)) url = new URL(text);
    else if (templateUrl && (text.startsWith("/") || IMAGE_PATH.test(text)))
      url = new URL(text, templateUrl.endsWith("/") ? templateUrl : `${templateUrl}/`);
    else return null;
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : null;
}
