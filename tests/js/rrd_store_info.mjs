// Reads the store ids of an .rrd file without rerun-c's reader: walks the
// message frames and decodes each SetStoreInfo by hand, so a test can compare
// what a file says with what the official viewer reports, independently of
// our own decoder.
//
//   node rrd_store_info.mjs FILE.rrd
//   -> one line of JSON: [{"application_id", "recording_id", "store_kind",
//      "source_kind", "version_bits"}, ...] for every SetStoreInfo, in order.
//
// Framing and field numbers as in make_min_rrd.mjs (Rerun 0.33: 12-byte
// stream header, then frames of kind u64 LE + length u64 LE + body; kind 0 =
// End, whose body is the RrdFooter; a 32-byte stream footer ending in
// "RRF2FOOT" + entry count may follow it; concatenated streams repeat the
// stream header).

import { readFileSync } from "node:fs";

function* fields(buf) {
  let pos = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) throw new Error("truncated varint");
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      if (shift > 63n) throw new Error("varint too long");
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) yield { field, value: varint() };
    else if (wire === 1) { pos += 8; yield { field, value: buf.subarray(pos - 8, pos) }; }
    else if (wire === 5) { pos += 4; yield { field, value: buf.subarray(pos - 4, pos) }; }
    else if (wire === 2) {
      const n = Number(varint());
      if (pos + n > buf.length) throw new Error("truncated length-delimited field");
      pos += n;
      yield { field, value: buf.subarray(pos - n, pos) };
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

const sub = (buf, n) => { let last = null; for (const f of fields(buf)) if (f.field === n) last = f.value; return last; };
const text = (b) => (b === null ? null : new TextDecoder().decode(b));

function storeInfo(body) {
  const info = sub(body, 2) ?? new Uint8Array();
  const storeId = sub(info, 2) ?? new Uint8Array();
  const appId = sub(storeId, 3) ?? sub(info, 1); // StoreInfo.application_id = 1 is the legacy place
  const source = sub(info, 5);
  const version = sub(info, 6);
  return {
    application_id: appId === null ? null : text(sub(appId, 1)),
    recording_id: text(sub(storeId, 2)),
    store_kind: Number(sub(storeId, 1) ?? 0n),
    source_kind: source === null ? null : Number(sub(source, 1) ?? 0n),
    version_bits: version === null ? null : BigInt.asIntN(32, sub(version, 1) ?? 0n).toString(),
  };
}

function main(file) {
  const data = readFileSync(file);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.subarray(pos, pos + 4).toString("latin1") === "RRF2") { pos += 12; continue; }
    if (pos + 16 > data.length) throw new Error(`truncated message header at offset ${pos}`);
    const kind = view.getBigUint64(pos, true);
    const len = view.getBigUint64(pos + 8, true);
    if (len > BigInt(data.length - pos - 16)) throw new Error(`message at offset ${pos} runs past the end`);
    const body = data.subarray(pos + 16, pos + 16 + Number(len));
    if (kind === 1n) out.push(storeInfo(body));
    pos += 16 + Number(len);
    // After End: the stream footer, 20 bytes per entry (always one) then
    // "RRF2FOOT" and the entry count.
    if (kind === 0n && data.subarray(pos + 20, pos + 28).toString("latin1") === "RRF2FOOT") pos += 32;
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

try {
  if (process.argv.length !== 3) throw new Error("usage: node rrd_store_info.mjs FILE.rrd");
  main(process.argv[2]);
} catch (e) {
  process.stderr.write(`rrd_store_info: ${e.message}\n`);
  process.exit(1);
}
