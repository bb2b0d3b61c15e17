import { hash32 } from "./random";

/** Paths the Template's static folder serves painting images from: `static/Images/<file>`. */
export const IMAGE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(?:jpe?g|png|gif|webp)$/i;

const xml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const hsl = (h: number, s: number, l: number): string => `hsl(${h % 360},${s}%,${l}%)`;

/**
 * A small deterministic picture for a painting (same path ⇒ same bytes): a sky, a sun and hills in colours
 * derived from the path, with the painting's name as a caption. SVG, so a UI can show it at any size.
 */
export function paintingSvg(path: string, title: string | null): string {
  const h = hash32(path);
  const hue = h % 360;
  const sunX = 60 + ((h >>> 9) % 280);
  const sunY = 50 + ((h >>> 17) % 60);
  const ridge = 150 + ((h >>> 3) % 50);
  const caption = title
    ? `<text x="200" y="288" font-family="Georgia,serif" font-size="15" text-anchor="middle" fill="#fff">${xml(title)}</text>`
    : "";
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">',
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hsl(hue, 70, 78)}"/><stop offset="1" stop-color="${hsl(hue + 40, 60, 60)}"/></linearGradient></defs>`,
    '<rect width="400" height="300" fill="url(#sky)"/>',
    `<circle cx="${sunX}" cy="${sunY}" r="28" fill="${hsl(hue + 180, 80, 70)}"/>`,
    `<path d="M0 ${ridge} Q100 ${ridge - 60} 200 ${ridge} T400 ${ridge - 20} V300 H0 Z" fill="${hsl(hue + 90, 45, 40)}"/>`,
    `<path d="M0 ${ridge + 50} Q150 ${ridge + 10} 260 ${ridge + 45} T400 ${ridge + 35} V300 H0 Z" fill="${hsl(hue + 120, 40, 28)}"/>`,
    '<rect x="0" y="268" width="400" height="32" fill="rgba(0,0,0,0.45)"/>',
    caption,
    '<rect x="4" y="4" width="392" height="292" fill="none" stroke="#5b4630" stroke-width="8"/>',
    "</svg>",
  ].join("");
}
