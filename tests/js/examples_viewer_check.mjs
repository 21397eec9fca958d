// Checks what the official viewer reported for the SDK examples (the JSON of
// viewer_oracle.mjs, all examples opened in one session) against what our own
// `rerun rrd print` says the files hold. Used by tests/examples_viewer.sh.
//
//   node examples_viewer_check.mjs timelines PRINT.txt...
//       the names of every timeline in those print outputs, one a line
//   node examples_viewer_check.mjs check ORACLE.json SPEC.json
//       SPEC: [{"name": "minimal", "application_id": "...", "recording_id": "...",
//               "prints": ["minimal.print", ...]}, ...]  (several prints: several
//               files logged to one recording, e.g. two distributed workers)
//       prints one line per example ("NAME: ok ..." or "FAIL NAME: ..."), exit 1
//       if any failed.
//
// What `rerun rrd print` writes (src/model/time.c rr_time_format): a store line
//   "store N: recording application_id=A recording_id=R source=... version=..."
// and per chunk "  chunk ENTITY store=N rows=R [static] TL=FIRST..LAST ...
// components=... offset=N", a time as "#42" (sequence), "1.500000000s"
// (duration) or "2024-01-01T00:00:00.000000000Z" (timestamp, UTC). The viewer
// gives times as nanoseconds (sequence numbers for sequences) in JS doubles,
// so sequences must match exactly and timestamps/durations to the double
// nearest the exact nanosecond count (one spacing of doubles at that
// magnitude allowed either way).

import { readFileSync } from "node:fs";

const NOT_TIMELINES = new Set(["store", "rows", "components", "offset"]);

// A printed time value as {kind, ns: BigInt} (ns: the sequence number for sequences).
function parseTime(text) {
  let m;
  if ((m = /^#(-?\d+)$/.exec(text))) return { kind: "sequence", ns: BigInt(m[1]) };
  if ((m = /^(-?)(\d+)\.(\d{1,9})s$/.exec(text))) {
    const v = BigInt(m[2]) * 1000000000n + BigInt(m[3].padEnd(9, "0"));
    return { kind: "duration", ns: m[1] ? -v : v };
  }
  if ((m = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{1,9})Z$/.exec(text))) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    if (!Number.isFinite(ms)) return null;
    return { kind: "timestamp", ns: BigInt(ms) * 1000000n + BigInt(m[7].padEnd(9, "0")) };
  }
  return null;
}

// One print output: its store lines and, per timeline, the range over all chunks.
function parsePrint(text, where = "print") {
  const stores = [];
  const timelines = {};
  for (const line of text.split("\n")) {
    let m;
    if ((m = /^store \d+: (\S+) application_id=(\S+) recording_id=(\S+)/.exec(line))) {
      stores.push({ kind: m[1], application_id: m[2], recording_id: m[3] });
      continue;
    }
    if (!line.startsWith("  chunk ")) continue;
    for (const tok of line.trim().split(/\s+/).slice(2)) {
      const eq = tok.indexOf("=");
      if (eq <= 0) continue;
      const name = tok.slice(0, eq);
      if (NOT_TIMELINES.has(name)) continue;
      const value = tok.slice(eq + 1);
      const dots = value.indexOf("..");
      if (dots < 0) continue;
      const lo = parseTime(value.slice(0, dots));
      const hi = parseTime(value.slice(dots + 2));
      if (!lo || !hi || lo.kind !== hi.kind) throw new Error(`${where}: cannot read time range ${tok}`);
      const t = timelines[name];
      if (t && t.kind !== lo.kind) throw new Error(`${where}: timeline ${name} is both ${t.kind} and ${lo.kind}`);
      timelines[name] = {
        kind: lo.kind,
        min: t && t.min < lo.ns ? t.min : lo.ns,
        max: t && t.max > hi.ns ? t.max : hi.ns,
      };
    }
  }
  return { stores, timelines };
}

// The union of several files' ranges (one recording logged to several files).
function unionRanges(parsed) {
  const out = {};
  for (const p of parsed) {
    for (const [name, r] of Object.entries(p.timelines)) {
      const t = out[name];
      out[name] = t
        ? { kind: t.kind, min: t.min < r.min ? t.min : r.min, max: t.max > r.max ? t.max : r.max }
        : { ...r };
    }
  }
  return out;
}

// The spacing of doubles around |x| (x a BigInt): what rounding to a double may move it by.
function ulpAt(x) {
  const a = x < 0n ? -x : x;
  const bits = a.toString(2).length;
  return bits <= 53 ? 1n : 1n << BigInt(bits - 53);
}

