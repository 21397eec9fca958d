// Cross-check of rerun-c's Arrow IPC with a second implementation (npm
// apache-arrow). Two modes, each exiting non-zero with a one-line reason:
//   node arrow_check.mjs same A.stream B.stream   both read to the same data
//   node arrow_check.mjs rewrite IN.stream OUT.stream
//                                                 apache-arrow re-encodes IN
// Decompression comes from two more independent implementations (lz4js,
// fzstd), registered with apache-arrow's codec registry.
import { readFileSync, writeFileSync } from "node:fs";
import {
  CompressionType,
  compressionRegistry,
  tableFromIPC,
  tableToIPC,
} from "apache-arrow";
import * as lz4 from "lz4js";
import * as fzstd from "fzstd";

compressionRegistry.set(CompressionType.LZ4_FRAME, {
  decode: (data) => Uint8Array.from(lz4.decompress(data)),
});
// fzstd may hand back a view at an unaligned offset; arrow needs 8-byte alignment.
compressionRegistry.set(CompressionType.ZSTD, { decode: (data) => new Uint8Array(fzstd.decompress(data)) });

// A canonical, JSON-able form of one value as apache-arrow hands it out.
function canon(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return { big: v.toString() };
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : v;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v)) return Array.from(v, canon);
  // A Vector (list items, map entries): per slot, so that null slots are null
  // whatever bytes lie under them.
  if (typeof v.get === "function" && typeof v.isValid === "function" && typeof v.length === "number") {
    const out = [];
    for (let i = 0; i < v.length; i++) out.push(v.isValid(i) ? canon(v.get(i)) : null);
    return out;
  }
  if (v instanceof Map) return { map: [...v.entries()].map(([k, x]) => [canon(k), canon(x)]) };
  if (typeof v.toArray === "function") return Array.from(v.toArray(), canon);
  if (typeof v.toJSON === "function") {
    const o = v.toJSON();
    if (o !== v) return canon(o);
  }
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v)) out[k] = canon(v[k]);
    return out;
  }
  return String(v);
}

function describe(table) {
  const fields = table.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`);
  const rows = [];
  for (let c = 0; c < table.numCols; c++) {
    const col = table.getChildAt(c);
    const vals = [];
    for (let i = 0; i < table.numRows; i++) vals.push(JSON.stringify(canon(col.get(i))));
    rows.push(vals);
  }
  return { fields, rows, numRows: table.numRows };
}

function load(path) {
  return tableFromIPC(readFileSync(path));
}

const [mode, a, b] = process.argv.slice(2);
try {
  if (mode === "same") {
    const x = describe(load(a));
    const y = describe(load(b));
    if (x.fields.join("|") !== y.fields.join("|")) {
      throw new Error(`schemas differ: ${x.fields.join(", ")} vs ${y.fields.join(", ")}`);
    }
    if (x.numRows !== y.numRows) throw new Error(`row counts differ: ${x.numRows} vs ${y.numRows}`);
    for (let c = 0; c < x.rows.length; c++) {
      for (let i = 0; i < x.numRows; i++) {
        if (x.rows[c][i] !== y.rows[c][i]) {
          throw new Error(`column ${x.fields[c]} row ${i}: ${x.rows[c][i]} vs ${y.rows[c][i]}`);
        }
      }
    }
    console.log(`same: ${x.fields.length} columns, ${x.numRows} rows`);
  } else if (mode === "rewrite") {
    writeFileSync(b, tableToIPC(load(a), "stream"));
  } else {
    throw new Error("usage: arrow_check.mjs same A B | rewrite IN OUT");
  }
} catch (e) {
  console.error(`arrow_check ${mode}: ${String(e.message || e).split("\n")[0]}`);
  process.exit(1);
}
