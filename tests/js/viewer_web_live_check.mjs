// Our browser viewer on a live stream, in headless Chromium: opens a page of
// `rerun --serve-web` whose source is a message proxy
// (rerun+http://HOST:PORT/proxy, read with gRPC-web), optionally tells the
// caller when the viewer is up (so it can start streaming only then), waits
// until the recording --recording has arrived and stayed the same for a
// while, and prints what the page's WebViewer API reports as one line of
// JSON:
//   {"recording": {recording_id, application_id, source, version} | null,
//    "active_recording", "timelines": {"step": {"min", "max"} | null, ...},
//    "error": the viewer's banner, "interaction": {...} | null,
//    "pixels": {layout, top_bar, left, right, bottom: [r, g, b] near each
//    panel's bottom edge, view: {names, distinct, red, green} over the views
//    shown} | null, "console_errors": [...]}
// --interact presses Space on the canvas (the shell's play/pause key) and
// reports the time and playing state the API reads before and after; with
// --click-recording ID it then clicks that recording's row in the shell's
// left panel and reports the active recording before and after;
// --screenshot saves the canvas and reports a few of its pixels by where the
// shell's layout put the panels (WebViewer.layout()).
//
//   node viewer_web_live_check.mjs --page URL --recording ID [--ready-file F]
//        [--interact [--click-recording ID]] [--screenshot OUT.png] [--dpr N]
//        [--timeout SECONDS]
// --dpr sets the page's device pixel ratio (HiDPI). --bad-proxy URL opens a
// proxy nobody serves at the end and reports {error, banner} as bad_proxy.
// --fake-proxy FILE.rrd serves the file's messages from a gRPC-web
// ReadMessages of our own (written here, independently of the viewer:
// ReadMessagesResponse frames cut into odd-sized network chunks, then a
// trailer frame with grpc-status 8), opens it in the page and reports what
// arrived and what the banner says as fake_proxy.
// Exit 0 with the JSON on stdout, 1 with the reason on stderr.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { closeResources, jsonSafe, launchChromium, keepHermetic, oneLine, sleep } from "./lib/viewer_harness.mjs";

function usage(msg) {
  process.stderr.write(`viewer_web_live_check: ${msg}\nusage: node viewer_web_live_check.mjs --page URL --recording ID [--ready-file F] [--interact] [--screenshot OUT.png] [--timeout S]\n`);
  process.exit(2);
}

const opts = { page: null, recording: null, readyFile: null, interact: false, clickRecording: null, screenshot: null, dpr: 1, badProxy: null, fakeProxy: null, timeoutS: 40 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  if (a === "--page") opts.page = value();
  else if (a === "--recording") opts.recording = value();
  else if (a === "--ready-file") opts.readyFile = value();
  else if (a === "--interact") opts.interact = true;
  else if (a === "--click-recording") opts.clickRecording = value();
  else if (a === "--screenshot") opts.screenshot = value();
  else if (a === "--dpr") opts.dpr = Number(value());
  else if (a === "--bad-proxy") opts.badProxy = value();
  else if (a === "--fake-proxy") opts.fakeProxy = value();
  else if (a === "--timeout") opts.timeoutS = Number(value());
  else usage(`unknown argument ${a}`);
}
if (!opts.page || !opts.recording) usage("--page and --recording are needed");

const deadline = Date.now() + opts.timeoutS * 1000;

// The .rrd's messages as gRPC-web frames of ReadMessagesResponse {LogMsg
// log_msg = 1}, the LogMsg's oneof field being the frame kind (1
// SetStoreInfo, 2 ArrowMsg, 3 BlueprintActivationCommand), then a trailer
// frame saying RESOURCE_EXHAUSTED.
function grpcWebBody(file) {
  const data = readFileSync(file);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const varint = (n) => {
    const out = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
    return Buffer.from(out);
  };
  const field = (num, bytes) => Buffer.concat([varint((num << 3) | 2), varint(bytes.length), bytes]);
  const frame = (flag, bytes) => {
    const h = Buffer.alloc(5);
    h[0] = flag;
    h.writeUInt32BE(bytes.length, 1);
    return Buffer.concat([h, bytes]);
  };
  const frames = [];
  for (let pos = 0; pos < data.length;) {
    if (data.subarray(pos, pos + 4).toString("latin1") === "RRF2") { pos += 12; continue; }
    const kind = Number(view.getBigUint64(pos, true));
    const len = Number(view.getBigUint64(pos + 8, true));
    const body = data.subarray(pos + 16, pos + 16 + len);
    pos += 16 + len;
    if (kind === 0) {
      if (data.subarray(pos + 20, pos + 28).toString("latin1") === "RRF2FOOT") pos += 32;
      continue;
    }
    frames.push(frame(0, field(1, field(kind, body))));
  }
  frames.push(frame(0x80, Buffer.from("grpc-status:8\r\ngrpc-message:reader%20too%20slow\r\n")));
  return Buffer.concat(frames);
}

