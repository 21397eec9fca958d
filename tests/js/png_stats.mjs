// Says whether a screenshot of the official viewer shows data: compares the
// view area of each screenshot (from gallery_shots.mjs, 960x540, side panels
// hidden) with a baseline screenshot of an empty recording (a SetStoreInfo
// alone, where the view area is blank) and counts strongly coloured pixels.
//
//   node png_stats.mjs --baseline EMPTY.png FILE.png=CHECK...
//
// CHECK is what FILE must show:
//   color  strongly coloured pixels (the gallery draws its data in saturated
//          colours; a 3D view's pale background gradient and grid, grey
//          shapes, axis labels and plain text are not counted)
//   ink    pixels unlike the baseline (text views: dark text on white)
//   blank  no strongly coloured pixels (e.g. data removed by a Clear)
// One JSON line per file on stdout:
//   {"file", "check", "region": [x0, y0, x1, y1], "diff_frac", "chroma_frac",
//    "colors", "pass": bool, "why": "..."}
// diff_frac: fraction of the region's pixels differing from the baseline by
// more than DIFF_LEVEL in some channel; chroma_frac: fraction whose
// max(R,G,B) - min(R,G,B) is at least CHROMA_LEVEL; colors: distinct
// colours in the region. Exit 0 when every file could be read and compared
// (whatever the verdicts), 1 otherwise, 2 on a usage error.

import { readFileSync } from "node:fs";
import { PNG } from "pngjs";

// The layout, read off the screenshots: the top bar takes rows 0-27, the
// view's tab bar (its name, which differs from the baseline even for an
// empty view) rows 28-51; the view itself fills the rest.
const VIEW_TOP = 53;
const DIFF_LEVEL = 48;
// A 3D view's background (gradient and grid) reaches a chroma of 37 here;
// the viewer's default plot colours, drawn 1 px wide, reach 100 or more.
const CHROMA_LEVEL = 50;
// Verdict thresholds (fractions of the view area), measured here on the
// gallery: coloured data covers from 0.66% (three 1 px plot lines) to
// 68% (an image); text and grey graph edges differ from the baseline on
// 0.42% (edges) to 7.5% (a text log). The controls stay at 0.000% (grey
// points in a 3D view: chroma; an empty text document: diff), so each
// threshold has a margin of 2x or more above it to the weakest data.
const COLOR_MIN = 0.002;
const INK_MIN = 0.002;
const BLANK_MAX = 0.0005;

function usage(msg) {
  if (msg) process.stderr.write(`png_stats: ${msg}\n`);
  process.stderr.write("usage: node png_stats.mjs --baseline EMPTY.png FILE.png=color|ink|blank...\n");
  process.exit(2);
}

const load = (file) => PNG.sync.read(readFileSync(file));

function stats(img, base) {
  if (img.width !== base.width || img.height !== base.height) {
    throw new Error(`size ${img.width}x${img.height} differs from the baseline's ${base.width}x${base.height}`);
  }
  const region = [0, VIEW_TOP, img.width, img.height];
  let diff = 0, chroma = 0, n = 0;
  const colors = new Set();
  for (let y = region[1]; y < region[3]; y++) {
    for (let x = region[0]; x < region[2]; x++) {
      const i = (y * img.width + x) * 4;
      const r = img.data[i], g = img.data[i + 1], b = img.data[i + 2];
      const d = Math.max(Math.abs(r - base.data[i]), Math.abs(g - base.data[i + 1]), Math.abs(b - base.data[i + 2]));
      if (d > DIFF_LEVEL) diff++;
      if (Math.max(r, g, b) - Math.min(r, g, b) >= CHROMA_LEVEL) chroma++;
      colors.add((r << 16) | (g << 8) | b);
      n++;
    }
  }
  return { region, diff_frac: diff / n, chroma_frac: chroma / n, colors: colors.size };
}

function verdict(check, s) {
  const pct = (f) => `${(100 * f).toFixed(3)}%`;
  switch (check) {
    case "color":
      return s.chroma_frac >= COLOR_MIN
        ? { pass: true, why: `${pct(s.chroma_frac)} strongly coloured (>= ${pct(COLOR_MIN)})` }
        : { pass: false, why: `only ${pct(s.chroma_frac)} strongly coloured (< ${pct(COLOR_MIN)})` };
    case "ink":
      return s.diff_frac >= INK_MIN
        ? { pass: true, why: `${pct(s.diff_frac)} differs from the empty viewer (>= ${pct(INK_MIN)})` }
        : { pass: false, why: `only ${pct(s.diff_frac)} differs from the empty viewer (< ${pct(INK_MIN)})` };
    case "blank":
      return s.chroma_frac <= BLANK_MAX
        ? { pass: true, why: `${pct(s.chroma_frac)} strongly coloured (<= ${pct(BLANK_MAX)}): blank` }
        : { pass: false, why: `${pct(s.chroma_frac)} strongly coloured (> ${pct(BLANK_MAX)}): not blank` };
    default:
      throw new Error(`unknown check ${check}`);
  }
}

function main() {
  const argv = process.argv.slice(2);
  let baselineFile = null;
  const items = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--baseline") baselineFile = i + 1 < argv.length ? argv[++i] : usage("--baseline needs a file");
    else if (argv[i].startsWith("--")) usage(`unknown option ${argv[i]}`);
    else {
      const m = /^(.*)=(color|ink|blank)$/.exec(argv[i]);
      if (!m) usage(`${argv[i]}: expected FILE.png=color|ink|blank`);
      items.push({ file: m[1], check: m[2] });
    }
  }
  if (!baselineFile) usage("no --baseline given");
  let base;
  try {
    base = load(baselineFile);
  } catch (e) {
    process.stderr.write(`png_stats: cannot read the baseline ${baselineFile}: ${e.message}\n`);
    process.exit(1);
  }
  let ok = true;
  for (const { file, check } of items) {
    try {
      const s = stats(load(file), base);
      process.stdout.write(JSON.stringify({ file, check, ...s, ...verdict(check, s) }) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ file, check, pass: false, why: `cannot compare: ${e.message}` }) + "\n");
      ok = false;
    }
  }
  process.exit(ok ? 0 : 1);
}

main();
