// The official-viewer oracle: opens one or more .rrd files or live gRPC
// sources in the official Rerun web viewer (npm @rerun-io/web-viewer, pinned
// in package.json) inside headless Debian Chromium, and prints what the
// viewer saw as one line of JSON. What this viewer accepts, the official
// tools accept, so interop tests assert on its output rather than on our own
// reader's.
//
//   node viewer_oracle.mjs SOURCE [SOURCE]... [--timeline NAME]...
//        [--screenshot OUT.png] [--screenshot-dir DIR] [--save-as OUT.rrd]
//        [--save-dir DIR] [--settle-ms MS] [--timeout SECONDS] [--chromium PATH]
//
// A SOURCE is an .rrd file, or a live source: the URL of a Rerun message
// proxy, `rerun+http://127.0.0.1:PORT/proxy` (also rerun+https:// and
// rerun://, always on 127.0.0.1 or localhost, any port). The viewer is given
// the URL as is and reads it with gRPC-web (ReadMessages) from the browser.
//
// All sources open in one viewer session (WebViewer.start with every URL), as
// `rerun a.rrd b.rrd` would: sources holding the same recording id load into
// one recording.
//
// When the data counts as loaded: a file, once the viewer has fetched it and
// said it took in its last message; a live source keeps its stream open, so
// there is no such moment. The run waits until the first recording_open and
// then until every file was taken in, every --timeline asked for has a range
// in some recording, and nothing the output reports (recordings, their time
// ranges, the open events) changed for --settle-ms (default 1000 ms), or for
// at most 15 s per 4 sources, then reports what is there. With a live source
// give --timeline for the timeline its producer logs on and a --settle-ms
// longer than the producer's gaps between messages.
//
// stdout, on success (exit 0), one line:
//   {"recording_open": {application_id, recording_id, source, version, ...},
//    "recording_open_events": [...every recording_open event, in order...],
//    "active_recording": "...", "active_timeline": "..." | null,
//    "timelines": {"NAME": {"min": .., "max": ..} | null, ...},
//    "recordings": {"REC_ID": {"application_id": "...", "open_events": N,
//                              "timelines": {"NAME": {min, max} | null, ...}}, ...},
//    "files": [{"path": "...", "bytes_served": N | null, "taken_in": bool}, ...],
//                   (one per SOURCE; a live source's path is its URL, its
//                    bytes_served null, taken_in true once its stream ended)
//    "screenshots": {"REC_ID": "PATH.png", ...},      (with --screenshot-dir)
//    "saved": {"REC_ID": {"path": "...", "bytes": N, "suggested_name": "...",
//                         "via": "the Ctrl+S shortcut" | "the command palette"}, ...},
//                                                     (with --save-as/--save-dir)
//    "data_errors": [...], "console_errors": [...], "console_warnings": [...],
//    "rrd_bytes_served": N (of the files; 0 with live sources only),
//    "timing_ms": {"browser_launched": ms, ...}}
// "recording_open", "active_recording", "active_timeline" and "timelines" are
// about the first recording opened / the active one (what one file gives);
// "recordings" has every recording id the viewer announced, each with the
// time ranges of every --timeline asked for (null where it has none).
// data_errors are the console lines in which the viewer says it could not
// decode the data (before the first recording_open they fail the run at once).
// Time values are as the viewer returns them: JS numbers (doubles), so
// nanosecond timestamps past 2^53 come back rounded to the nearest double;
// compare them with Number(BigInt(expected)). (Should a viewer return
// BigInts, they are printed as numbers when exact and as strings otherwise.)
// On failure or timeout: exit 1 and one line on stderr saying why.
//
// --screenshot OUT.png   the active recording, paused at the end of its
//                        active timeline.
// --screenshot-dir DIR   one picture per recording id, DIR/ID.png (the id
//                        with anything but [A-Za-z0-9._-] replaced by _): each
//                        recording made active in turn, paused at its end.
// --save-as OUT.rrd      re-encodes the active recording with the viewer's own
//                        encoder and writes it to OUT.rrd: the viewer's "Save
//                        recording…" command (Ctrl+S; in the web viewer a
//                        browser download, caught with playwright's download
//                        event). With several recordings, the first one opened.
// --save-dir DIR         the same for every recording id, DIR/ID.rrd.
//
// RR_ORACLE_DEBUG=1 in the environment copies every console line of the page
// (the viewer's own log included) to stderr.
//
// How it runs (see ../../../shared/INTEROP.md): a static HTTP server on
// 127.0.0.1 serves the viewer package, a small page and the files; Chromium is
// driven by playwright-core; every request to any other host is aborted so the
// run is hermetic (the viewer's fetch of its online example list fails, as
// expected without a network). With a live source, requests to 127.0.0.1 and
// localhost on any port go through as well: the proxy is another local
// server, and it must answer the browser's CORS preflight.

