// The official-viewer oracle: opens an .rrd file in the official Rerun web
// viewer (npm @rerun-io/web-viewer, pinned in package.json) inside headless
// Debian Chromium, and prints what the viewer saw as one line of JSON. What
// this viewer accepts, the official tools accept, so interop tests assert on
// its output rather than on our own reader's.
//
//   node viewer_oracle.mjs FILE.rrd [--screenshot OUT.png] [--timeline NAME]...
//                          [--timeout SECONDS] [--chromium PATH]
//
// stdout, on success (exit 0), one line:
//   {"recording_open": {application_id, recording_id, source, version, ...},
//    "recording_open_events": [...every recording_open event, in order...],
//    "active_recording": "...", "active_timeline": "..." | null,
//    "timelines": {"NAME": {"min": .., "max": ..} | null, ...},
//    "data_errors": [...], "console_errors": [...], "console_warnings": [...],
//    "rrd_bytes_served": N}
// data_errors are the console lines in which the viewer says it could not
// decode the data (before recording_open they fail the run at once).
// Time values are as the viewer returns them: JS numbers (doubles), so
// nanosecond timestamps past 2^53 come back rounded to the nearest double;
// compare them with Number(BigInt(expected)). (Should a viewer return
// BigInts, they are printed as numbers when exact and as strings otherwise.)
// On failure or timeout: exit 1 and one line on stderr saying why.
//
// How it runs (see ../../../shared/INTEROP.md): a static HTTP server on
// 127.0.0.1 serves the viewer package, a small page and the file; Chromium is
// driven by playwright-core; every request to any other host is aborted so the
// run is hermetic (the viewer's fetch of its online example list fails, as
// expected without a network).

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VIEWER_DIR = path.join(HERE, "node_modules", "@rerun-io", "web-viewer");
const CHROMIUM_FLAGS = [
  "--no-sandbox", // CI runs as root, where Chromium's sandbox cannot start
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--enable-unsafe-swiftshader", // WebGL on the CPU: the viewer renders with it
  "--use-angle=swiftshader",
];
const VIEW_WIDTH = 1280;
const VIEW_HEIGHT = 720;
// After recording_open, the time ranges are read until they stop changing:
// the viewer ingests chunks after it announces the recording.
const SETTLE_POLL_MS = 200;
const SETTLE_STABLE_MS = 1000;
const SETTLE_MAX_MS = 15000;

// How the viewer (its Rust log, forwarded to the console as warnings) says
// it could not decode the data, e.g. "WARN re_viewer::app: Data source has
// left unexpectedly: Failed to decode .rrd file: Codec error: ...".
const DATA_ERROR = /Data source has left unexpectedly|Failed to decode|Codec error/i;

const MIME = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
};

function usage(msg) {
  if (msg) process.stderr.write(`viewer_oracle: ${msg}\n`);
  process.stderr.write(
    "usage: node viewer_oracle.mjs FILE.rrd [--screenshot OUT.png] [--timeline NAME]... " +
      "[--timeout SECONDS] [--chromium PATH]\n");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { rrd: null, screenshot: null, timelines: [], timeoutS: 60, chromium: "/usr/bin/chromium" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === "--screenshot") opts.screenshot = value();
    else if (a === "--timeline") opts.timelines.push(value());
    else if (a === "--timeout") opts.timeoutS = Number(value());
    else if (a === "--chromium") opts.chromium = value();
    else if (a === "-h" || a === "--help") usage();
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else if (opts.rrd === null) opts.rrd = a;
    else usage(`unexpected argument ${a}`);
  }
  if (opts.rrd === null) usage("no .rrd file given");
  if (!(opts.timeoutS > 0)) usage("--timeout must be a positive number of seconds");
  return opts;
}

