// Load time of an .rrd in the browser: our Wasm viewer (scripts/build-web's
// rerun_web.js, the WebViewer-shaped API) beside the official viewer
// (@rerun-io/web-viewer 0.33.0), in the same headless Chromium, each file
// served over HTTP on loopback by this script. For every file, viewer and
// run: a fresh browser context and page, the viewer started with no data
// (its Wasm loaded and running: not timed), then open(url) and, measured in
// the page from that call (performance.now, polled every 20 ms):
//   open    the recording_open event
//   loaded  get_time_range(rec, "frame").max reaching the file's last frame:
//           bench_viewer_load --gen writes a marker at that frame as the very
//           last row of the file, and both viewers ingest a stream in order,
//           so it is there only once every byte before it went in. The same
//           signal for both viewers; ours also reports when its `loading`
//           getter turned false (idle).
// The HTTP server notes when the request came and when the whole body was
// sent (net). The official viewer (egui) acts on open() only in a frame and
// draws frames on input: right after open() the pointer moves over the
// page (real input, as a user's; both viewers get it), else it would not
// even fetch the file. Its recording_open comes 2-28 s after the request
// on this kind of machine (its first frames with data on SwiftShader).
// Medians over --runs runs; a table goes to stdout, every run as JSON to
// --json. BENCH_DEBUG=1 echoes the pages' console and requests.
//
//   node bench_viewer_load.mjs --web-dir DIR [--runs 3] [--timeout S]
//        [--json OUT] [--only ours|official] FILE.rrd:LAST_FRAME...
import { createServer } from "node:http";
import { createReadStream, existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { VIEWER_DIR, closeResources, keepHermetic, launchChromium, oneLine, requireViewerPackage, sleep, viewerPageHtml } from "./lib/viewer_harness.mjs";

function usage(msg) {
  process.stderr.write(`bench_viewer_load: ${msg}\nusage: node bench_viewer_load.mjs --web-dir DIR [--runs N] [--timeout S] [--json OUT] FILE.rrd:LAST_FRAME...\n`);
  process.exit(2);
}

const opts = { webDir: null, runs: 3, timeoutS: 600, json: null, files: [], viewers: ["ours", "official"] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  if (a === "--web-dir") opts.webDir = value();
  else if (a === "--runs") opts.runs = Number(value());
  else if (a === "--timeout") opts.timeoutS = Number(value());
  else if (a === "--json") opts.json = value();
  else if (a === "--only") opts.viewers = [value()];
  else if (a.startsWith("-")) usage(`unknown option ${a}`);
  else {
    const m = a.match(/^(.*):(\d+)$/);
    if (!m) usage(`${a}: expected FILE.rrd:LAST_FRAME`);
    opts.files.push({ path: path.resolve(m[1]), last: Number(m[2]) });
  }
}
if (!opts.webDir || !opts.files.length || !(opts.runs >= 1)) usage("--web-dir and at least one FILE:LAST_FRAME are needed");
requireViewerPackage();
for (const f of ["rerun_web.js", "rerun_viewer.js", "rerun_viewer.wasm"]) {
  if (!existsSync(path.join(opts.webDir, f))) usage(`${opts.webDir} has no ${f} (scripts/build-web DIR)`);
}

const W = 960, H = 640;
const MIME = { ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm", ".html": "text/html; charset=utf-8" };

// The page's part: start the viewer with nothing, then window.benchOpen(url,
// last) opens the file and records the milestones in window.bench.
const pageScript = (importLine, startLine) => `
${importLine}
const viewer = new WebViewer();
window.viewer = viewer;
window.bench = { ready: false };
viewer.on("recording_open", (e) => { if (window.bench.t0 != null && window.bench.open == null) { window.bench.open = performance.now() - window.bench.t0; window.bench.rec = e.recording_id; } });
${startLine}
window.benchOpen = (url, last) => {
  const b = window.bench;
  b.t0 = performance.now();
  viewer.open(url);
  // A frame for the official viewer to act on open() in (the pointer moves
  // that follow, from playwright, are what reliably wakes it).
  const canvas = document.querySelector("canvas");
  canvas?.dispatchEvent(new PointerEvent("pointermove", { clientX: 10, clientY: 10, bubbles: true }));
  window.dispatchEvent(new Event("resize"));
  const tick = () => {
    const now = performance.now() - b.t0;
    try {
      const rec = b.rec ?? viewer.get_active_recording_id?.();
      if (rec) {
        if (b.open == null) b.open = now; // the event may come after the state
        const r = viewer.get_time_range(rec, "frame");
        if (r && b.loaded == null && Number(r.max) >= last) b.loaded = now;
        if (r) b.max = Number(r.max);
      }
      if ("loading" in viewer && b.open != null && b.loaded != null && b.idle == null && !viewer.loading) b.idle = now;
    } catch (e) { b.error = String(e); }
    if (b.loaded == null || ("loading" in viewer && b.idle == null)) setTimeout(tick, 20);
  };
  setTimeout(tick, 0);
};
window.bench.ready = true;
`;

const PAGES = {
  official: viewerPageHtml({
    title: "official", width: W, height: H,
    script: pageScript(`import { WebViewer } from "/viewer/index.js";`,
      `await viewer.start(null, document.getElementById("viewer"), { width: "${W}px", height: "${H}px", hide_welcome_screen: true });`),
  }),
  ours: viewerPageHtml({
    title: "ours", width: W, height: H,
    script: pageScript(`import { WebViewer } from "/ours/rerun_web.js";`,
      `await viewer.start(null, document.getElementById("viewer"), { width: "${W}px", height: "${H}px" });`),
  }),
};

// Static server: the two pages, both viewers' files, the recordings
// (streamed, with Content-Length; Range answered when asked).
const served = new Map(); // "/data/i" → {requests, bytes, sentAt}
function startServer() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const p = url.pathname;
    const send = (code, type, body) => { res.writeHead(code, { "content-type": type, "cache-control": "no-store" }); res.end(body); };
    if (p === "/official.html") return send(200, MIME[".html"], PAGES.official);
    if (p === "/ours.html") return send(200, MIME[".html"], PAGES.ours);
    let file = null;
    if (p.startsWith("/viewer/")) {
      let name = p.slice(8);
      if (name === "re_viewer") name = "re_viewer.js";
      if (!name.includes("/") && !name.startsWith(".")) file = path.join(VIEWER_DIR, name);
    } else if (p.startsWith("/ours/")) {
      const name = p.slice(6);
      if (!name.includes("/") && !name.startsWith(".")) file = path.join(opts.webDir, name);
    } else if (p.startsWith("/data/")) {
      const i = Number(p.slice(6).replace(/\.rrd$/, ""));
      const f = opts.files[i];
      if (!f) return send(404, "text/plain", "not found");
      const size = statSync(f.path).size;
      const note = served.get(p) ?? { requests: 0, bytes: 0, sentAt: null, reqAt: null, ranges: [] };
      served.set(p, note);
      note.requests++;
      note.reqAt ??= performance.now();
      let start = 0, end = size - 1, code = 200;
      const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
      if (m) {
        code = 206;
        if (m[1] === "") { start = Math.max(0, size - Number(m[2])); } else { start = Number(m[1]); if (m[2] !== "") end = Math.min(size - 1, Number(m[2])); }
        note.ranges.push(`${start}-${end}`);
      }
      const headers = { "content-type": "application/octet-stream", "content-length": String(end - start + 1), "accept-ranges": "bytes", "cache-control": "no-store" };
      if (code === 206) headers["content-range"] = `bytes ${start}-${end}/${size}`;
      res.writeHead(code, headers);
      const s = createReadStream(f.path, { start, end, highWaterMark: 1 << 20 });
      s.on("data", (d) => (note.bytes += d.length));
      res.on("finish", () => (note.sentAt = performance.now()));
      return s.pipe(res);
    }
    if (!file || !existsSync(file)) return send(404, "text/plain", "not found");
    const type = MIME[path.extname(file)];
    if (!type) return send(404, "text/plain", "not found");
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const resources = { browser: null, server: null };

async function oneRun(base, viewer, fi) {
  const f = opts.files[fi];
  const ctx = await resources.browser.newContext({ viewport: { width: W, height: H } });
  const page = await ctx.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(oneLine(m.text())); });
  page.on("pageerror", (e) => consoleErrors.push(oneLine(e.message)));
  page.on("crash", () => consoleErrors.push("page crashed"));
  if (process.env.BENCH_DEBUG) {
    page.on("console", (m) => process.stderr.write(`  [${viewer} console ${m.type()}] ${oneLine(m.text()).slice(0, 300)}\n`));
    page.on("request", (r) => process.stderr.write(`  [${viewer} request] ${r.method()} ${r.url()}\n`));
  }
  await keepHermetic(page, base);
  const result = { viewer, file: path.basename(f.path), bytes: statSync(f.path).size, open: null, loaded: null, idle: null, net: null };
  try {
    await page.goto(`${base}/${viewer}.html`, { timeout: 120000 });
    await page.waitForFunction(() => window.bench?.ready === true, null, { timeout: 120000, polling: 100 });
    const dataPath = `/data/${fi}.rrd`;
    served.delete(dataPath);
    const tNode0 = performance.now();
    await page.evaluate(([url, last]) => window.benchOpen(url, last), [`${base}${dataPath}`, f.last]);
    await page.mouse.move(W / 2, H / 2);
    await page.mouse.move(W / 2 + 5, H / 2 + 5);
    const deadline = Date.now() + opts.timeoutS * 1000;
    let b = null;
    for (;;) {
      b = await page.evaluate(() => window.bench).catch((e) => ({ error: String(e) }));
      const done = b.loaded != null && (viewer !== "ours" || b.idle != null);
      if (done || b.error || page.isClosed() || Date.now() > deadline) break;
      await sleep(250);
    }
    if (process.env.BENCH_DEBUG) process.stderr.write(`  [${viewer}] bench ${JSON.stringify(b)} served ${JSON.stringify(served.get(dataPath) ?? null)}\n`);
    Object.assign(result, { open: b.open ?? null, loaded: b.loaded ?? null, idle: b.idle ?? null, max: b.max ?? null });
    if (b.error) result.error = b.error;
    if (b.loaded == null && !b.error) result.error = `not loaded after ${opts.timeoutS} s (time range max ${b.max ?? "none"}, want ${f.last})`;
    const note = served.get(dataPath);
    if (note) {
      result.net = note.sentAt != null ? note.sentAt - tNode0 : null;
      result.request = note.reqAt != null ? note.reqAt - tNode0 : null;
      result.requests = note.requests;
      result.served_bytes = note.bytes;
      if (note.ranges.length) result.ranges = note.ranges;
    }
  } catch (e) {
    result.error = oneLine(e?.message ?? e);
  }
  if (consoleErrors.length) result.console_errors = consoleErrors.slice(0, 5);
  await ctx.close().catch(() => {});
  return result;
}