import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import {
  DATA_ERROR, LOOPBACK_HOSTS, closeResources, jsonSafe, keepHermetic, launchChromium, oneLine,
  requireViewerPackage, sleep, startViewerServer, viewerPageHtml,
} from "./lib/viewer_harness.mjs";

const VIEW_WIDTH = 1280;
const VIEW_HEIGHT = 720;
// After recording_open, the time ranges are read until they stop changing:
// the viewer ingests chunks after it announces the recording.
const SETTLE_POLL_MS = 200;
const SETTLE_STABLE_MS = 1000; // default of --settle-ms
const SETTLE_MAX_MS = 15000;

// A live source: a message proxy's URL, which the viewer itself connects to.
const LIVE_URL = /^rerun(\+https?)?:\/\//i;
const isLive = (source) => LIVE_URL.test(source);

function usage(msg) {
  if (msg) process.stderr.write(`viewer_oracle: ${msg}\n`);
  process.stderr.write(
    "usage: node viewer_oracle.mjs SOURCE [SOURCE]... [--timeline NAME]... " +
      "[--screenshot OUT.png] [--screenshot-dir DIR] [--save-as OUT.rrd] [--save-dir DIR] " +
      "[--settle-ms MS] [--timeout SECONDS] [--chromium PATH]\n" +
      "  SOURCE: FILE.rrd or rerun+http://127.0.0.1:PORT/proxy\n");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    rrds: [], screenshot: null, screenshotDir: null, saveAs: null, saveDir: null,
    timelines: [], timeoutS: 60, chromium: "/usr/bin/chromium", settleMs: SETTLE_STABLE_MS,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === "--screenshot") opts.screenshot = value();
    else if (a === "--screenshot-dir") opts.screenshotDir = value();
    else if (a === "--save-as") opts.saveAs = value();
    else if (a === "--save-dir") opts.saveDir = value();
    else if (a === "--timeline") opts.timelines.push(value());
    else if (a === "--timeout") opts.timeoutS = Number(value());
    else if (a === "--settle-ms") opts.settleMs = Number(value());
    else if (a === "--chromium") opts.chromium = value();
    else if (a === "-h" || a === "--help") usage();
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else opts.rrds.push(a);
  }
  if (opts.rrds.length === 0) usage("no .rrd file or live source given");
  if (!(opts.timeoutS > 0)) usage("--timeout must be a positive number of seconds");
  if (!(opts.settleMs >= 0)) usage("--settle-ms must be a number of milliseconds");
  for (const s of opts.rrds.filter(isLive)) {
    let host = null;
    try { host = new URL(s.replace(/^rerun(\+https?)?:/i, "http:")).host.replace(/:\d+$/, ""); } catch { /* reported below */ }
    if (host === null) usage(`${s} is not a valid URL`);
    if (!LOOPBACK_HOSTS.has(host.toLowerCase())) usage(`${s}: a live source must be on 127.0.0.1 or localhost (the run is hermetic)`);
  }
  return opts;
}

// A recording id as a file name.
const fileNameOf = (id) => String(id).replace(/[^A-Za-z0-9._-]/g, "_");

