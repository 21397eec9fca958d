// Screenshots of many .rrd files in the official Rerun web viewer, in one
// headless Chromium session: the approach of viewer_oracle.mjs (the same
// lib/viewer_harness.mjs: pinned viewer package, static server on 127.0.0.1,
// Chromium flags, every other host blocked), but the viewer is started once and each file is
// opened in turn, made the active recording, paused at the end of its
// active timeline and photographed. Starting Chromium and compiling the
// 47 MB viewer once instead of once per file is what keeps the archetype
// screenshot test within CI time.
//
//   node gallery_shots.mjs --out DIR [--timeout SECONDS] [--chromium PATH] FILE.rrd...
//
// For FILE NAME.rrd it writes DIR/NAME.png (960x540) and prints one JSON
// line to stdout:
//   {"name", "ok": true|false, "error": "..." (when not ok),
//    "recording_open": {...the viewer's event...}, "active_timeline",
//    "data_errors": [...], "console_errors": [...], "seconds": N}
// data_errors are the viewer's console lines saying it could not decode
// the file (the same pattern as viewer_oracle.mjs). The side panels
// (blueprint, selection, time) are hidden so that the view area is large
// and its place on the page does not depend on the data; the top bar stays.
// Exit 0 when every file was opened and photographed (whatever it shows),
// 1 otherwise, 2 on a usage error.

import { stat } from "node:fs/promises";
import path from "node:path";
import {
  DATA_ERROR, closeResources, jsonSafe, keepHermetic, launchChromium, oneLine, requireViewerPackage,
  sleep, startViewerServer, viewerPageHtml,
} from "./lib/viewer_harness.mjs";

// Smaller than the oracle's 1280x720: SwiftShader's cost grows with pixels.
const VIEW_WIDTH = 960;
const VIEW_HEIGHT = 540;
const POLL_MS = 200;
// The recording counts as loaded when its file was served and its active
// timeline's range has not changed for this long.
const STABLE_MS = 1000;
// After pausing, views that lay out or upload over several frames (graph
// force layout, textures, the map) get this long before the picture.
const RENDER_MS = 2500;

function usage(msg) {
  if (msg) process.stderr.write(`gallery_shots: ${msg}\n`);
  process.stderr.write("usage: node gallery_shots.mjs --out DIR [--timeout SECONDS] [--chromium PATH] FILE.rrd...\n");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { out: null, files: [], timeoutS: 60, chromium: "/usr/bin/chromium" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === "--out") opts.out = value();
    else if (a === "--timeout") opts.timeoutS = Number(value());
    else if (a === "--chromium") opts.chromium = value();
    else if (a === "-h" || a === "--help") usage();
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else opts.files.push(a);
  }
  if (!opts.out) usage("no --out DIR given");
  if (opts.files.length === 0) usage("no .rrd files given");
  if (!(opts.timeoutS > 0)) usage("--timeout must be a positive number of seconds (per file)");
  return opts;
}

const PAGE = viewerPageHtml({ title: "rerun-c gallery", width: VIEW_WIDTH, height: VIEW_HEIGHT, script: `
  const state = window.__gallery = { events: [], started: false, start_error: null };
  try {
    const { WebViewer } = await import("/viewer/index.js");
    const viewer = window.__viewer = new WebViewer();
    viewer.on("recording_open", (e) => state.events.push(e));
    await viewer.start(null, document.getElementById("viewer"),
      { width: "${VIEW_WIDTH}px", height: "${VIEW_HEIGHT}px", hide_welcome_screen: true });
    for (const p of ["blueprint", "selection", "time"]) viewer.override_panel_state(p, "hidden");
    state.started = true;
  } catch (e) {
    state.start_error = String(e && e.stack || e);
  }
` });