function startFakeProxy(file) {
  const body = grpcWebBody(file);
  const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type, x-grpc-web, x-user-agent",
                 "access-control-allow-methods": "POST, OPTIONS", "access-control-expose-headers": "grpc-status, grpc-message" };
  const server = createServer((req, res) => {
    if (req.method === "OPTIONS") { res.writeHead(204, cors); res.end(); return; }
    if (req.method !== "POST" || !req.url.endsWith("/rerun.sdk_comms.v1alpha1.MessageProxyService/ReadMessages")) {
      res.writeHead(404, cors); res.end(); return;
    }
    req.resume();
    res.writeHead(200, { ...cors, "content-type": "application/grpc-web+proto" });
    // odd-sized pieces, a few milliseconds apart: frames and headers cut anywhere
    let at = 0, n = 1;
    const next = () => {
      if (at >= body.length) { res.end(); return; }
      const k = Math.min(body.length - at, n);
      res.write(body.subarray(at, at + k));
      at += k;
      n = (n * 7 + 3) % 4093 + 1;
      setTimeout(next, 1);
    };
    next();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
const resources = { browser: null, server: null };

async function main() {
  resources.browser = await launchChromium("/usr/bin/chromium", deadline - Date.now());
  const page = await resources.browser.newPage({ viewport: { width: 800, height: 600 }, deviceScaleFactor: opts.dpr });
  const consoleErrors = [];
  const consoleOther = [];
  page.on("console", (m) => (m.type() === "error" ? consoleErrors : consoleOther).push(oneLine(m.text())));
  page.on("pageerror", (e) => consoleErrors.push(oneLine(e.message)));
  // the page's origin, and the proxy on another loopback port
  await keepHermetic(page, new URL(opts.page).origin, { allowLoopback: true });
  await page.goto(opts.page, { timeout: Math.max(1000, deadline - Date.now()) });
  await page.waitForFunction(() => window.rerunViewer?.ready, null, { timeout: Math.max(1000, deadline - Date.now()) });
  // The stream is open once the viewer is up (open() starts it at once);
  // a moment for the proxy to register the reader.
  await sleep(1500);
  if (opts.readyFile) writeFileSync(opts.readyFile, "ready\n");

  let last = null, stableSince = 0, state = null;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.recording}; last state ${JSON.stringify(state)}; console errors: ${consoleErrors.join(" | ")}; console: ${consoleOther.slice(-10).join(" | ")}`);
    state = await page.evaluate((rec) => {
      const v = window.rerunViewer;
      const ev = (window.rerunEvents ?? []).find((e) => e.type === "recording_open" && e.recording_id === rec) ?? null;
      const step = v.get_time_range(rec, "step");
      return { opened: ev, step, active: v.get_active_recording_id(), loading: v.loading, error: v.error };
    }, opts.recording);
    const key = JSON.stringify(state);
    if (key !== last) { last = key; stableSince = Date.now(); }
    else if (state.opened && state.step && !state.loading && Date.now() - stableSince >= 1500) break;
    await sleep(200);
  }

  let interaction = null;
  if (opts.interact) {
    // Space on the focused canvas: the shell's play/pause key. The viewer
    // follows the newest data until then; playing starts from the start.
    const read = () => page.evaluate((rec) => {
      const v = window.rerunViewer;
      return { time: v.get_current_time(rec, "step"), playing: v.get_playing(rec) };
    }, opts.recording);
    await page.evaluate((rec) => window.rerunViewer.set_active_recording_id(rec), opts.recording);
    await page.focus("canvas");
    const before = await read();
    await page.keyboard.press("Space");
    await sleep(600);
    const during = await read();
    await page.keyboard.press("Space");
    await sleep(300);
    const after = await read();
    await sleep(400);
    const still = await read();
    interaction = { before, during, after, still };
    if (opts.clickRecording) {
      // a real click where the shell drew the recording's row
      const key = `recording:${opts.clickRecording}`;
      const rect = await page.evaluate((k) => window.rerunViewer.item_rect(k), key);
      const active_before = await page.evaluate(() => window.rerunViewer.get_active_recording_id());
      let active_after = null;
      if (rect) {
        const box = await page.locator("canvas").boundingBox();
        await page.mouse.click(box.x + rect[0] + rect[2] / 2, box.y + rect[1] + rect[3] / 2);
        await sleep(400);
        active_after = await page.evaluate(() => window.rerunViewer.get_active_recording_id());
      }
      interaction.click = { key, rect, active_before, active_after };
    }
  }

  let pixels = null;
  if (opts.screenshot) {
    await sleep(300); // a frame after the last change
    await page.locator("canvas").screenshot({ path: opts.screenshot });
    pixels = await page.evaluate(() => {
      const c = document.querySelector("canvas");
      const layout = window.rerunViewer.layout();
      const scale = c.width / c.clientWidth;
      const tmp = document.createElement("canvas");
      tmp.width = c.width; tmp.height = c.height;
      const g = tmp.getContext("2d");
      g.drawImage(c, 0, 0);
      const data = g.getImageData(0, 0, c.width, c.height).data;
      const at = (x, y) => {
        const i = (Math.floor(y * scale) * c.width + Math.floor(x * scale)) * 4;
        return [data[i], data[i + 1], data[i + 2]];
      };
      // Colours inside a rect (CSS pixels), counted.
      const colours = (r) => {
        const seen = new Map();
        for (let y = Math.ceil(r[1]); y < r[1] + r[3]; y++)
          for (let x = Math.ceil(r[0]); x < r[0] + r[2]; x++) {
            const p = at(x, y).join(",");
            seen.set(p, (seen.get(p) ?? 0) + 1);
          }
        return seen;
      };
      const near = (r, fx, fy) => at(r[0] + r[2] * fx, r[1] + r[3] * fy);
      // every view shown, together
      const shown = layout.views.filter((v) => v.shown);
      let red = 0, green = 0, distinct = 0;
      for (const v of shown) {
        const seen = colours(v.content);
        distinct += seen.size;
        for (const [p, n] of seen) {
          const [r, g, b] = p.split(",").map(Number);
          if (r > 180 && g < 90 && b < 90) red += n;
          if (g > 180 && r < 90 && b < 90) green += n;
        }
      }
      const view = shown.length ? { names: shown.map((v) => v.name).join(","), distinct, red, green } : null;
      return {
        layout,
        canvas: { width: c.width, height: c.height, css_width: c.clientWidth, css_height: c.clientHeight },
        top_bar: near(layout.top_bar, 0.45, 0.1),
        left: near(layout.left, 0.5, 0.97),
        right: near(layout.right, 0.5, 0.97),
        bottom: near(layout.bottom, 0.5, 0.97),
        view,
      };
    });
  }

  let fake_proxy = null;
  if (opts.fakeProxy) {
    resources.server = await startFakeProxy(opts.fakeProxy);
    const url = `rerun+http://127.0.0.1:${resources.server.address().port}/proxy`;
    fake_proxy = await page.evaluate(async (url) => {
      const v = window.rerunViewer;
      const seen = new Set((window.rerunEvents ?? []).filter((e) => e.type === "recording_open").map((e) => e.recording_id));
      v.open(url);
      for (let i = 0; i < 100 && !v.error.includes(url); i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 300));
      const opened = (window.rerunEvents ?? []).filter((e) => e.type === "recording_open" && !seen.has(e.recording_id));
      const rec = opened[0]?.recording_id ?? null;
      return { url, error: v.error, recording_id: rec, step: rec ? v.get_time_range(rec, "step") : null };
    }, url);
  }

  // Last: a proxy nobody serves goes to the error banner, named (the
  // browser logs the refused connection: console errors end here).
  const errorsSoFar = consoleErrors.slice();
  let bad_proxy = null;
  if (opts.badProxy) {
    bad_proxy = await page.evaluate(async (url) => {
      const v = window.rerunViewer;
      v.open(url);
      for (let i = 0; i < 50 && !v.error.includes(url); i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 200)); // a frame with the banner
      return { error: v.error, banner: v.layout().banner };
    }, opts.badProxy);
  }

  const out = {
    fake_proxy,
    bad_proxy,
    recording: state.opened,
    active_recording: state.active,
    timelines: { step: state.step },
    error: state.error,
    interaction,
    pixels,
    console_errors: errorsSoFar,
  };
  process.stdout.write(JSON.stringify(jsonSafe(out)) + "\n");
}

try {
  await main();
} catch (e) {
  process.stderr.write(`viewer_web_live_check: ${oneLine(e?.stack ?? e)}\n`);
  process.exitCode = 1;
} finally {
  await closeResources(resources);
}
