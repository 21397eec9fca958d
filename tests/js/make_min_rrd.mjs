// Writes the smallest .rrd file the official Rerun 0.33 viewer opens as a
// recording: the 12-byte stream header and one SetStoreInfo message frame,
// encoded here by hand. The viewer-oracle test uses it to check the oracle
// itself (tests/viewer_oracle.sh) independently of rerun-c's own writer, so
// a failure there points at the harness, not at our codec.
//
//   node make_min_rrd.mjs OUT.rrd [--application-id ID] [--recording-id ID] [--scalars N]
//
// --scalars N adds one ArrowMsg: a chunk of N scalar rows on entity /oracle,
// at frame 0..N-1 (a sequence timeline) and log_time T0 + i ms (a timestamp
// timeline, T0 = 2024-01-01T00:00:00Z), built with apache-arrow, so the
// oracle's time-range readout is checked by a second implementation too.
//
// Facts from rerun-io/rerun at tag 0.33.0 (no code taken from there):
//  - stream header: "RRF2", crate version bytes [major, minor, patch, meta]
//    = 00 21 00 00 for 0.33.0, encoding options [compression 0 = off,
//    serializer 2 = protobuf, 0, 0] (re_log_encoding/src/rrd/frames.rs);
//  - message header: kind u64 LE (1 = SetStoreInfo), body length u64 LE,
//    then the body: a bare SetStoreInfo protobuf, not wrapped in LogMsg;
//  - field numbers (re_protos/proto/rerun/v1alpha1/log_msg.proto, common.proto):
//      SetStoreInfo { Tuid row_id = 1; StoreInfo info = 2; }
//      Tuid         { optional fixed64 time_ns = 1; optional fixed64 inc = 2; }
//      StoreInfo    { StoreId store_id = 2; StoreSource store_source = 5;
//                     StoreVersion store_version = 6; }
//      StoreId      { StoreKind kind = 1 (1 = recording); string recording_id = 2;
//                     ApplicationId application_id = 3; }
//      ApplicationId { string id = 1; }
//      StoreSource  { StoreSourceKind kind = 1 (1 = C SDK); }
//      StoreVersion { int32 crate_version_bits = 1; }  the 4 version bytes
//                     read as a little-endian i32.
// The viewer refuses a SetStoreInfo without row_id or store_source, and a
// Tuid without both of its fields.
// The chunk (re_sorbet, re_log_types, re_tuid, re_log_encoding/src/transport_to_app.rs):
//  - ArrowMsg { StoreId store_id = 1; Compression compression = 2 (1 = none);
//    uint64 uncompressed_size = 3; Encoding encoding = 4 (1 = Arrow IPC);
//    bytes payload = 5 (an Arrow IPC stream: schema + one record batch);
//    optional Tuid chunk_id = 6; optional bool is_static = 7; }
//  - schema metadata: rerun:id = chunk TUID as 16 upper- then 16 lower-case hex
//    digits, rerun:entity_path, sorbet:version 0.1.3;
//  - row ids: fixed_size_binary(16) named rerun.controls.RowId, each a TUID
//    (nanoseconds then increment, both big-endian), field metadata
//    rerun:kind=control, ARROW:extension:name=rerun.datatypes.TUID,
//    ARROW:extension:metadata={"namespace":"row"};
//  - index columns named after their timeline: int64 (sequence) or
//    timestamp[ns] without zone, metadata rerun:kind=index, rerun:index_name;
//  - component columns: list<item> per row, metadata rerun:kind=data,
//    rerun:component, rerun:archetype, rerun:component_type.

import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  Field, FixedSizeBinary, Float64, Int64, List, RecordBatch, RecordBatchStreamWriter,
  Schema, Struct, TimestampNanosecond, makeData,
} from "apache-arrow";

const VERSION_BYTES = [0, 0x21, 0, 0]; // Rerun 0.33.0
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

function varint(value) {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // negative int32 is sign-extended to 10 bytes
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const key = (field, wire) => varint((field << 3) | wire);
const uint = (field, value) => [...key(field, WIRE_VARINT), ...varint(value)];
const bytes = (field, payload) => [...key(field, WIRE_LEN), ...varint(payload.length), ...payload];
const message = (field, ...parts) => bytes(field, parts.flat());
const string = (field, text) => bytes(field, [...new TextEncoder().encode(text)]);

function fixed64(field, value) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(value), true);
  return [...key(field, WIRE_FIXED64), ...b];
}

// The SetStoreInfo body for a recording store of the C SDK.
export function setStoreInfoBody({ applicationId, recordingId, timeNs, inc }) {
  const versionBits = new DataView(new Uint8Array(VERSION_BYTES).buffer).getInt32(0, true);
  return new Uint8Array([
    ...message(1, fixed64(1, timeNs), fixed64(2, inc)),
    ...message(2,
      message(2, uint(1, 1), string(2, recordingId), message(3, string(1, applicationId))),
      message(5, uint(1, 1)),
      message(6, uint(1, versionBits))),
  ]);
}

export function streamHeader() {
  return new Uint8Array([...new TextEncoder().encode("RRF2"), ...VERSION_BYTES, 0, 2, 0, 0]);
}

export function messageFrame(kind, body) {
  const header = new Uint8Array(16);
  const view = new DataView(header.buffer);
  view.setBigUint64(0, BigInt(kind), true);
  view.setBigUint64(8, BigInt(body.length), true);
  return new Uint8Array([...header, ...body]);
}

