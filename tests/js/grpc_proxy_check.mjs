// Calls every method of a running `rerun --serve-grpc` with @grpc/grpc-js (an
// independent gRPC implementation, HTTP/2) and checks Rerun 0.33's
// MessageProxyService behaviour: WriteMessages then ReadMessages (history in
// Rerun's order, then live, to two readers, bytes unchanged), WriteTable /
// ReadTables, SaveScreenshot without a viewer, and the bad calls: malformed
// protobuf (INVALID_ARGUMENT, earlier messages of the stream kept), an
// oversized message (RESOURCE_EXHAUSTED), an unknown method (UNIMPLEMENTED).
// After every bad call the server must still serve.
//
// usage: node grpc_proxy_check.mjs HOST:PORT MAX_MESSAGE_BYTES
// Prints one line per check; exits 1 on the first failure.
import grpc from "@grpc/grpc-js";

const [addr, maxMsgArg] = process.argv.slice(2);
if (!addr || !maxMsgArg) {
  console.error("usage: grpc_proxy_check.mjs HOST:PORT MAX_MESSAGE_BYTES");
  process.exit(2);
}
const maxMsg = Number(maxMsgArg);
const SVC = "/rerun.sdk_comms.v1alpha1.MessageProxyService/";
const raw = (b) => b;
const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
  "grpc.max_send_message_length": -1,
  "grpc.max_receive_message_length": -1,
});

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}
function ok(msg) {
  console.log(`ok: ${msg}`);
}

// --- protobuf by hand ---
function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const field = (num, bytes) => Buffer.concat([varint((num << 3) | 2), varint(bytes.length), bytes]);
const fieldVarint = (num, v) => Buffer.concat([varint(num << 3), varint(v)]);
const str = (s) => Buffer.from(s, "utf8");

// StoreId { kind, recording_id, application_id { id } }
const storeId = (kind, app, rec) =>
  Buffer.concat([fieldVarint(1, kind), field(2, str(rec)), field(3, field(1, str(app)))]);
const APP = "grpc_proxy_check";
const REC = "rec-" + process.pid;

function setStoreInfo() {
  const tuid = Buffer.alloc(18);
  tuid[0] = 0x09; // time_ns fixed64
  tuid.writeBigUInt64LE(1700000000000000000n, 1);
  tuid[9] = 0x11; // inc fixed64
  tuid.writeBigUInt64LE(1n, 10);
  const info = Buffer.concat([
    field(2, storeId(1, APP, REC)),
    field(5, Buffer.concat([fieldVarint(1, 1), field(2, Buffer.alloc(0))])),
  ]);
  return field(1, Buffer.concat([field(1, tuid), field(2, info)])); // LogMsg.set_store_info
}
// An ArrowMsg whose payload starts with a tag, so messages can be told apart.
function arrowMsg(tag, { isStatic = false, size = 64 } = {}) {
  const payload = Buffer.alloc(size);
  payload.write(tag, 0, "utf8");
  const parts = [
    field(1, storeId(1, APP, REC)),
    fieldVarint(2, 1),
    fieldVarint(3, size),
    fieldVarint(4, 1),
    field(5, payload),
  ];
  if (isStatic) parts.push(fieldVarint(7, 1));
  return field(2, Buffer.concat(parts)); // LogMsg.arrow_msg
}
const writeReq = (logMsg) => field(1, logMsg); // WriteMessagesRequest { log_msg = 1 }
function tagOf(resp) {
  // ReadMessagesResponse = WriteMessagesRequest: find 'T' tags or store info.
  const s = resp.toString("latin1");
  const m = s.match(/T[0-9a-z_-]+/);
  if (m) return m[0];
  return resp.includes(Buffer.from(REC)) ? "storeinfo" : "?";
}

