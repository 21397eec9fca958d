// Our browser viewer in headless Chromium: starts `rerun --serve-web FILE`
// (the Wasm viewer built by scripts/build-web), opens its page, waits until
// the recording loaded, and prints what the page's WebViewer API reports as
// one line of JSON, in the shape tests/js/viewer_oracle.mjs prints for the
// official viewer, so a test can compare the two:
//   {"recording_open": {...}, "recording_open_events": [...],
//    "active_recording": "...", "active_timeline": "..." | null,
//    "timelines": {"NAME": {"min", "max"} | null}, "canvas": {"width",
//    "height", "distinct_pixels"}, "api": {timeline, range, at_start, playing,
//    after_play, played_s (how long it played), events: [types]}, "channel": {the same file sent through
//    open_channel after close(): rec, ranges, error, right_hidden /
//    right_back: the selection panel's rect after override_panel_state,
//    dropped: {rec, ranges} of the same bytes dropped on the canvas as a file},
//    "console_errors": [...]}
// distinct_pixels counts canvas pixels unlike its most common colour (the
// background): > 0 when something was drawn.
//
//   node viewer_web_check.mjs --rerun PATH --web-dir DIR FILE.rrd
//        [--timeline NAME]... [--screenshot OUT.png] [--timeout SECONDS]
// Exit 0 with the JSON on stdout, 1 with the reason on stderr.
import { spawn } from "node:child_process";
import { closeResources, jsonSafe, launchChromium, keepHermetic, oneLine, sleep } from "./lib/viewer_harness.mjs";

function usage(msg) {
  process.stderr.write(`viewer_web_check: ${msg}\nusage: node viewer_web_check.mjs --rerun PATH --web-dir DIR FILE.rrd [--timeline NAME]... [--screenshot OUT.png] [--timeout S]\n`);
  process.exit(2);
}

const opts = { rerun: null, webDir: null, file: null, timelines: [], screenshot: null, timeoutS: 45 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  if (a === "--rerun") opts.rerun = value();
  else if (a === "--web-dir") opts.webDir = value();
  else if (a === "--timeline") opts.timelines.push(value());
  else if (a === "--screenshot") opts.screenshot = value();
  else if (a === "--timeout") opts.timeoutS = Number(value());
  else if (a.startsWith("-")) usage(`unknown option ${a}`);
  else if (opts.file) usage("one file only");
  else opts.file = a;
}
if (!opts.rerun || !opts.webDir || !opts.file) usage("--rerun, --web-dir and a file are needed");

const deadline = Date.now() + opts.timeoutS * 1000;
const resources = { browser: null, server: null };
let child = null;

function fail(msg) {
  process.stderr.write(`viewer_web_check: ${oneLine(msg)}\n`);
  process.exitCode = 1;
}