// Does the viewer's value v (a number, or a string of digits for an inexact
// BigInt) stand for exactly `exp` (sequence) or for it rounded to a double?
function sameTime(v, exp, kind) {
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v) === exp;
  if (typeof v !== "number" || !Number.isFinite(v)) return false;
  if (kind === "sequence") return Number.isSafeInteger(v) && BigInt(v) === exp;
  if (Number(exp) === v) return true;
  if (!Number.isInteger(v)) return false;
  const d = BigInt(v) - exp;
  return (d < 0n ? -d : d) <= ulpAt(exp);
}

const show = (r) => `${r.kind} ${r.min}..${r.max}`;

function check(oracleFile, specFile) {
  const oracle = JSON.parse(readFileSync(oracleFile, "utf8"));
  const spec = JSON.parse(readFileSync(specFile, "utf8"));
  const recordings = oracle.recordings ?? {};
  const events = oracle.recording_open_events ?? [];
  let failed = 0;
  const fail = (name, msg) => { failed++; console.log(`FAIL ${name}: ${msg}`); };

  if ((oracle.data_errors ?? []).length) {
    fail("viewer", `data errors: ${JSON.stringify(oracle.data_errors)}`);
  }
  const expectedIds = new Set(spec.map((s) => s.recording_id));
  for (const id of Object.keys(recordings)) {
    if (!expectedIds.has(id)) fail("viewer", `a recording id nobody wrote: ${id} (${JSON.stringify(recordings[id])})`);
  }
  const asked = Object.keys(Object.values(recordings)[0]?.timelines ?? {});

  for (const ex of spec) {
    const bad = [];
    const parsed = ex.prints.map((p) => parsePrint(readFileSync(p, "utf8"), p));
    // Our own reader first: each file holds that one recording.
    for (const [i, p] of parsed.entries()) {
      const ids = p.stores.map((s) => `${s.kind} ${s.application_id} ${s.recording_id}`);
      if (ids.length !== 1 || ids[0] !== `recording ${ex.application_id} ${ex.recording_id}`) {
        bad.push(`rrd print of file ${i + 1} shows stores ${JSON.stringify(ids)}`);
      }
    }
    const mine = events.filter((e) => e.recording_id === ex.recording_id);
    if (mine.length === 0) {
      bad.push("no recording_open with this recording id");
    } else {
      for (const e of mine) {
        if (e.application_id !== ex.application_id) {
          bad.push(`recording_open application_id ${JSON.stringify(e.application_id)}, expected ${ex.application_id}`);
        }
      }
    }
    const rec = recordings[ex.recording_id];
    const expected = unionRanges(parsed);
    if (!rec) {
      bad.push("the viewer has no such recording");
    } else {
      for (const [name, r] of Object.entries(expected)) {
        const got = rec.timelines[name];
        if (got === undefined) bad.push(`timeline ${name} was not asked of the viewer`);
        else if (got === null) bad.push(`the viewer has no timeline ${name} (print: ${show(r)})`);
        else if (!sameTime(got.min, r.min, r.kind) || !sameTime(got.max, r.max, r.kind)) {
          bad.push(`timeline ${name}: viewer ${got.min}..${got.max}, print ${show(r)}`);
        }
      }
      // Nothing beyond what the files hold.
      for (const name of asked) {
        if (!(name in expected) && rec.timelines[name] !== null) {
          bad.push(`the viewer has timeline ${name} (${JSON.stringify(rec.timelines[name])}), which the files lack`);
        }
      }
    }
    // Several files, one recording: the viewer's ranges are those of the
    // union, and no single file's (each file adds data of its own).
    if (parsed.length > 1 && rec) {
      if (mine.some((e) => e.recording_id !== ex.recording_id)) bad.push("several recording ids");
      for (const [i, p] of parsed.entries()) {
        const same = Object.entries(expected).every(([name, r]) => {
          const q = p.timelines[name];
          return q && q.min === r.min && q.max === r.max;
        });
        if (same) bad.push(`file ${i + 1} alone spans every timeline of the union: the check would not see a lost file`);
      }
    }
    if (bad.length) fail(ex.name, bad.join("; "));
    else {
      const ranges = Object.entries(expected).map(([n, r]) => `${n}=${r.min}..${r.max}`).join(" ");
      console.log(`${ex.name}: ok (${ex.recording_id}, ${mine.length} recording_open, ` +
        `${parsed.length} file${parsed.length > 1 ? "s" : ""}; ${ranges})`);
    }
  }
  return failed === 0;
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "timelines" && args.length) {
  const names = new Set();
  for (const f of args) for (const n of Object.keys(parsePrint(readFileSync(f, "utf8"), f).timelines)) names.add(n);
  process.stdout.write([...names].sort().join("\n") + (names.size ? "\n" : ""));
} else if (cmd === "check" && args.length === 2) {
  process.exit(check(args[0], args[1]) ? 0 : 1);
} else {
  process.stderr.write("usage: node examples_viewer_check.mjs timelines PRINT... | check ORACLE.json SPEC.json\n");
  process.exit(2);
}
