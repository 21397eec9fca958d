// The browser viewer's JavaScript API, shaped like the official
// @rerun-io/web-viewer 0.33 `WebViewer` (start / stop / open / close / on /
// get_active_recording_id / get_active_timeline / get_time_range /
// set_current_time / set_playing ...), so a page embedding the official
// viewer can switch to ours. It loads rerun_viewer.js + .wasm (built by
// scripts/build-web) from the same folder, streams each .rrd URL with fetch
// and hands the bytes to the Wasm core as they arrive, so a large file fills
// the view progressively. Events carry the official payload shapes:
// recording_open {application_id, recording_id, segment_id, type, source,
// version} (source and version from the recording's SetStoreInfo),
// time_update {.., time}, timeline_change {.., timeline, time}, play, pause.

const HERE = new URL(".", import.meta.url);

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = url;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${url}`));
    document.head.appendChild(s);
  });
}

let modulePromise = null;
async function loadModule() {
  if (!modulePromise) {
    modulePromise = (async () => {
      if (typeof globalThis.createRerunViewer !== "function") {
        await loadScript(new URL("rerun_viewer.js", HERE).href);
      }
      return globalThis.createRerunViewer({
        locateFile: (name) => new URL(name, HERE).href,
        print: (t) => console.log(t),
        printErr: (t) => console.warn(t),
      });
    })();
  }
  return modulePromise;
}

export class WebViewer {
  #m = null;
  #canvas = null;
  #handlers = new Map();
  #recs = []; // index → {recording_id, application_id, timeline, time, playing, announced}
  #urls = new Map(); // url → AbortController
  #loading = Promise.resolve();
  #poll = null;
  #started = false;

  #pending = 0; // sources still streaming in

  get ready() {
    return this.#started;
  }

  // Not in the official API: true while a source is still streaming in.
  get loading() {
    return this.#pending > 0;
  }

  async start(rrd, parent, options) {
    if (this.#started) return;
    options = options ?? {};
    parent = parent ?? document.body;
    const width = Math.round(parseFloat(options.width ?? "") || parent.clientWidth || 800);
    const height = Math.round(parseFloat(options.height ?? "") || parent.clientHeight || 600);
    this.#m = await loadModule();
    const canvas = document.createElement("canvas");
    canvas.id = `rerun-web-canvas-${Math.random().toString(36).slice(2)}`;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    parent.appendChild(canvas);
    this.#canvas = canvas;
    const rc = this.#m.ccall("rr_web_start", "number", ["string", "number", "number"],
                             [`#${canvas.id}`, width, height]);
    if (rc !== 0) throw new Error(`rerun web viewer: ${this.#error()}`);
    this.#started = true;
    this.#poll = setInterval(() => this.#sync(), 100);
    if (rrd) this.open(rrd);
  }

  stop() {
    if (!this.#started) return;
    for (const c of this.#urls.values()) c.abort();
    this.#urls.clear();
    clearInterval(this.#poll);
    this.#m.ccall("rr_web_stop", null, [], []);
    this.#canvas?.remove();
    this.#canvas = null;
    this.#recs = [];
    this.#started = false;
  }

  open(rrd) {
    const urls = Array.isArray(rrd) ? rrd : [rrd];
    for (const url of urls) {
      const ctrl = new AbortController();
      this.#urls.set(url, ctrl);
      // One stream at a time into the decoder: .rrd streams are sequential.
      this.#pending++;
      this.#loading = this.#loading.then(() => this.#load(url, ctrl)).catch((e) => {
        if (e?.name !== "AbortError") console.error(`rerun web viewer: ${url}: ${e.message ?? e}`);
      }).finally(() => this.#pending--);
    }
  }

  close(rrd) {
    const urls = Array.isArray(rrd) ? rrd : [rrd];
    for (const url of urls) {
      this.#urls.get(url)?.abort();
      this.#urls.delete(url);
    }
    if (this.#urls.size === 0 && this.#started) {
      this.#m.ccall("rr_web_reset", null, [], []);
      this.#recs = [];
    }
  }

  on(event, callback) {
    if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
    this.#handlers.get(event).add(callback);
    return () => this.off(event, callback);
  }

  once(event, callback) {
    const off = this.on(event, (...args) => {
      off();
      callback(...args);
    });
    return off;
  }

  off(event, callback) {
    this.#handlers.get(event)?.delete(callback);
  }

  get_active_recording_id() {
    const i = this.#started ? this.#m.ccall("rr_web_active", "number", [], []) : -1;
    return i >= 0 ? (this.#state(i)?.recording_id ?? null) : null;
  }

  set_active_recording_id(id) {
    const i = this.#index(id);
    if (i >= 0) this.#m.ccall("rr_web_set_active", null, ["number"], [i]);
  }

  get_active_timeline(recording_id) {
    const s = this.#state(this.#index(recording_id));
    return s ? s.timeline : null;
  }

  set_active_timeline(recording_id, timeline) {
    const i = this.#index(recording_id);
    if (i < 0) return;
    if (this.#m.ccall("rr_web_set_timeline", "number", ["number", "string"], [i, timeline]) === 0) {
      this.#sync();
    }
  }

  get_time_range(recording_id, timeline) {
    const s = this.#state(this.#index(recording_id));
    const r = s?.timelines?.[timeline];
    return r ? { min: r.min, max: r.max } : null;
  }

  get_current_time(recording_id, timeline) {
    const s = this.#state(this.#index(recording_id));
    return s && s.timeline === timeline ? s.time : 0;
  }

  set_current_time(recording_id, timeline, time) {
    const i = this.#index(recording_id);
    if (i < 0) return;
    const s = this.#state(i);
    if (s.timeline !== timeline) this.set_active_timeline(recording_id, timeline);
    this.#m.ccall("rr_web_set_time", null, ["number", "number"], [i, Number(time)]);
    this.#sync();
  }

  get_playing(recording_id) {
    return this.#state(this.#index(recording_id))?.playing ?? false;
  }

  set_playing(recording_id, value) {
    const i = this.#index(recording_id);
    if (i < 0) return;
    this.#m.ccall("rr_web_set_playing", null, ["number", "number"], [i, value ? 1 : 0]);
    this.#sync();
  }

  // Not in the official API: checks the Wasm build's stand-ins for liblz4,
  // xxhash and protobuf-c against the host libraries' results; "" when all
  // agree, else what differed.
  selftest() {
    return this.#started ? this.#m.ccall("rr_web_selftest", "string", [], []) : "not started";
  }

  // ---- internals ----

  #error() {
    return this.#m.ccall("rr_web_error", "string", [], []);
  }

  #state(i) {
    if (!this.#started || i < 0) return null;
    const text = this.#m.ccall("rr_web_recording_json", "string", ["number"], [i]);
    return text ? JSON.parse(text) : null;
  }

  #index(recording_id) {
    if (!this.#started) return -1;
    const n = this.#m.ccall("rr_web_recording_count", "number", [], []);
    for (let i = 0; i < n; i++) if (this.#state(i)?.recording_id === recording_id) return i;
    return -1;
  }

  #emit(event, payload) {
    for (const cb of this.#handlers.get(event) ?? []) {
      try {
        cb(payload);
      } catch (e) {
        console.error(e);
      }
    }
  }

  // Compares the core's state with what the page was told and fires the
  // events for what changed.
  #sync() {
    if (!this.#started) return;
    const n = this.#m.ccall("rr_web_recording_count", "number", [], []);
    for (let i = 0; i < n; i++) {
      const s = this.#state(i);
      if (!s) continue;
      const base = { application_id: s.application_id, recording_id: s.recording_id };
      let seen = this.#recs[i];
      if (!seen) {
        seen = this.#recs[i] = { ...s };
        this.#emit("recording_open", {
          ...base, segment_id: null, type: "recording_open", source: s.source,
          ...(s.version ? { version: s.version } : {}),
        });
        continue;
      }
      if (s.timeline !== seen.timeline && s.timeline !== null) {
        this.#emit("timeline_change", { type: "timeline_change", ...base, timeline: s.timeline, time: s.time });
      } else if (s.time !== seen.time) {
        this.#emit("time_update", { type: "time_update", ...base, time: s.time });
      }
      if (s.playing !== seen.playing) this.#emit(s.playing ? "play" : "pause", { type: s.playing ? "play" : "pause", ...base });
      this.#recs[i] = { ...s };
    }
  }

  async #load(url, ctrl) {
    const m = this.#m;
    if (m.ccall("rr_web_open", "number", [], []) !== 0) throw new Error(this.#error());
    const resp = await fetch(url, { signal: ctrl.signal });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    const reader = resp.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const ptr = m._malloc(value.length);
      m.HEAPU8.set(value, ptr);
      const rc = m.ccall("rr_web_push", "number", ["number", "number"], [ptr, value.length]);
      m._free(ptr);
      this.#sync();
      if (rc !== 0) throw new Error(this.#error());
    }
    if (m.ccall("rr_web_finish", "number", [], []) !== 0) throw new Error(this.#error());
    this.#sync();
    const err = this.#error();
    if (err) console.warn(`rerun web viewer: ${err}`);
  }
}

export default WebViewer;
