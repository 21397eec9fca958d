// Fault cases against a running `rerun --serve-grpc` (grpc-js clients):
//  writer  MODE=writer: writes N tagged messages on one WriteMessages stream,
//          prints "sent N" and then hangs (the shell test kills it with -9
//          mid-stream, without closing the stream).
//  check   MODE=check N: a fresh reader must get exactly the N messages of
//          the killed writer (complete messages kept) and a new writer must
//          still be served.
//  slow    MODE=slow: two readers; one never reads (its socket fills), the
//          other reads everything. A writer sends MSGS messages of SIZE bytes,
//          paced to the reading reader (they share this process).
//          The stalled reader must be ended by the server with
//          RESOURCE_EXHAUSTED, the good reader must get every message in
//          order, and the writer must never be refused.
import grpc from "@grpc/grpc-js";
import net from "node:net";
import http2 from "node:http2";

const [mode, addr, arg] = process.argv.slice(2);
const SVC = "/rerun.sdk_comms.v1alpha1.MessageProxyService/";
const raw = (b) => b;
const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
  "grpc.max_receive_message_length": -1,
});
const fail = (m) => {
  console.error(`FAIL: ${m}`);
  process.exit(1);
};
const ok = (m) => console.log(`ok: ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (num, b) => Buffer.concat([varint((num << 3) | 2), varint(b.length), b]);
const fv = (num, v) => Buffer.concat([varint(num << 3), varint(v)]);
const storeId = Buffer.concat([fv(1, 1), field(2, Buffer.from("faults")), field(3, field(1, Buffer.from("grpc_faults")))]);
function msg(tag, size = 200) {
  const payload = Buffer.alloc(size);
  payload.write(tag);
  return field(1, field(2, Buffer.concat([field(1, storeId), fv(2, 1), fv(3, size), fv(4, 1), field(5, payload)])));
}
const tagOf = (m) => (m.toString("latin1").match(/W[0-9]+_[0-9]+/) ?? ["?"])[0];

function reader() {
  const r = { got: [], status: null };
  r.call = client.makeServerStreamRequest(SVC + "ReadMessages", raw, raw, Buffer.alloc(0));
  r.call.on("data", (d) => r.got.push(tagOf(d)));
  r.call.on("error", (e) => (r.status = e.code));
  r.call.on("status", (s) => (r.status = r.status ?? s.code));
  return r;
}

if (mode === "writer") {
  const n = Number(arg);
  const call = client.makeClientStreamRequest(SVC + "WriteMessages", raw, raw, () => {});
  for (let i = 0; i < n; i++) call.write(msg(`W1_${i}`));
  // Wait until grpc-js has handed everything to the socket, then hang.
  await sleep(1500);
  console.log(`sent ${n}`);
  setInterval(() => {}, 1000);
} else if (mode === "check") {
  const n = Number(arg);
  const r = reader();
  const t0 = Date.now();
  while (r.got.filter((t) => t.startsWith("W1_")).length < n && Date.now() - t0 < 10000) await sleep(50);
  const w1 = r.got.filter((t) => t.startsWith("W1_"));
  if (w1.length !== n) fail(`history holds ${w1.length} of the killed writer's ${n} messages`);
  for (let i = 0; i < n; i++) if (w1[i] !== `W1_${i}`) fail(`killed writer's message ${i} is ${w1[i]}`);
  ok(`the killed writer's ${n} complete messages are in history, in order`);
  const res = await new Promise((resolve) => {
    const c = client.makeClientStreamRequest(SVC + "WriteMessages", raw, raw, (err) => resolve(err));
    c.write(msg("W2_0"));
    c.end();
  });
  if (res) fail(`a new writer was refused: ${res}`);
  while (!r.got.includes("W2_0") && Date.now() - t0 < 10000) await sleep(50);
  if (!r.got.includes("W2_0")) fail("the new writer's message did not reach the reader");
  ok("a new writer is served and its message reaches readers");
  r.call.cancel();
  process.exit(0);
} else if (mode === "slow") {
  const [msgs, size] = arg.split(",").map(Number);
  const [host, port] = addr.split(":");
  // The stalled reader: a raw HTTP/2 session that opens ReadMessages and then
  // never consumes (a paused stream with a small window stops the server's
  // sending once its window and our socket buffers are full).
  const session = http2.connect(`http://${host}:${port}`, {
    settings: { initialWindowSize: 65535 },
  });
  const stalled = { status: null, bytes: 0 };
  const s = session.request(
    { ":method": "POST", ":path": SVC + "ReadMessages", "content-type": "application/grpc", te: "trailers" },
    { endStream: false },
  );
  s.end(Buffer.from([0, 0, 0, 0, 0]));
  s.on("trailers", (h) => (stalled.status = Number(h["grpc-status"])));
  s.on("response", (h) => {
    if (h["grpc-status"] !== undefined) stalled.status = Number(h["grpc-status"]);
  });
  s.on("error", () => {});
  s.pause();
  const good = reader();
  await sleep(300);
  // History from the earlier phases comes first; count this phase's only.
  const w3 = () => good.got.filter((t) => t.startsWith("W3_"));
  const base = good.got.length;
  let writeErr = null;
  const done = new Promise((resolve) => {
    const c = client.makeClientStreamRequest(SVC + "WriteMessages", raw, raw, (err) => {
      writeErr = err;
      resolve();
    });
    let i = 0;
    // Paced to the reading reader (at most ~2 MB ahead of it): a reader that
    // keeps up gets everything; only the stalled one falls behind.
    const pump = () => {
      while (i < msgs) {
        if (i - (good.got.length - base) > 500) return setTimeout(pump, 2);
        const more = c.write(msg(`W3_${i}`, size));
        i++;
        if (!more) return c.once("drain", pump);
      }
      c.end();
    };
    pump();
  });
  await done;
  if (writeErr) fail(`the writer was refused: ${writeErr.code} ${writeErr.details}`);
  ok(`writer sent ${msgs} x ${size} bytes and was never refused`);
  const t0 = Date.now();
  while (w3().length < msgs && Date.now() - t0 < 30000) await sleep(50);
  const got = w3();
  if (got.length !== msgs) fail(`the reading reader got ${got.length} of ${msgs}`);
  for (let i = 0; i < msgs; i++) if (got[i] !== `W3_${i}`) fail(`reading reader: message ${i} is ${got[i]}`);
  ok("the reading reader got every message in order");
  // Now read the stalled stream: the server ended it; its trailers follow the data it had queued.
  s.resume();
  s.on("data", (d) => (stalled.bytes += d.length));
  while (stalled.status === null && Date.now() - t0 < 30000) await sleep(50);
  if (stalled.status !== grpc.status.RESOURCE_EXHAUSTED)
    fail(`the stalled reader ended with status ${stalled.status}, expected RESOURCE_EXHAUSTED (8)`);
  const total = msgs * (size + 60);
  if (stalled.bytes >= total) fail(`the stalled reader got ${stalled.bytes} bytes: it was not cut short`);
  ok(`the stalled reader was ended with RESOURCE_EXHAUSTED after ${stalled.bytes} bytes (of ~${total})`);
  good.call.cancel();
  session.close();
  process.exit(0);
} else {
  console.error("usage: grpc_faults_check.mjs writer|check|slow HOST:PORT ARG");
  process.exit(2);
}