// Serves the page, the viewer package and /data/<index>.rrd for files[index].
function startServer(files, served) {
  return startViewerServer({
    html: PAGE,
    dataFile: (pathname) => {
      const m = /^\/data\/(\d+)\.rrd$/.exec(pathname);
      if (!m || Number(m[1]) >= files.length) return null;
      return { path: files[Number(m[1])], onServed: () => { served[Number(m[1])] = true; } };
    },
  });
}

// The viewer runs its frame loop only when something asks for a repaint; a
// command queued from JavaScript (open a URL) waits for the next frame, so
// waiting is done while moving the mouse over the page.
async function nudge(page) {
  // over the empty middle of the top bar, where hovering changes nothing
  await page.mouse.move(600 + Math.round(Math.random() * 40), 12);
  await sleep(POLL_MS);
}


async function shoot(page, index, file, ctx, opts) {
  const name = path.basename(file).replace(/\.rrd$/, "");
  const started = Date.now();
  const deadline = started + opts.timeoutS * 1000;
  ctx.consoleErrors = [];
  ctx.dataErrors = [];
  const result = { name, ok: false };
  try {
    if (!(await stat(file).catch(() => null))?.isFile()) throw new Error(`cannot read ${file}`);
    const before = await page.evaluate(() => window.__gallery.events.length);
    await page.evaluate((url) => window.__viewer.open(url), `${ctx.origin}/data/${index}.rrd`);
    let event = null;
    while (event === null) {
      if (ctx.viewerFailure) throw new Error(`viewer failed: ${ctx.viewerFailure}`);
      if (ctx.dataErrors.length) throw new Error(`viewer could not decode the file: ${ctx.dataErrors.join(" | ")}`);
      const events = await page.evaluate(() => window.__gallery.events);
      if (events.length > before) event = events[before];
      else if (Date.now() > deadline) throw new Error(`no recording_open (file served: ${!!ctx.served[index]})`);
      else await nudge(page);
    }
    result.recording_open = jsonSafe(event);
    // Paused at once: a playing recording repaints every frame, which on a
    // software rasterizer starves everything else.
    await page.evaluate((rec) => {
      window.__viewer.set_active_recording_id(rec);
      window.__viewer.set_playing(rec, false);
    }, event.recording_id);

    const probe = (rec) => {
      const v = window.__viewer;
      const t = v.get_active_timeline(rec);
      const r = t === null ? null : v.get_time_range(rec, t);
      return JSON.stringify([v.get_active_recording_id(), t, r], (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
    };
    let last = null;
    let stableSince = Date.now();
    for (;;) {
      const now = await page.evaluate(probe, event.recording_id);
      if (process.env.GALLERY_DEBUG) process.stderr.write(`${Date.now() - started} ms: ${now} served=${ctx.served[index]}\n`);
      if (now !== last) stableSince = Date.now();
      last = now;
      if (ctx.served[index] && Date.now() - stableSince >= STABLE_MS) break;
      if (Date.now() > deadline) break; // photograph what is there
      await nudge(page);
    }
    result.active_timeline = await page.evaluate((rec) => {
      const v = window.__viewer;
      v.set_active_recording_id(rec);
      v.set_playing(rec, false);
      const t = v.get_active_timeline(rec);
      const r = t === null ? null : v.get_time_range(rec, t);
      if (r) v.set_current_time(rec, t, r.max);
      return t;
    }, event.recording_id);
    for (const end = Date.now() + RENDER_MS; Date.now() < end;) await nudge(page);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: path.join(opts.out, `${name}.png`), timeout: Math.max(1000, deadline - Date.now()) });
    if (ctx.viewerFailure) throw new Error(`viewer failed: ${ctx.viewerFailure}`);
    result.ok = true;
  } catch (e) {
    result.error = oneLine(e && e.message || e);
  }
  result.data_errors = ctx.dataErrors;
  result.console_errors = ctx.consoleErrors;
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  try {
    requireViewerPackage();
  } catch (e) {
    process.stderr.write(`gallery_shots: ${e.message}\n`);
    process.exit(1);
  }
  const res = { server: null, browser: null };
  const cleanup = () => closeResources(res);
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => { cleanup().finally(() => process.exit(1)); });

  let allOk = true;
  try {
    const served = [];
    res.server = await startServer(opts.files, served);
    const ctx = { origin: `http://127.0.0.1:${res.server.address().port}`, served,
                  consoleErrors: [], dataErrors: [], viewerFailure: null, browserGone: false };
    res.browser = await launchChromium(opts.chromium, opts.timeoutS * 1000);
    res.browser.on("disconnected", () => { ctx.browserGone = true; });
    // A fresh page with a started viewer; again after a recording hung the
    // previous one, so that one bad file costs only its own picture.
    const openViewer = async () => {
      const page = await res.browser.newPage({ viewport: { width: VIEW_WIDTH, height: VIEW_HEIGHT } });
      page.on("console", (msg) => {
        const text = oneLine(msg.text());
        if (process.env.GALLERY_DEBUG && msg.type() !== "debug") process.stderr.write(`console ${msg.type()}: ${text}\n`);
        if (msg.type() !== "warning" && msg.type() !== "error") return;
        if (msg.type() === "error") ctx.consoleErrors.push(text);
        if (DATA_ERROR.test(text)) ctx.dataErrors.push(text);
        if (text.startsWith("WebViewer failure")) ctx.viewerFailure = text;
      });
      page.on("pageerror", (err) => { ctx.viewerFailure ??= oneLine(`page error: ${err.message}`); });
      page.on("crash", () => { ctx.viewerFailure ??= "the page crashed"; });
      await keepHermetic(page, ctx.origin);
      await page.goto(`${ctx.origin}/`, { timeout: opts.timeoutS * 1000 });
      const startDeadline = Date.now() + opts.timeoutS * 1000;
      for (;;) {
        const s = await page.evaluate(() => window.__gallery && { started: window.__gallery.started, err: window.__gallery.start_error });
        if (s && s.err) throw new Error(`viewer did not start: ${oneLine(s.err)}`);
        if (s && s.started) break;
        if (Date.now() > startDeadline) throw new Error("viewer did not start in time");
        await sleep(POLL_MS);
      }
      return page;
    };
    let page = await openViewer();
    for (let i = 0; i < opts.files.length; i++) {
      // A hard stop per file: a crashed renderer can leave a call pending forever.
      let timer;
      const hardStop = new Promise((resolve) => {
        timer = setTimeout(() => resolve({
          name: path.basename(opts.files[i]).replace(/\.rrd$/, ""), ok: false,
          error: `no answer from the viewer within ${opts.timeoutS + 15} s` +
            (ctx.viewerFailure ? ` (${ctx.viewerFailure})` : ""),
          data_errors: ctx.dataErrors, console_errors: ctx.consoleErrors, seconds: opts.timeoutS + 15,
        }), (opts.timeoutS + 15) * 1000);
      });
      const r = await Promise.race([shoot(page, i, opts.files[i], ctx, opts), hardStop]);
      if (!r.ok && ctx.viewerFailure && !r.error.includes(ctx.viewerFailure)) r.error += ` (${ctx.viewerFailure})`;
      clearTimeout(timer);
      allOk &&= r.ok;
      process.stdout.write(JSON.stringify(r) + "\n");
      if (ctx.browserGone) throw new Error("the browser went away");
      if (ctx.viewerFailure || !r.ok && /no answer/.test(r.error)) {
        ctx.viewerFailure = null;
        const old = page;
        await Promise.race([old.close().catch(() => {}), sleep(5000)]);
        page = await openViewer();
      }
    }
  } catch (e) {
    process.stderr.write(`gallery_shots: ${oneLine(e && e.message || e)}\n`);
    allOk = false;
  } finally {
    await cleanup();
  }
  process.exit(allOk ? 0 : 1);
}

main();