export const SCALARS_T0_NS = 1704067200000000000n; // 2024-01-01T00:00:00Z
const SCALARS_STEP_NS = 1000000n;

function tuidBytes(timeNs, inc) {
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  view.setBigUint64(0, BigInt(timeNs), false);
  view.setBigUint64(8, BigInt(inc), false);
  return b;
}

const tuidString = (timeNs, inc) =>
  BigInt(timeNs).toString(16).toUpperCase().padStart(16, "0") + BigInt(inc).toString(16).padStart(16, "0");

// An Arrow IPC stream holding one chunk of `rows` scalars on entity /oracle.
function scalarChunkIpc(rows, chunkTime, chunkInc) {
  const meta = (o) => new Map(Object.entries(o));
  const rowIdType = new FixedSizeBinary(16);
  const rowIds = new Uint8Array(16 * rows);
  for (let i = 0; i < rows; i++) rowIds.set(tuidBytes(chunkTime, chunkInc + 1n + BigInt(i)), 16 * i);
  const frames = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i));
  const times = BigInt64Array.from({ length: rows }, (_, i) => SCALARS_T0_NS + SCALARS_STEP_NS * BigInt(i));
  const values = Float64Array.from({ length: rows }, (_, i) => Math.sin(i / 10));
  const offsets = Int32Array.from({ length: rows + 1 }, (_, i) => i);
  const itemField = new Field("item", new Float64(), true);
  const listType = new List(itemField);

  const fields = [
    new Field("rerun.controls.RowId", rowIdType, false, meta({
      "rerun:kind": "control",
      "ARROW:extension:name": "rerun.datatypes.TUID",
      "ARROW:extension:metadata": '{"namespace":"row"}',
      "rerun:is_sorted": "true",
    })),
    new Field("frame", new Int64(), false, meta({
      "rerun:kind": "index", "rerun:index_name": "frame", "rerun:is_sorted": "true",
    })),
    new Field("log_time", new TimestampNanosecond(), false, meta({
      "rerun:kind": "index", "rerun:index_name": "log_time", "rerun:is_sorted": "true",
    })),
    new Field("Scalars:scalars", listType, true, meta({
      "rerun:kind": "data",
      "rerun:component": "Scalars:scalars",
      "rerun:archetype": "rerun.archetypes.Scalars",
      "rerun:component_type": "rerun.components.Scalar",
    })),
  ];
  const schema = new Schema(fields, meta({
    "rerun:id": tuidString(chunkTime, chunkInc),
    "rerun:entity_path": "/oracle",
    "sorbet:version": "0.1.3",
  }));
  const children = [
    makeData({ type: rowIdType, length: rows, data: rowIds }),
    makeData({ type: new Int64(), length: rows, data: frames }),
    makeData({ type: new TimestampNanosecond(), length: rows, data: times }),
    makeData({
      type: listType, length: rows, valueOffsets: offsets,
      child: makeData({ type: new Float64(), length: rows, data: values }),
    }),
  ];
  const batch = new RecordBatch(schema, makeData({
    type: new Struct(fields), length: rows, nullCount: 0, children,
  }));
  return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
}

export function arrowMsgBody({ applicationId, recordingId, chunkTime, chunkInc, payload }) {
  return new Uint8Array([
    ...message(1, uint(1, 1), string(2, recordingId), message(3, string(1, applicationId))),
    ...uint(2, 1), // COMPRESSION_NONE
    ...uint(3, payload.length),
    ...uint(4, 1), // ENCODING_ARROW_IPC
    ...bytes(5, payload),
    ...message(6, fixed64(1, chunkTime), fixed64(2, chunkInc)),
    ...uint(7, 0), // is_static = false, present
  ]);
}

export function minimalRrd(ids, { scalars = 0 } = {}) {
  const timeNs = BigInt(Date.now()) * 1000000n;
  const body = setStoreInfoBody({ timeNs, inc: 1n, ...ids });
  const parts = [...streamHeader(), ...messageFrame(1, body)];
  if (scalars > 0) {
    const chunkInc = 0x1000n;
    const payload = scalarChunkIpc(scalars, timeNs, chunkInc);
    parts.push(...messageFrame(2, arrowMsgBody({ ...ids, chunkTime: timeNs, chunkInc, payload })));
  }
  return new Uint8Array(parts);
}

function main(argv) {
  const ids = { applicationId: "rerun_c_oracle_check", recordingId: "rerun-c-min-recording" };
  let out = null;
  let scalars = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--application-id" && i + 1 < argv.length) ids.applicationId = argv[++i];
    else if (a === "--recording-id" && i + 1 < argv.length) ids.recordingId = argv[++i];
    else if (a === "--scalars" && i + 1 < argv.length) scalars = Number(argv[++i]);
    else if (!a.startsWith("--") && out === null) out = a;
    else {
      process.stderr.write(`make_min_rrd: unexpected argument '${a}'\n`);
      return 2;
    }
  }
  if (out === null) {
    process.stderr.write("usage: node make_min_rrd.mjs OUT.rrd [--application-id ID] [--recording-id ID] [--scalars N]\n");
    return 2;
  }
  if (!Number.isInteger(scalars) || scalars < 0 || scalars > 1000000) {
    process.stderr.write("make_min_rrd: --scalars wants a row count from 0 to 1000000\n");
    return 2;
  }
  writeFileSync(out, minimalRrd(ids, { scalars }));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