const median = (v) => {
  const s = v.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms == null ? "   -   " : ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
const ratio = (a, b) => (a == null || b == null || a === 0 ? "  -  " : `${(b / a).toFixed(2)}x`);

async function main() {
  resources.server = await startServer();
  const base = `http://127.0.0.1:${resources.server.address().port}`;
  resources.browser = await launchChromium("/usr/bin/chromium", 60000);
  const runs = [];
  for (let fi = 0; fi < opts.files.length; fi++) {
    for (let r = 0; r < opts.runs; r++) {
      for (const viewer of opts.viewers) {
        const res = await oneRun(base, viewer, fi);
        res.run = r;
        runs.push(res);
        process.stderr.write(`${res.file} ${viewer} run ${r}: open ${fmt(res.open)} loaded ${fmt(res.loaded)}${viewer === "ours" ? ` idle ${fmt(res.idle)}` : ""} net ${fmt(res.net)}${res.error ? ` ERROR ${res.error}` : ""}\n`);
        if (opts.json) writeFileSync(opts.json, JSON.stringify(runs, null, 1));
      }
    }
  }
  const ua = await resources.browser.version();
  console.log(`Chromium ${ua}, headless, SwiftShader WebGL; medians of ${opts.runs} runs; times from open(url)`);
  console.log(`${"file".padEnd(22)} ${"MB".padStart(7)} | ${"open: ours".padStart(11)} ${"official".padStart(9)} ${"ratio".padStart(6)} | ${"loaded: ours".padStart(13)} ${"official".padStart(9)} ${"ratio".padStart(6)} | ${"ours idle".padStart(9)} | MB/s ours / official`);
  for (let fi = 0; fi < opts.files.length; fi++) {
    const f = opts.files[fi];
    const mb = statSync(f.path).size / 1e6;
    const of = (v, k) => median(runs.filter((x) => x.file === path.basename(f.path) && x.viewer === v && !x.error).map((x) => x[k]));
    const o = { open: of("ours", "open"), loaded: of("ours", "loaded"), idle: of("ours", "idle") };
    const t = { open: of("official", "open"), loaded: of("official", "loaded") };
    const mbs = (ms) => (ms == null ? "-" : (mb / (ms / 1000)).toFixed(1));
    console.log(`${path.basename(f.path).padEnd(22)} ${mb.toFixed(1).padStart(7)} | ${fmt(o.open).padStart(11)} ${fmt(t.open).padStart(9)} ${ratio(o.open, t.open).padStart(6)} | ${fmt(o.loaded).padStart(13)} ${fmt(t.loaded).padStart(9)} ${ratio(o.loaded, t.loaded).padStart(6)} | ${fmt(o.idle).padStart(9)} | ${mbs(o.loaded)} / ${mbs(t.loaded)}`);
    for (const v of opts.viewers) {
      const bad = runs.filter((x) => x.file === path.basename(f.path) && x.viewer === v && x.error);
      for (const x of bad) console.log(`  ${v} run ${x.run}: ${x.error}${x.console_errors ? ` (console: ${x.console_errors.join(" | ")})` : ""}`);
    }
  }
  console.log(`ratio = official time / ours (> 1: ours faster)`);
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench_viewer_load: ${oneLine(e?.stack ?? e)}\n`);
  process.exitCode = 1;
} finally {
  await closeResources(resources);
}