// Starts the server; resolves with its http://127.0.0.1:PORT/ URL.
function startServer() {
  return new Promise((resolve, reject) => {
    child = spawn(opts.rerun, ["--serve-web", opts.file, "--web-port", "0", "--web-dir", opts.webDir],
                  { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => reject(new Error(`rerun --serve-web exited ${code}: ${err}`)));
    child.on("error", reject);
  });
}

async function main() {
  const base = await startServer();
  resources.browser = await launchChromium("/usr/bin/chromium", deadline - Date.now());
  const page = await resources.browser.newPage({ viewport: { width: 640, height: 480 } });
  const consoleErrors = [];
  const consoleOther = [];
  page.on("console", (m) => (m.type() === "error" ? consoleErrors : consoleOther).push(oneLine(m.text())));
  page.on("pageerror", (e) => consoleErrors.push(oneLine(e.message)));
  await keepHermetic(page, new URL(base).origin);
  await page.goto(base, { timeout: Math.max(1000, deadline - Date.now()) });

  // Loaded: a recording is open, the file streamed in completely, and the
  // reported state stayed the same for a second. A --timeline the recording
  // lacks is reported as null.
  let last = null, stableSince = 0, state = null;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`timed out; last state ${JSON.stringify(state)}; console errors: ${consoleErrors.join(" | ")}; console: ${consoleOther.slice(-10).join(" | ")}`);
    state = await page.evaluate((timelines) => {
      const v = window.rerunViewer;
      const events = window.rerunEvents ?? [];
      if (!v || !v.ready) return { events };
      const rec = v.get_active_recording_id();
      const ranges = {};
      for (const t of timelines) ranges[t] = rec ? v.get_time_range(rec, t) : null;
      return { events, rec, loading: v.loading, timeline: rec ? v.get_active_timeline(rec) : null, ranges };
    }, opts.timelines);
    const key = JSON.stringify(state);
    const complete = state.rec && !state.loading;
    if (key !== last) { last = key; stableSince = Date.now(); }
    else if (complete && Date.now() - stableSince >= 1000) break;
    await sleep(200);
  }
  const canvas = await page.evaluate(() => {
    const c = document.querySelector("canvas");
    const tmp = document.createElement("canvas");
    tmp.width = c.width; tmp.height = c.height;
    const g = tmp.getContext("2d");
    g.drawImage(c, 0, 0);
    const px = new Uint32Array(g.getImageData(0, 0, c.width, c.height).data.buffer);
    const counts = new Map();
    for (const p of px) counts.set(p, (counts.get(p) ?? 0) + 1);
    let bg = 0, most = -1;
    for (const [p, n] of counts) if (n > most) { most = n; bg = p; }
    return { width: c.width, height: c.height, distinct_pixels: px.length - most, background: bg >>> 0 };
  });
  if (opts.screenshot) await page.locator("canvas").screenshot({ path: opts.screenshot });
  // The time controls through the API: jump to the start, play a while,
  // pause; the events the page saw and the times it reads back.
  const api = await page.evaluate(async () => {
    const v = window.rerunViewer;
    const rec = v.get_active_recording_id();
    const tl = v.get_active_timeline(rec);
    if (!tl) return null;
    const range = v.get_time_range(rec, tl);
    const mark = window.rerunEvents.length;
    v.set_current_time(rec, tl, range.min);
    const at_start = v.get_current_time(rec, tl);
    const t_play = performance.now();
    v.set_playing(rec, true);
    const playing = v.get_playing(rec);
    await new Promise((r) => setTimeout(r, 400));
    v.set_playing(rec, false);
    // What really passed: a busy machine fires the timer late.
    const played_s = (performance.now() - t_play) / 1000;
    const after_play = v.get_current_time(rec, tl);
    await new Promise((r) => setTimeout(r, 300)); // the events go out on the next poll
    return { timeline: tl, range, at_start, playing, after_play, played_s, selftest: v.selftest(),
             events: window.rerunEvents.slice(mark).map((e) => e.type) };
  });
  // The same bytes through a LogChannel (open_channel) after closing the
  // URL; then the selection panel hidden and shown again through
  // override_panel_state, read back from the shell's layout.
  const channel = await page.evaluate(async (timelines) => {
    const v = window.rerunViewer;
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    const url = new URLSearchParams(location.search).get("url");
    v.close(url);
    const emptied = v.get_active_recording_id();
    const ch = v.open_channel("test channel");
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    for (let i = 0; i < bytes.length; i += 777) ch.send_rrd(bytes.subarray(i, i + 777));
    const ready_before_close = ch.ready;
    ch.close();
    await wait(300);
    const rec = v.get_active_recording_id();
    const ranges = {};
    for (const t of timelines) ranges[t] = rec ? v.get_time_range(rec, t) : null;
    v.override_panel_state("selection", "hidden");
    await wait(300);
    const right_hidden = v.layout().right;
    v.override_panel_state("selection", null);
    await wait(300);
    const right_back = v.layout().right;
    // and dropped on the canvas as a file
    v.close(url);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "dropped.rrd"));
    document.querySelector("canvas").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    for (let i = 0; i < 50 && (!v.get_active_recording_id() || v.loading); i++) await wait(100);
    const dropped = { rec: v.get_active_recording_id(), ranges: {} };
    for (const t of timelines) dropped.ranges[t] = dropped.rec ? v.get_time_range(dropped.rec, t) : null;
    return { emptied, ready_before_close, ready_after_close: ch.ready, rec, ranges, loading: v.loading,
             error: v.error, right_hidden, right_back, dropped };
  }, opts.timelines);
  const opened = state.events.filter((e) => e.type === "recording_open");
  const out = {
    recording_open: opened[0] ?? null,
    recording_open_events: opened,
    active_recording: state.rec,
    active_timeline: state.timeline,
    timelines: state.ranges,
    canvas,
    api,
    channel,
    console_errors: consoleErrors,
  };
  process.stdout.write(JSON.stringify(jsonSafe(out)) + "\n");
}

try {
  await main();
} catch (e) {
  fail(e?.stack ?? e);
} finally {
  await closeResources(resources);
  if (child && child.exitCode === null) child.kill("SIGTERM");
}