// The page: starts the viewer on the files and keeps what it reports in
// window.__oracle for the driver to read.
const page = (urls) => viewerPageHtml({ title: "rerun-c viewer oracle", width: VIEW_WIDTH, height: VIEW_HEIGHT, script: `
  const state = window.__oracle = { events: [], counts: {}, started: false, start_error: null };
  const count = (k) => { state.counts[k] = (state.counts[k] ?? 0) + 1; };
  try {
    const { WebViewer } = await import("/viewer/index.js");
    const viewer = window.__viewer = new WebViewer();
    viewer.on("recording_open", (e) => state.events.push(e));
    // How many events of each kind arrived, for the diagnosis of a run that
    // saw no recording_open (raw: before the viewer's JS dispatch).
    for (const k of ["ready", "play", "pause", "time_update", "timeline_change", "selection_change", "recording_open"]) {
      viewer.on(k, () => count(k));
    }
    viewer._on_raw_event?.((json) => { try { count("raw:" + JSON.parse(json).type); } catch { count("raw:?"); } });
    const urls = ${JSON.stringify(urls)}.map((u) => new URL(u, location.href).href);
    await viewer.start(urls.length === 1 ? urls[0] : urls, document.getElementById("viewer"),
      { width: "${VIEW_WIDTH}px", height: "${VIEW_HEIGHT}px", hide_welcome_screen: true });
    state.started = true;
  } catch (e) {
    state.start_error = String(e && e.stack || e);
  }
` });

// Where source i is served: file i at /data/i/NAME; a live source is not
// served here (null).
const dataPaths = (sources) =>
  sources.map((p, i) => (isLive(p) ? null : `/data/${i}/${encodeURIComponent(path.basename(p))}`));

// The URL the viewer is given for each source.
const viewerUrls = (sources) => dataPaths(sources).map((d, i) => d ?? sources[i]);

// Serves the page, the viewer package and the files at dataPaths(rrdPaths).
function startServer(rrdPaths, onRrdServed) {
  const urls = dataPaths(rrdPaths);
  return startViewerServer({
    html: page(viewerUrls(rrdPaths)),
    dataFile: (pathname) => {
      const file = urls.indexOf(pathname);
      return file < 0 ? null : { path: rrdPaths[file], onServed: (n) => onRrdServed(file, n) };
    },
  });
}