// The page: starts the viewer on the file and keeps what it reports in
// window.__oracle for the driver to read.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>rerun-c viewer oracle</title>
<style>html,body{margin:0;padding:0;background:#000}#viewer{width:${VIEW_WIDTH}px;height:${VIEW_HEIGHT}px}</style>
</head><body><div id="viewer"></div>
<script type="module">
  const state = window.__oracle = { events: [], started: false, start_error: null };
  try {
    const { WebViewer } = await import("/viewer/index.js");
    const viewer = window.__viewer = new WebViewer();
    viewer.on("recording_open", (e) => state.events.push(e));
    await viewer.start(new URL("/data/recording.rrd", location.href).href, document.getElementById("viewer"),
      { width: "${VIEW_WIDTH}px", height: "${VIEW_HEIGHT}px", hide_welcome_screen: true });
    state.started = true;
  } catch (e) {
    state.start_error = String(e && e.stack || e);
  }
</script></body></html>
`;

function startServer(rrdPath, onRrdServed) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const send = (code, type, body) => {
      res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    try {
      if (url.pathname === "/" || url.pathname === "/index.html") {
        return send(200, MIME[".html"], PAGE);
      }
      if (url.pathname === "/data/recording.rrd") {
        const body = await readFile(rrdPath);
        res.on("finish", () => onRrdServed(body.length));
        return send(200, "application/octet-stream", body);
      }
      if (url.pathname.startsWith("/viewer/")) {
        let name = url.pathname.slice("/viewer/".length);
        // index.js imports "./re_viewer" without an extension (written for bundlers).
        if (name === "re_viewer") name = "re_viewer.js";
        if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
          return send(404, "text/plain", "not found");
        }
        const file = path.join(VIEWER_DIR, name);
        const type = MIME[path.extname(file)];
        if (!type || !existsSync(file)) return send(404, "text/plain", "not found");
        return send(200, type, await readFile(file));
      }
      return send(404, "text/plain", "not found");
    } catch (e) {
      return send(500, "text/plain", String(e));
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

// Numbers stay numbers while exact; BigInts and unsafe integers become strings.
function jsonSafe(value) {
  return JSON.parse(JSON.stringify(value ?? null, (_k, v) => {
    if (typeof v === "bigint") {
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v) : v.toString();
    }
    return v;
  }));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const oneLine = (s) => String(s).replace(/\s+/g, " ").trim().slice(0, 2000);

async function run(opts, resources, deadline) {
  const rrdStat = await stat(opts.rrd).catch(() => null);
  if (!rrdStat || !rrdStat.isFile()) throw new Error(`cannot read ${opts.rrd}`);
  if (!existsSync(path.join(VIEWER_DIR, "index.js"))) {
    throw new Error(`viewer package missing at ${VIEWER_DIR}: run scripts/install-deps`);
  }
  if (!existsSync(opts.chromium)) throw new Error(`no Chromium at ${opts.chromium}`);
  const { chromium } = await import("playwright-core");

  let rrdServed = null;
  resources.server = await startServer(opts.rrd, (n) => { rrdServed = n; });
  const origin = `http://127.0.0.1:${resources.server.address().port}`;

  // launch() gives the browser a fresh, empty temporary profile and deletes it on close.
  resources.browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: Math.max(1000, deadline - Date.now()),
  });
  const page = await resources.browser.newPage({ viewport: { width: VIEW_WIDTH, height: VIEW_HEIGHT } });

  const consoleErrors = [];
  const consoleWarnings = [];
  let viewerFailure = null;
  const dataErrors = [];
  page.on("console", (msg) => {
    const text = oneLine(msg.text());
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
  await page.route("**/*", (route) => {
    const u = new URL(route.request().url());
    return u.origin === origin ? route.continue() : route.abort("internetdisconnected");
  });

  const remaining = () => Math.max(1, deadline - Date.now());
  await page.goto(`${origin}/`, { timeout: remaining() });

  // Wait for the first recording_open (or a failure of the viewer).
  let state;
  let servedAt = null;
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
    // whole file was served rather than at the deadline.
    if (rrdServed !== null && servedAt === null) servedAt = Date.now();
    const gaveUp = servedAt !== null && Date.now() - servedAt > SETTLE_MAX_MS;
    if (gaveUp || Date.now() > deadline) {
      throw new Error((gaveUp
        ? `no recording_open ${SETTLE_MAX_MS / 1000} s after the whole file (${rrdServed} bytes) was served`
        : `timed out waiting for recording_open (file served: ${rrdServed !== null})`) +
        `; console errors: ${JSON.stringify(consoleErrors)}; warnings: ${JSON.stringify(consoleWarnings)}`);
    }
    await sleep(SETTLE_POLL_MS);
  }

  // The viewer keeps ingesting after recording_open: read until the whole
  // file was served and the answers have not changed for SETTLE_STABLE_MS.
  const settleEnd = Math.min(deadline, Date.now() + SETTLE_MAX_MS);
  const probe = (timelines) => {
    const viewer = window.__viewer;
    const rec = viewer.get_active_recording_id();
    const ranges = {};
    for (const t of timelines) {
      const r = rec === null ? null : viewer.get_time_range(rec, t);
      ranges[t] = r == null ? null : { min: r.min, max: r.max };
    }
    const stringify = (v) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
    return {
      key: stringify([rec, ranges, window.__oracle.events.length]),
      rec,
      active_timeline: rec === null ? null : viewer.get_active_timeline(rec),
      ranges,
      events: window.__oracle.events,
    };
  };
  let last = null;
  let stableSince = Date.now();
  for (;;) {
    const now = await page.evaluate(probe, opts.timelines);
    if (viewerFailure) throw new Error(`viewer failed: ${viewerFailure}`);
    if (last === null || now.key !== last.key) stableSince = Date.now();
    last = now;
    const allSeen = opts.timelines.every((t) => now.ranges[t] !== null);
    if (rrdServed !== null && allSeen && Date.now() - stableSince >= SETTLE_STABLE_MS) break;
    if (Date.now() >= settleEnd) break; // report what is there; the caller asserts on it
    await sleep(SETTLE_POLL_MS);
  }

  if (opts.screenshot) {
    // The viewer starts playing the recording: pause it at the end of the
    // active timeline so the picture does not depend on timing, then wait two animation frames so it is painted.
    await page.evaluate(() => {
      const viewer = window.__viewer;
      const rec = viewer.get_active_recording_id();
      if (rec !== null) {
        viewer.set_playing(rec, false);
        const timeline = viewer.get_active_timeline(rec);
        const range = timeline === null ? null : viewer.get_time_range(rec, timeline);
        if (range) viewer.set_current_time(rec, timeline, range.max);
      }
      return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    });
    await page.screenshot({ path: opts.screenshot, timeout: remaining() });
  }

  const events = jsonSafe(last.events);
  return {
    recording_open: events[0],
    recording_open_events: events,
    active_recording: last.rec,
    active_timeline: jsonSafe(last.active_timeline),
    timelines: jsonSafe(last.ranges),
    data_errors: dataErrors,
    console_errors: consoleErrors,
    console_warnings: consoleWarnings,
    rrd_bytes_served: rrdServed,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const resources = { server: null, browser: null };
  const deadline = Date.now() + opts.timeoutS * 1000;
  const cleanup = async () => {
    const b = resources.browser;
    resources.browser = null;
    if (b) await Promise.race([b.close().catch(() => {}), sleep(5000)]);
    const s = resources.server;
    resources.server = null;
    if (s) { s.closeAllConnections?.(); s.close(); }
  };
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
