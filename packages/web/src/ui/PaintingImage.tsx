/**
 * A painting's image as the Template serves it (`image_url`, under the Template's /static/), lazily loaded,
 * with a clear placeholder when the painting has no image or the image fails to load. Reusable by any
 * screen that shows a painting (cards, detail pages).
 */
import { useState } from "react";
import { useI18n } from "../app/context";
import { Icon } from "./icons";

export function PaintingImage({
  url,
  alt,
  className,
}: {
  url: string | null | undefined;
  alt: string;
  className?: string;
}) {
  const { t } = useI18n();
  // The URL that failed: a new URL (another painting in the same slot, a re-synced image) gets a fresh try.
  const [failedUrl, setFailedUrl] = useState<string | null>(null);
  if (url && failedUrl !== url) {
    return (
      <img
        className={className}
        src={url}
        alt={alt}
        loading="lazy"
        decoding="async"
        onError={() => setFailedUrl(url)}
        data-testid="painting-image"
      />
    );
  }
  const label = url ? t("paintings.no_image") : t("fidelity.no_image");
  return (
    <div
      className={`image-placeholder${className ? ` ${className}` : ""}`}
      data-testid="painting-image-placeholder"
      data-reason={url ? "failed" : "none"}
      role="img"
      aria-label={label}
    >
      <Icon name="image" size={32} />
      <span>{label}</span>
    </div>
  );
}