// Pauses recording `rec` at the end of its active timeline (its last data
// shown), so a picture does not depend on timing, and waits until the
// viewer painted it.
async function pauseAtEnd(page, rec) {
  await page.evaluate((rec) => {
    const viewer = window.__viewer;
    if (rec !== null) {
      viewer.set_playing(rec, false);
      const timeline = viewer.get_active_timeline(rec);
      const range = timeline === null ? null : viewer.get_time_range(rec, timeline);
      // A nanosecond timestamp past 2^53 comes back as a double that may lie
      // just below the last row's time, which would hide that row: go a few
      // doubles beyond it (data after the end is what the end shows).
      const end = Number(range?.max);
      if (range) viewer.set_current_time(rec, timeline, Number.isSafeInteger(end) ? end : end + Math.abs(end) * 2 ** -50);
    }
    return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, rec);
}

// Makes `rec` the active recording and waits until the viewer says so and
// has run `frames` more frames (for a picture: the first frames of a newly
// active recording lay out its views).
async function activate(page, rec, remaining, frames = 1) {
  await page.evaluate((rec) => window.__viewer.set_active_recording_id(rec), rec);
  await page.waitForFunction((rec) => window.__viewer.get_active_recording_id() === rec, rec,
    { timeout: remaining(), polling: 50 });
  for (let i = 0; i < frames; i++) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
}

// The viewer's "Save recording…" command on the active recording. On the
// web the viewer encodes the recording at once and shows a small HTML dialog
// (rfd's: #rfd-overlay) whose link (#rfd-output, a blob: URL with a download
// name) the user clicks to download the file; clicking it here gives
// playwright's download event. The command is given by its keyboard shortcut
// (Ctrl+S) and, should that not reach the viewer, from the command palette
// (Ctrl+P, "Save recording"). Returns what was written.
const SAVE_DIALOG_MS = 15000;
async function saveActive(page, outPath, remaining) {
  const t0 = Date.now();
  const trace = (what) => {
    if (process.env.RR_ORACLE_DEBUG) process.stderr.write(`[save ${outPath}] ${what} after ${Date.now() - t0} ms\n`);
  };
  const link = page.locator('#rfd-output[href^="blob:"]');
  const tries = [
    ["the Ctrl+S shortcut", async () => page.keyboard.press("Control+s")],
    ["the command palette", async () => {
      await page.keyboard.press("Control+p");
      await sleep(500);
      await page.keyboard.type("Save recording");
      await sleep(500);
      await page.keyboard.press("Enter");
    }],
  ];
  let shown = false;
  const tried = [];
  for (const [how, trigger] of tries) {
    // Keyboard input goes to the viewer once its canvas has the focus.
    await page.evaluate(() => window.__viewer.canvas?.focus());
    await trigger();
    tried.push(how);
    try {
      await link.waitFor({ state: "attached", timeout: Math.min(remaining(), SAVE_DIALOG_MS) });
      shown = true;
      break;
    } catch {
      await page.keyboard.press("Escape"); // close whatever opened instead
    }
  }
  trace("save dialog shown");
  if (!shown) throw new Error(`the viewer showed no save dialog (tried ${tried.join(", then ")})`);
  const [dl] = await Promise.all([
    page.waitForEvent("download", { timeout: Math.min(remaining(), 30000) }),
    link.click({ timeout: remaining() }),
  ]);
  trace("download started");
  const failure = await dl.failure();
  if (failure) throw new Error(`the download of the saved recording failed: ${failure}`);
  await mkdir(path.dirname(path.resolve(outPath)), { recursive: true });
  await dl.saveAs(outPath);
  // The dialog closes once its link was clicked; the next save opens a new one.
  await page.locator("#rfd-overlay").waitFor({ state: "detached", timeout: Math.min(remaining(), 5000) })
    .catch(() => {});
  trace("dialog closed");
  const st = await stat(outPath);
  return { path: outPath, bytes: st.size, suggested_name: dl.suggestedFilename(), via: tried[tried.length - 1] };
}

async function run(opts, resources, deadline) {
  for (const f of opts.rrds.filter((s) => !isLive(s))) {
    const st = await stat(f).catch(() => null);
    if (!st || !st.isFile()) throw new Error(`cannot read ${f}`);
  }
  requireViewerPackage();
  const t0 = Date.now();
  const timing = {};
  const mark = (name) => { timing[name] = Date.now() - t0; };

  // Per source; a live source is never served by us, nor ever finished
  // while its stream stays open, so only the files are waited for.
  const live = opts.rrds.map(isLive);
  const served = opts.rrds.map(() => null);
  const allServed = () => served.every((n, i) => live[i] || n !== null);
  resources.server = await startServer(opts.rrds, (i, n) => { served[i] = n; });
  const origin = `http://127.0.0.1:${resources.server.address().port}`;

  resources.browser = await launchChromium(opts.chromium, deadline - Date.now());
  const context = await resources.browser.newContext({
    viewport: { width: VIEW_WIDTH, height: VIEW_HEIGHT },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  mark("browser_launched");

  const consoleErrors = [];
  const consoleWarnings = [];
  let viewerFailure = null;
  const dataErrors = [];
  // Which files the viewer has ingested to the end: it logs (at debug level)
  // "Data source URL has finished" once it has taken in a source's last
  // message, on the same frame loop that fires recording_open.
  const fileUrls = viewerUrls(opts.rrds).map((u, i) => (live[i] ? u : `${origin}${u}`));
  const finished = opts.rrds.map(() => false);
  const allFinished = () => finished.every((f, i) => live[i] || f);
  page.on("console", (msg) => {
    const text = oneLine(msg.text());
    if (process.env.RR_ORACLE_DEBUG) process.stderr.write(`[console ${msg.type()}] ${text}\n`);
    const done = /Data source (\S+) has finished/.exec(text);
    if (done) {
      const i = fileUrls.indexOf(done[1]);
      if (i >= 0) finished[i] = true;
    }
    if (msg.type() === "warning") consoleWarnings.push(text);
    else if (msg.type() === "error") consoleErrors.push(text);
    else return;
    if (DATA_ERROR.test(text)) dataErrors.push(text);
    if (text.startsWith("WebViewer failure")) viewerFailure = text;
  });
  page.on("pageerror", (err) => {
    const text = oneLine(`page error: ${err.message}`);
    consoleErrors.push(text);
    viewerFailure ??= text;
  });
  const anyLive = live.some(Boolean);
  await keepHermetic(page, origin, { allowLoopback: anyLive });

  const remaining = () => Math.max(1, deadline - Date.now());
  await page.goto(`${origin}/`, { timeout: remaining() });

  // Wait for the first recording_open (or a failure of the viewer).
  let state;
  let finishedAt = null;
  for (;;) {
    state = await page.evaluate(() => ({
      n: window.__oracle?.events.length ?? 0,
      start_error: window.__oracle?.start_error ?? null,
    }));
    if (state.start_error) throw new Error(`viewer did not start: ${oneLine(state.start_error)}`);
    if (viewerFailure) throw new Error(`viewer failed: ${viewerFailure}`);
    if (state.n > 0) break;
    if (dataErrors.length > 0) throw new Error(`viewer could not decode the file: ${dataErrors.join(" | ")}`);
    // A file the viewer rejects opens nothing and, often, says nothing on the
    // console (the viewer shows a notification): give up some time after the
    // viewer has taken in every file rather than at the deadline. (Not after
    // the files were served: on a busy machine the viewer may take longer
    // than that to process what it downloaded.)
    // (A live source may open its recording at any time: wait for it.)
    if (!anyLive && allFinished() && finishedAt === null) finishedAt = Date.now();
    const gaveUp = finishedAt !== null && Date.now() - finishedAt > SETTLE_MAX_MS;
    if (gaveUp || Date.now() > deadline) {
      const seen = await page.evaluate(() => {
        const v = window.__viewer;
        const counts = window.__oracle?.counts;
        return v && v.ready ? { active_recording: v.get_active_recording_id(), events: counts } : { ready: false, events: counts };
      }).catch((e) => ({ error: String(e) }));
      throw new Error((gaveUp
        ? `no recording_open ${SETTLE_MAX_MS / 1000} s after the viewer took in the files (${served.join(", ")} bytes)`
        : `timed out waiting for recording_open (files served: ${served.map((n, i) => (live[i] ? "live" : n !== null)).join(", ")}; ` +
          `taken in by the viewer: ${finished.join(", ")})`) +
        `; viewer: ${JSON.stringify(seen)}; console errors: ${JSON.stringify(consoleErrors)}; warnings: ${JSON.stringify(consoleWarnings)}`);
    }
    await sleep(SETTLE_POLL_MS);
  }

  mark("first_recording_open");
  // The viewer keeps ingesting after recording_open: read until every file
  // was served and the answers have not changed for --settle-ms.
  const settleEnd = Math.min(deadline, Date.now() + SETTLE_MAX_MS * Math.max(1, Math.ceil(opts.rrds.length / 4)));
  const probe = (timelines) => {
    const viewer = window.__viewer;
    const events = window.__oracle.events;
    const active = viewer.get_active_recording_id();
    const ids = [...new Set(events.map((e) => e.recording_id))];
    if (active !== null && !ids.includes(active)) ids.push(active);
    const recordings = {};
    for (const id of ids) {
      const ranges = {};
      for (const t of timelines) {
        const r = viewer.get_time_range(id, t);
        ranges[t] = r == null ? null : { min: r.min, max: r.max };
      }
      const mine = events.filter((e) => e.recording_id === id);
      recordings[id] = {
        application_id: mine.length ? mine[0].application_id : null,
        open_events: mine.length,
        timelines: ranges,
      };
    }
    const stringify = (v) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
    return {
      key: stringify([active, recordings, events.length]),
      active,
      active_timeline: active === null ? null : viewer.get_active_timeline(active),
      recordings,
      events,
    };
  };
  let last = null;
  let stableSince = Date.now();
  for (;;) {
    const now = await page.evaluate(probe, opts.timelines);
    if (viewerFailure) throw new Error(`viewer failed: ${viewerFailure}`);
    if (last === null || now.key !== last.key) stableSince = Date.now();
    last = now;
    // Every timeline asked for is in some recording (a single file: in its recording).
    const allSeen = opts.timelines.every((t) =>
      Object.values(now.recordings).some((r) => r.timelines[t] !== null));
    if (allServed() && allFinished() && allSeen && Date.now() - stableSince >= opts.settleMs) break;
    if (Date.now() >= settleEnd) break; // report what is there; the caller asserts on it
    await sleep(SETTLE_POLL_MS);
  }

  mark("settled");
  const firstOpened = last.events.length ? last.events[0].recording_id : last.active;
  const ids = Object.keys(last.recordings);
  const result = {};

  if (opts.screenshotDir) {
    await mkdir(opts.screenshotDir, { recursive: true });
    result.screenshots = {};
    for (const id of ids) {
      const out = path.join(opts.screenshotDir, `${fileNameOf(id)}.png`);
      const t = [Date.now()];
      await activate(page, id, remaining);
      t.push(Date.now());
      await pauseAtEnd(page, id);
      t.push(Date.now());
      await page.screenshot({ path: out, timeout: remaining() });
      t.push(Date.now());
      if (process.env.RR_ORACLE_DEBUG) {
        process.stderr.write(`[screenshot ${id}] activate ${t[1] - t[0]} ms, pause ${t[2] - t[1]} ms, picture ${t[3] - t[2]} ms\n`);
      }
      result.screenshots[id] = out;
    }
    mark("screenshots_taken");
  }
  if (opts.saveAs || opts.saveDir) {
    result.saved = {};
    const jobs = [];
    if (opts.saveAs && firstOpened !== null) jobs.push([firstOpened, opts.saveAs]);
    if (opts.saveDir) for (const id of ids) jobs.push([id, path.join(opts.saveDir, `${fileNameOf(id)}.rrd`)]);
    if (jobs.length === 0) throw new Error("--save-as: the viewer has no recording to save");
    for (const [id, out] of jobs) {
      await activate(page, id, remaining, 1);
      result.saved[id] = await saveActive(page, out, remaining);
    }
    mark("saved");
  }
  if (opts.screenshot) {
    // The active recording as the viewer chose it, unless the steps above
    // switched it: then back to the first recording opened.
    const rec = result.screenshots || result.saved ? firstOpened : last.active;
    if (rec !== null && rec !== last.active) await activate(page, rec, remaining);
    await pauseAtEnd(page, rec);
    await page.screenshot({ path: opts.screenshot, timeout: remaining() });
    mark("screenshot_taken");
  }

  const events = jsonSafe(last.events);
  const activeRec = last.active !== null ? last.recordings[last.active] : null;
  const emptyRanges = Object.fromEntries(opts.timelines.map((t) => [t, null]));
  return {
    recording_open: events[0],
    recording_open_events: events,
    active_recording: last.active,
    active_timeline: jsonSafe(last.active_timeline),
    timelines: jsonSafe(activeRec ? activeRec.timelines : emptyRanges),
    recordings: jsonSafe(last.recordings),
    files: opts.rrds.map((p, i) => ({ path: p, bytes_served: served[i], taken_in: finished[i] })),
    ...result,
    data_errors: dataErrors,
    console_errors: consoleErrors,
    console_warnings: consoleWarnings,
    rrd_bytes_served: allServed() ? served.reduce((a, n) => a + (n ?? 0), 0) : null,
    timing_ms: timing,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const resources = { server: null, browser: null };
  const deadline = Date.now() + opts.timeoutS * 1000;
  const cleanup = () => closeResources(resources);
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, () => { cleanup().finally(() => process.exit(1)); });
  }
  // A hard stop in case the browser stops answering entirely.
  const watchdog = setTimeout(() => {
    process.stderr.write(`viewer_oracle: timed out after ${opts.timeoutS} s\n`);
    cleanup().finally(() => process.exit(1));
  }, opts.timeoutS * 1000 + 2000);

  let code = 0;
  try {
    const result = await run(opts, resources, deadline);
    process.stdout.write(JSON.stringify(result) + "\n");
  } catch (e) {
    process.stderr.write(`viewer_oracle: ${oneLine(e && e.message || e)}\n`);
    code = 1;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  process.exit(code);
}

main();
