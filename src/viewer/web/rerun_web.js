// The browser viewer's JavaScript API, shaped like the official
// @rerun-io/web-viewer 0.33 `WebViewer` (start / stop / open / close / on /
// get_active_recording_id / get_active_timeline / get_time_range /
// set_current_time / set_playing ...), so a page embedding the official
// viewer can switch to ours. It loads rerun_viewer.js + .wasm (built by
// scripts/build-web) from the same folder and feeds the Wasm core's push
// sources (app_push.h) as data arrives: an .rrd URL streamed with fetch (a
// large file fills the view progressively), and a live message proxy
// (rerun+http://HOST:PORT/proxy) read with gRPC-web: a fetch POST of
// ReadMessages whose response body streams length-prefixed
// ReadMessagesResponses (flag 0x00) and ends in a trailer frame (flag 0x80)
// whose grpc-status, when not 0, goes to the viewer's error banner; a
// LogChannel (open_channel) whose send_rrd bytes the page pushes itself;
// and .rrd files dropped on the canvas.
// Events
// carry the official payload shapes:
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
  #handles = new Map(); // the core's push source handle → its AbortController
  #loading = Promise.resolve();
  #poll = null;
  #started = false;

  #pending = 0; // sources still streaming in
  #unlisten = null; // removes the canvas's input listeners
  #panelOverrides = new Map(); // panel -> state (override_panel_state)
  #panelOverridesOn = true;

  get ready() {
    return this.#started;
  }

  // Not in the official API: true while a file is still streaming in or
  // data waits to be moved into the stores (live streams never finish and
  // do not count).
  get loading() {
    if (!this.#started) return false;
    return this.#m.ccall("rr_web_loading", "number", [], []) !== 0;
  }

  // Not in the official API: the viewer's error banner ("" when none).
  get error() {
    return this.#started ? this.#error() : "";
  }

  async start(rrd, parent, options) {
    if (this.#started) return;
    options = options ?? {};
    parent = parent ?? document.body;
    this.#m = await loadModule();
    const canvas = document.createElement("canvas");
    canvas.id = `rerun-web-canvas-${Math.random().toString(36).slice(2)}`;
    // As the official viewer: width/height are CSS sizes ("100%" by default);
    // the drawing buffer follows the canvas's CSS box in device pixels.
    const css = (v) => (v === undefined || v === null ? "100%" : typeof v === "number" ? `${v}px` : String(v));
    canvas.style.width = css(options.width);
    canvas.style.height = css(options.height);
    canvas.style.display = "block";
    canvas.style.outline = "none";
    canvas.tabIndex = 0; // takes keyboard focus
    parent.appendChild(canvas);
    this.#canvas = canvas;
    const box = canvas.getBoundingClientRect();
    const rc = this.#m.ccall("rr_web_start", "number", ["string", "number", "number", "number"],
                             [`#${canvas.id}`, box.width || 800, box.height || 600, devicePixelRatio || 1]);
    if (rc !== 0) throw new Error(`rerun web viewer: ${this.#error()}`);
    this.#started = true;
    this.#listen(canvas);
    this.#poll = setInterval(() => this.#sync(), 100);
    if (rrd) this.open(rrd);
  }

  stop() {
    if (!this.#started) return;
    for (const c of this.#urls.values()) c.abort();
    this.#urls.clear();
    this.#handles.clear();
    clearInterval(this.#poll);
    this.#unlisten?.();
    this.#unlisten = null;
    this.#m.ccall("rr_web_stop", null, [], []);
    this.#canvas?.remove();
    this.#canvas = null;
    this.#recs = [];
    this.#started = false;
  }

  open(rrd) {
    const urls = Array.isArray(rrd) ? rrd : [rrd];
    for (const url of urls) {
      if (this.#urls.has(url)) continue;
      const ctrl = new AbortController();
      this.#urls.set(url, ctrl);
      // Each source decodes on its own (its own push source in the core),
      // so several can stream at once.
      this.#pending++;
      const live = /^rerun(\+https?)?:\/\//.test(url);
      const h = this.#m.ccall("rr_web_source_open", "number", ["string"], [url]);
      if (h >= 0) this.#handles.set(h, ctrl);
      (async () => {
        if (h < 0) throw new Error(this.#error());
        await (live ? this.#live(url, h, ctrl) : this.#load(url, h, ctrl));
      })().catch((e) => {
        if (e?.name === "AbortError" || !this.#started) return;
        const msg = e?.message ?? String(e);
        this.#m.ccall("rr_web_report_error", null, ["string", "string"], [url, msg]);
        console.warn(`rerun web viewer: ${url}: ${msg}`);
      }).finally(() => {
        this.#pending--;
        // (a reset freed every source already: its handles may be reused)
        if (this.#started && this.#handles.get(h) === ctrl) {
          this.#handles.delete(h);
          this.#m.ccall("rr_web_source_close", null, ["number"], [h]);
        }
        if (this.#urls.get(url) === ctrl) this.#urls.delete(url);
        this.#sync();
      });
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
      this.#handles.clear();
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

  // Not in the official API: where the shell put its panels and views, in
  // CSS pixels relative to the canvas ({top_bar, banner, left, right,
  // bottom, viewport: [x, y, w, h], views: [{name, origin, shown, drawables,
  // content}]}), for pages and tests that script the UI.
  layout() {
    if (!this.#started) return null;
    const text = this.#m.ccall("rr_web_layout_json", "string", [], []);
    return text ? JSON.parse(text) : null;
  }

  // As the official open_channel: a LogChannel whose send_rrd(bytes) feeds
  // .rrd stream bytes (in pieces of any size) into the viewer and whose
  // close() ends the stream (a stream cut inside a message is reported on
  // the banner). send_table is not supported (no table view yet): it says
  // so on the console once.
  open_channel(channel_name = "rerun-io/web-viewer") {
    if (!this.#started) throw new Error(`attempted to open channel "${channel_name}" in a stopped web viewer`);
    const m = this.#m;
    const h = m.ccall("rr_web_source_open", "number", ["string"], [channel_name]);
    if (h < 0) throw new Error(this.#error());
    const ctrl = new AbortController(); // marks the handle as the channel's
    this.#handles.set(h, ctrl);
    let closed = false, warned = false;
    const live = () => !closed && this.#started && this.#handles.get(h) === ctrl;
    return {
      get ready() {
        return live();
      },
      send_rrd: (bytes) => {
        if (!live()) return;
        this.#withHeap(bytes, (ptr, len) =>
          m.ccall("rr_web_source_push", "number", ["number", "number", "number"], [h, ptr, len]));
        this.#sync();
      },
      send_table: () => {
        if (!warned) console.warn("rerun web viewer: send_table is not supported by this viewer");
        warned = true;
      },
      close: () => {
        if (!live()) return;
        closed = true;
        m.ccall("rr_web_source_finish", "number", ["number"], [h]);
        this.#handles.delete(h);
        m.ccall("rr_web_source_close", null, ["number"], [h]);
        this.#sync();
      },
    };
  }

  // As the official override_panel_state: panel "blueprint" | "selection" |
  // "time" (the shell has no "top" toggle: ignored), state "hidden" |
  // "collapsed" | "expanded" (collapsed shows the panel: the shell has no
  // collapsed form) or null to drop the override. Overrides apply while
  // toggle_panel_overrides has not turned them off.
  override_panel_state(panel, state) {
    if (!this.#started) throw new Error(`attempted to set ${panel} panel to ${state} in a stopped web viewer`);
    if (state === null || state === undefined) this.#panelOverrides.delete(panel);
    else this.#panelOverrides.set(panel, state);
    this.#applyPanels();
  }

  toggle_panel_overrides(value) {
    this.#panelOverridesOn = value === undefined || value === null ? !this.#panelOverridesOn : !!value;
    this.#applyPanels();
  }

  #applyPanels() {
    if (!this.#started) return;
    const index = { blueprint: 0, selection: 1, time: 2 };
    for (const [panel, i] of Object.entries(index)) {
      const state = this.#panelOverridesOn ? this.#panelOverrides.get(panel) : undefined;
      this.#m.ccall("rr_web_set_panel", null, ["number", "number"], [i, state === undefined ? -1 : state === "hidden" ? 0 : 1]);
    }
  }

  // Not in the official API: the rect [x, y, w, h] (CSS pixels relative to
  // the canvas) of one of the shell's clickable items by key
  // ("recording:<id>", "view:<i>", "toggle:<p>", ...; shell.h's
  // rr_shell_item_rect), or null when it is not drawn.
  item_rect(key) {
    if (!this.#started) return null;
    const text = this.#m.ccall("rr_web_item_rect", "string", ["string"], [key]);
    return text ? JSON.parse(text) : null;
  }

  // Not in the official API: checks the Wasm build's stand-ins for liblz4,
  // xxhash and protobuf-c against the host libraries' results; "" when all
  // agree, else what differed.
  selftest() {
    return this.#started ? this.#m.ccall("rr_web_selftest", "string", [], []) : "not started";
  }

  // ---- internals ----

  // Forwards the canvas's input to the UI: positions in CSS pixels (the
  // UI's points), wheel in notches signed as GLFW's (up is positive),
  // keys by KeyboardEvent.key and typed text. The canvas keeps the keys the
  // UI uses (space must not scroll the page).
  #listen(canvas) {
    const m = this.#m;
    const pos = (e) => {
      const r = canvas.getBoundingClientRect();
      m.ccall("rr_web_input_mouse_pos", null, ["number", "number"], [e.clientX - r.left, e.clientY - r.top]);
    };
    const cursor = () => (canvas.style.cursor = m.ccall("rr_web_cursor", "string", [], []));
    const mods = (e) => (e.shiftKey ? 1 : 0) | (e.ctrlKey ? 2 : 0) | (e.altKey ? 4 : 0) | (e.metaKey ? 8 : 0);
    const on = {
      pointermove: (e) => {
        pos(e);
        cursor();
      },
      pointerdown: (e) => {
        canvas.focus();
        canvas.setPointerCapture?.(e.pointerId);
        pos(e);
        m.ccall("rr_web_input_mouse_button", null, ["number", "number"], [e.button, 1]);
        e.preventDefault();
      },
      pointerup: (e) => {
        pos(e);
        m.ccall("rr_web_input_mouse_button", null, ["number", "number"], [e.button, 0]);
      },
      pointerleave: () => m.ccall("rr_web_input_mouse_leave", null, [], []),
      wheel: (e) => {
        // In GLFW's unit, one notch = 1, as the native window hands GLFW's
        // offsets to the UI, so views zoom alike in both: Chromium reports
        // a notch as 100 pixels, Firefox as 3 lines; trackpads give
        // fractions.
        const k = e.deltaMode === 1 ? 1 / 3 : e.deltaMode === 2 ? 1 : 1 / 100;
        m.ccall("rr_web_input_wheel", null, ["number", "number"], [-e.deltaX * k, -e.deltaY * k]);
        e.preventDefault();
      },
      keydown: (e) => {
        const known = m.ccall("rr_web_input_key", "number", ["string", "number", "number"], [e.key, 1, mods(e)]);
        if (e.key.length === 1 && !e.ctrlKey && !e.metaKey) m.ccall("rr_web_input_text", null, ["string"], [e.key]);
        if (known || (e.key.length === 1 && !e.ctrlKey && !e.metaKey)) e.preventDefault();
      },
      keyup: (e) => {
        m.ccall("rr_web_input_key", "number", ["string", "number", "number"], [e.key, 0, mods(e)]);
      },
      contextmenu: (e) => e.preventDefault(),
      dragover: (e) => {
        if (e.dataTransfer?.types?.includes("Files")) e.preventDefault();
      },
      drop: (e) => {
        if (!e.dataTransfer?.files?.length) return;
        e.preventDefault();
        this.#openFiles(Array.from(e.dataTransfer.files));
      },
    };
    for (const [ev, fn] of Object.entries(on)) canvas.addEventListener(ev, fn, { passive: false });
    const resize = () => {
      const r = canvas.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) {
        m.ccall("rr_web_resize", null, ["number", "number", "number"], [r.width, r.height, devicePixelRatio || 1]);
      }
    };
    const ro = typeof ResizeObserver === "function" ? new ResizeObserver(resize) : null;
    ro?.observe(canvas);
    window.addEventListener("resize", resize);
    this.#unlisten = () => {
      for (const [ev, fn] of Object.entries(on)) canvas.removeEventListener(ev, fn);
      ro?.disconnect();
      window.removeEventListener("resize", resize);
    };
  }

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
    this.#m.ccall("rr_web_update", null, ["number"], [4]);
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

  // Copies bytes into the Wasm heap for one call of fn(ptr, len).
  #withHeap(bytes, fn) {
    const m = this.#m;
    // (unsigned: past 2 GiB of heap a pointer would read as negative)
    const ptr = m._malloc(Math.max(1, bytes.length)) >>> 0;
    if (!ptr) throw new Error(`out of memory for ${bytes.length} bytes`);
    try {
      m.HEAPU8.set(bytes, ptr);
      return fn(ptr, bytes.length);
    } finally {
      m._free(ptr);
    }
  }

  async #load(url, h, ctrl) {
    const resp = await fetch(url, { signal: ctrl.signal });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    await this.#pushStream(h, ctrl, resp.body.getReader(), Number(resp.headers.get("content-length") ?? 0));
  }

  // An .rrd byte stream (a fetch body, a dropped file) into source h.
  async #pushStream(h, ctrl, reader, size) {
    const m = this.#m;
    if (size > 0) m.ccall("rr_web_source_set_size", null, ["number", "number"], [h, size]);
    let synced = 0;
    for (;;) {
      if (ctrl.signal.aborted) throw new DOMException("closed", "AbortError");
      const { done, value } = await reader.read();
      if (done) break;
      const rc = this.#withHeap(value, (ptr, len) =>
        m.ccall("rr_web_source_push", "number", ["number", "number", "number"], [h, ptr, len]));
      // events as data arrives, but not per network chunk of a large file
      if (performance.now() - synced > 50) {
        this.#sync();
        synced = performance.now();
      }
      if (rc !== 0) {
        // broken for good: the banner says why
        ctrl.abort();
        return;
      }
    }
    m.ccall("rr_web_source_finish", "number", ["number"], [h]);
    this.#sync();
  }

  // Files dropped on the canvas open as the official viewer opens them,
  // each a source named after the file, read as a stream.
  #openFiles(files) {
    for (const file of files) {
      const name = file.name || "dropped.rrd";
      const ctrl = new AbortController();
      const h = this.#m.ccall("rr_web_source_open", "number", ["string"], [name]);
      if (h < 0) continue;
      this.#handles.set(h, ctrl);
      this.#urls.set(`file:${name}:${h}`, ctrl);
      this.#pending++;
      this.#pushStream(h, ctrl, file.stream().getReader(), file.size).catch((e) => {
        if (e?.name === "AbortError" || !this.#started) return;
        this.#m.ccall("rr_web_report_error", null, ["string", "string"], [name, e?.message ?? String(e)]);
      }).finally(() => {
        this.#pending--;
        if (this.#started && this.#handles.get(h) === ctrl) {
          this.#handles.delete(h);
          this.#m.ccall("rr_web_source_close", null, ["number"], [h]);
        }
        this.#urls.delete(`file:${name}:${h}`);
        this.#sync();
      });
    }
  }

  // rerun+http://HOST:PORT/proxy: ReadMessages over gRPC-web, on the same
  // port (the server speaks HTTP/1.1 gRPC-web beside HTTP/2).
  async #live(url, h, ctrl) {
    const m = this.#m;
    // rerun+http:// is plain HTTP; rerun:// and rerun+https:// are TLS
    const u = new URL(url.replace(/^rerun\+http:\/\//, "http://").replace(/^rerun(\+https)?:\/\//, "https://"));
    const endpoint = `${u.protocol}//${u.host}/rerun.sdk_comms.v1alpha1.MessageProxyService/ReadMessages`;
    m.ccall("rr_web_source_set_live", null, ["number"], [h]);
    const resp = await fetch(endpoint, {
      method: "POST",
      signal: ctrl.signal,
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", accept: "application/grpc-web+proto" },
      body: new Uint8Array([0, 0, 0, 0, 0]), // one empty ReadMessagesRequest
    });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    // A trailers-only answer carries the status in the headers.
    const headerStatus = resp.headers.get("grpc-status");
    if (headerStatus !== null && headerStatus !== "0") {
      throw new Error(`gRPC status ${headerStatus}: ${decodeURIComponent(resp.headers.get("grpc-message") ?? "")}`);
    }
    const reader = resp.body.getReader();
    // Network chunks queue until a whole frame (flag byte, u32 BE length,
    // body) is in; only then are its bytes joined, once, so a large message
    // arriving in many chunks is not copied again per chunk.
    const chunks = [];
    let queued = 0, head = 0; // bytes queued; offset of unread data in chunks[0]
    const take = (n) => {
      const out = new Uint8Array(n);
      for (let got = 0; got < n;) {
        const c = chunks[0];
        const k = Math.min(n - got, c.length - head);
        out.set(c.subarray(head, head + k), got);
        got += k;
        head += k;
        if (head === c.length) {
          chunks.shift();
          head = 0;
        }
      }
      queued -= n;
      return out;
    };
    let trailers = null, synced = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      queued += value.length;
      for (;;) {
        if (queued < 5) break;
        // peek the header without consuming it
        const hdr = new Uint8Array(5);
        for (let i = 0, c = 0, at = head; i < 5; i++, at++) {
          while (at >= chunks[c].length) at -= chunks[c++].length;
          hdr[i] = chunks[c][at];
        }
        const len = ((hdr[1] << 24) >>> 0) + (hdr[2] << 16) + (hdr[3] << 8) + hdr[4];
        if (queued - 5 < len) break;
        take(5);
        const body = take(len);
        if (hdr[0] & 0x80) {
          trailers = new TextDecoder().decode(body);
        } else if (hdr[0] & 0x01) {
          throw new Error("a compressed gRPC-web message (no compression was asked for)");
        } else {
          this.#withHeap(body, (ptr, n) =>
            m.ccall("rr_web_source_push_response", "number", ["number", "number", "number"], [h, ptr, n]));
        }
      }
      if (performance.now() - synced > 50) {
        this.#sync();
        synced = performance.now();
      }
    }
    this.#sync();
    const fields = {};
    for (const line of (trailers ?? "").split("\r\n")) {
      const i = line.indexOf(":");
      if (i > 0) fields[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const status = fields["grpc-status"] ?? headerStatus;
    if (status === undefined || status === null) throw new Error("the stream ended without a gRPC status");
    if (status !== "0") throw new Error(`gRPC status ${status}: ${decodeURIComponent(fields["grpc-message"] ?? "")}`);
    // Ended with OK: what came stays, quietly, as Rerun's reader ends.
    console.log(`rerun web viewer: ${url}: the stream ended`);
  }
}

export default WebViewer;
