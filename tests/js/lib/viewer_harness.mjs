// What every script that drives the official Rerun web viewer in headless
// Chromium needs (viewer_oracle.mjs, gallery_shots.mjs): where the pinned
// viewer package lives, a static server on 127.0.0.1 for it and for the data,
// the Chromium flags that give the viewer WebGL on this kind of machine, the
// hermetic request filter, and the viewer's way of saying it could not decode
// data. Facts and flags: shared/INTEROP.md, "Running the official viewer
// headless".

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const VIEWER_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..",
  "node_modules", "@rerun-io", "web-viewer");

export const CHROMIUM_FLAGS = [
  "--no-sandbox", // CI runs as root, where Chromium's sandbox cannot start
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--enable-unsafe-swiftshader", // WebGL on the CPU: the viewer renders with it
  "--use-angle=swiftshader",
];

// How the viewer (its Rust log, forwarded to the console as warnings) says
// it could not decode the data, e.g. "WARN re_viewer::app: Data source has
// left unexpectedly: Failed to decode .rrd file: Codec error: ...".
export const DATA_ERROR = /Data source has left unexpectedly|Failed to decode|Codec error/i;

// Hosts a live source may be on: the run stays on this machine.
export const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const MIME = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const oneLine = (s) => String(s).replace(/\s+/g, " ").trim().slice(0, 2000);

// Numbers stay numbers while exact; BigInts and unsafe integers become strings.
export function jsonSafe(value) {
  return JSON.parse(JSON.stringify(value ?? null, (_k, v) => {
    if (typeof v === "bigint") {
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v) : v.toString();
    }
    return v;
  }));
}

// Throws unless the viewer package was installed.
export function requireViewerPackage() {
  if (!existsSync(path.join(VIEWER_DIR, "index.js"))) {
    throw new Error(`viewer package missing at ${VIEWER_DIR}: run scripts/install-deps`);
  }
}

// A page of the given size with one #viewer element and a module script.
export const viewerPageHtml = ({ title, width, height, script }) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>html,body{margin:0;padding:0;background:#000}#viewer{width:${width}px;height:${height}px}</style>
</head><body><div id="viewer"></div>
<script type="module">${script}</script></body></html>
`;

// Serves, on 127.0.0.1 at a free port: "/" (the string `html`), the viewer
// package under /viewer/, and the data files: dataFile(pathname) returns the
// file to serve for a path ({path, onServed(bytes)}, onServed called once the
// whole body went out) or null. Resolves to the listening server.
export function startViewerServer({ html, dataFile }) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const send = (code, type, body) => {
      res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    try {
      if (url.pathname === "/" || url.pathname === "/index.html") return send(200, MIME[".html"], html);
      const data = dataFile(url.pathname);
      if (data) {
        const body = await readFile(data.path);
        res.on("finish", () => data.onServed?.(body.length));
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

// Debian's Chromium, headless, with a fresh temporary profile that
// playwright deletes on close.
export async function launchChromium(executablePath, timeoutMs) {
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}`);
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, timeout: Math.max(1000, timeoutMs) });
}

// Aborts every request of `page` except to `origin` (and, with
// allowLoopback, to any port on this machine: a live source), so the run is
// hermetic; the viewer's fetch of its online example list fails, as
// expected without a network.
export function keepHermetic(page, origin, { allowLoopback = false } = {}) {
  return page.route("**/*", (route) => {
    const u = new URL(route.request().url());
    const allowed = u.origin === origin || (allowLoopback && LOOPBACK_HOSTS.has(u.hostname.toLowerCase()));
    return allowed ? route.continue() : route.abort("internetdisconnected");
  });
}

// Closes what `resources` holds ({browser, server}), once, not waiting more
// than 5 s for a browser that stopped answering.
export async function closeResources(resources) {
  const b = resources.browser;
  resources.browser = null;
  if (b) await Promise.race([b.close().catch(() => {}), sleep(5000)]);
  const s = resources.server;
  resources.server = null;
  if (s) { s.closeAllConnections?.(); s.close(); }
}