// --- calls ---
function writeMessages(reqs) {
  return new Promise((resolve) => {
    const call = client.makeClientStreamRequest(SVC + "WriteMessages", raw, raw, (err, resp) =>
      resolve({ err, resp }),
    );
    for (const r of reqs) call.write(r);
    call.end();
  });
}
function unary(method, req) {
  return new Promise((resolve) => {
    client.makeUnaryRequest(SVC + method, raw, raw, req, (err, resp) => resolve({ err, resp }));
  });
}
function reader(method) {
  const got = [];
  const call = client.makeServerStreamRequest(SVC + method, raw, raw, Buffer.alloc(0));
  const r = { got, call, status: null, error: null };
  call.on("data", (d) => got.push(Buffer.from(d)));
  call.on("error", (e) => (r.error = e));
  call.on("status", (s) => (r.status = s));
  return r;
}
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
async function waitFor(pred, what, ms = 10000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const codeName = (c) => Object.keys(grpc.status).find((k) => grpc.status[k] === c) ?? String(c);
function expectCode(res, code, what) {
  const got = res.err ? res.err.code : grpc.status.OK;
  if (got !== code) fail(`${what}: status ${codeName(got)} (${res.err?.details ?? ""}), expected ${codeName(code)}`);
  ok(`${what}: ${codeName(code)}${res.err?.details ? ` "${res.err.details}"` : ""}`);
}
function sameList(a, b, what) {
  if (a.length !== b.length || a.some((x, i) => x !== b[i]))
    fail(`${what}: got [${a.join(", ")}], expected [${b.join(", ")}]`);
}

async function stillServes(label) {
  const r = await writeMessages([writeReq(arrowMsg(`Talive_${label}`))]);
  expectCode(r, grpc.status.OK, `still serving after ${label}`);
}

// 1. A reader before any data, then a writer: live messages in arrival order.
const a = reader("ReadMessages");
await sleep(200);
const first = [
  writeReq(arrowMsg("Tt1")),
  writeReq(arrowMsg("Ts1", { isStatic: true })),
  writeReq(setStoreInfo()),
  writeReq(arrowMsg("Tt2")),
];
expectCode(await writeMessages(first), grpc.status.OK, "WriteMessages (4 messages)");
await waitFor(() => a.got.length >= 4, "reader A's 4 live messages");
sameList(a.got.map(tagOf), ["Tt1", "Ts1", "storeinfo", "Tt2"], "reader A live order");
for (let i = 0; i < 4; i++)
  if (!a.got[i].equals(first[i])) fail(`reader A message ${i}: bytes differ from what was written`);
ok("reader A got the 4 messages live, in arrival order, byte for byte");

// 2. A late reader: history as Rerun replays it (store info, static, temporal), then live.
const b = reader("ReadMessages");
await waitFor(() => b.got.length >= 4, "reader B's history");
sameList(b.got.map(tagOf), ["storeinfo", "Ts1", "Tt1", "Tt2"], "reader B history order");
ok("reader B got the history: store info, static, temporal");
expectCode(await writeMessages([writeReq(arrowMsg("Tt3")), writeReq(arrowMsg("Tt4"))]), grpc.status.OK, "WriteMessages (2 more)");
await waitFor(() => a.got.length >= 6 && b.got.length >= 6, "live messages on both readers");
sameList(a.got.slice(4).map(tagOf), ["Tt3", "Tt4"], "reader A live");
sameList(b.got.slice(4).map(tagOf), ["Tt3", "Tt4"], "reader B live");
ok("both readers got the live messages in order");

// 3. Tables.
const table = Buffer.concat([field(1, field(1, str("my_table"))), field(2, field(2, str("TABLEPAYLOAD")))]);
expectCode(await unary("WriteTable", table), grpc.status.OK, "WriteTable");
const t = reader("ReadTables");
await waitFor(() => t.got.length >= 1, "ReadTables history");
if (!t.got[0].equals(table)) fail("ReadTables: the table's bytes differ from WriteTable's request");
expectCode(await unary("WriteTable", table), grpc.status.OK, "WriteTable (live)");
await waitFor(() => t.got.length >= 2, "ReadTables live");
ok("ReadTables: history then live, byte for byte");
await sleep(100);
if (a.got.some((m) => m.includes(Buffer.from("TABLEPAYLOAD")))) fail("a message reader got a table");
expectCode(await unary("WriteTable", Buffer.from([0x0a, 0x09, 0x0a])), grpc.status.INVALID_ARGUMENT, "WriteTable malformed");
await stillServes("malformed WriteTable");

// 4. SaveScreenshot with no viewer attached: Rerun's status when nobody takes the command.
const shot = await unary("SaveScreenshot", field(2, str("shot.png")));
expectCode(shot, grpc.status.INTERNAL, "SaveScreenshot without a viewer");
await stillServes("SaveScreenshot");

// 5. Malformed protobuf mid-stream: INVALID_ARGUMENT, the message before it stays.
const before = a.got.length;
const bad = await writeMessages([writeReq(arrowMsg("Tbefore_bad")), Buffer.from([0x0a, 0x7f, 0x12]), writeReq(arrowMsg("Tafter_bad"))]);
expectCode(bad, grpc.status.INVALID_ARGUMENT, "WriteMessages with malformed protobuf");
await stillServes("malformed WriteMessages");
await waitFor(() => a.got.slice(before).some((m) => tagOf(m) === "Talive_malformed"), "message after the bad stream");
const seen = a.got.slice(before).map(tagOf);
if (!seen.includes("Tbefore_bad")) fail("the message before the malformed one was lost");
if (seen.includes("Tafter_bad")) fail("a message after the malformed one was taken");
ok("the message before the malformed one was kept, the one after it not");
// An ArrowMsg without a store id decodes as protobuf but is no valid LogMsg.
const noStore = await writeMessages([field(1, field(2, fieldVarint(2, 1)))]);
expectCode(noStore, grpc.status.INVALID_ARGUMENT, "WriteMessages ArrowMsg without store id");
await stillServes("ArrowMsg without store id");

// 6. Oversized message.
const big = await writeMessages([writeReq(arrowMsg("Tbig", { size: maxMsg + 1024 }))]);
expectCode(big, grpc.status.RESOURCE_EXHAUSTED, `WriteMessages with a ${maxMsg + 1024}-byte payload (limit ${maxMsg})`);
await stillServes("oversized message");

// 7. Unknown method.
const unk = await new Promise((resolve) =>
  client.makeUnaryRequest("/rerun.sdk_comms.v1alpha1.MessageProxyService/NoSuchMethod", raw, raw, Buffer.alloc(0), (err, resp) =>
    resolve({ err, resp }),
  ),
);
expectCode(unk, grpc.status.UNIMPLEMENTED, "unknown method");
await stillServes("unknown method");

// 8. A third reader now gets the whole history, still in Rerun's order.
const c = reader("ReadMessages");
await waitFor(() => c.got.some((m) => tagOf(m) === "Talive_unknown"), "reader C's history");
const ctags = c.got.map(tagOf);
if (ctags[0] !== "storeinfo" || ctags[1] !== "Ts1" || ctags[2] !== "Tt1") fail(`reader C history starts [${ctags.slice(0, 3)}]`);
ok(`reader C got ${c.got.length} messages of history, store info and static first`);

for (const r of [a, b, c, t]) r.call.cancel();
if (a.error && a.error.code !== grpc.status.CANCELLED) fail(`reader A ended with ${a.error}`);
client.close();
console.log("all checks passed");
process.exit(0);
