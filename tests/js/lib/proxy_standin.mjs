// A stand-in for a Rerun message proxy, as seen by the official web viewer:
// answers gRPC-web ReadMessages on 127.0.0.1 with the messages of an .rrd
// file and then keeps the stream open, as a live server does while its
// producer is connected. It exists to check viewer_oracle.mjs's live-source
// mode (a `rerun+http://127.0.0.1:PORT/proxy` URL) before and independently
// of rerun-c's own server: when the oracle fails on it, the harness is at
// fault, not our server.
//
//   node proxy_standin.mjs FILE.rrd [--port N] [--delay-ms MS] [--close]
//
// Prints the port it listens on as one line on stdout, then serves until it
// is killed. --delay-ms waits that long before each message (so a client
// sees the data arrive over time); --close ends each stream with grpc-status
// 0 after the last message instead of holding it open.
//
// Facts (rerun-io/rerun 0.33.0, sdk_comms.proto, log_msg.proto; gRPC-web as
// the viewer speaks it, see shared/INTEROP.md):
//  - path /rerun.sdk_comms.v1alpha1.MessageProxyService/ReadMessages, after a
//    CORS preflight; content-type application/grpc-web+proto;
//  - each data frame: flag byte 0x00, u32 big-endian length, then a
//    ReadMessagesResponse { LogMsg log_msg = 1; };
//    LogMsg { oneof { SetStoreInfo = 1; ArrowMsg = 2;
//             BlueprintActivationCommand = 3 } };
//  - the trailer frame: flag 0x80, length, "grpc-status:0\r\n";
//  - an .rrd message frame: kind u64 LE (0 End, 1 SetStoreInfo, 2 ArrowMsg,
//    3 BlueprintActivationCommand), body length u64 LE, body; the bodies are
//    the same protobuf messages LogMsg wraps.

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const READ_MESSAGES = "/rerun.sdk_comms.v1alpha1.MessageProxyService/ReadMessages";
const STREAM_HEADER_BYTES = 12;
const FRAME_HEADER_BYTES = 16;

function varint(n) {
  const out = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return Uint8Array.from(out);
}

// A length-delimited protobuf field (wire type 2).
function lenField(field, body) {
  return Buffer.concat([varint((field << 3) | 2), varint(body.length), body]);
}

// The LogMsg bodies of an .rrd file, in order: [{kind, body}]. Throws on a
// file that is not an uncompressed-framing .rrd stream.
export function rrdMessages(bytes) {
  const buf = Buffer.from(bytes);
  if (buf.length < STREAM_HEADER_BYTES || buf.toString("latin1", 0, 4) !== "RRF2") {
    throw new Error("not an .rrd file (no RRF2 stream header)");
  }
  const out = [];
  let at = STREAM_HEADER_BYTES;
  while (at + FRAME_HEADER_BYTES <= buf.length) {
    const kind = Number(buf.readBigUInt64LE(at));
    const len = Number(buf.readBigUInt64LE(at + 8));
    at += FRAME_HEADER_BYTES;
    if (len > buf.length - at) throw new Error(`message at byte ${at - FRAME_HEADER_BYTES} runs past the end of the file`);
    if (kind === 0) break; // End: what follows is the footer
    if (kind < 1 || kind > 3) throw new Error(`unknown message kind ${kind} at byte ${at - FRAME_HEADER_BYTES}`);
    out.push({ kind, body: buf.subarray(at, at + len) });
    at += len;
  }
  return out;
}

// One gRPC-web data frame holding ReadMessagesResponse{log_msg: LogMsg{kind: body}}.
export function readMessagesFrame({ kind, body }) {
  const response = lenField(1, lenField(kind, body));
  const head = Buffer.alloc(5);
  head[0] = 0x00;
  head.writeUInt32BE(response.length, 1);
  return Buffer.concat([head, response]);
}

function trailerFrame(status, message) {
  const text = Buffer.from(`grpc-status:${status}\r\n` + (message ? `grpc-message:${encodeURIComponent(message)}\r\n` : ""));
  const head = Buffer.alloc(5);
  head[0] = 0x80;
  head.writeUInt32BE(text.length, 1);
  return Buffer.concat([head, text]);
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "content-type, x-grpc-web, x-user-agent, grpc-timeout",
  "access-control-expose-headers": "grpc-status, grpc-message",
  "access-control-max-age": "600",
};

// Serves `messages` to every ReadMessages call; resolves to the server once
// it listens.
export function startStandin(messages, { port = 0, delayMs = 0, close = false } = {}) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://127.0.0.1").pathname;
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS);
      return res.end();
    }
    const grpcHeaders = { ...CORS, "content-type": "application/grpc-web+proto" };
    if (req.method !== "POST" || path !== READ_MESSAGES) {
      res.writeHead(200, grpcHeaders);
      return res.end(trailerFrame(12, `${path} is not served by this stand-in`));
    }
    req.resume(); // the request is an empty ReadMessagesRequest
    res.writeHead(200, grpcHeaders);
    res.flushHeaders();
    let gone = false;
    res.on("close", () => { gone = true; });
    (async () => {
      for (const m of messages) {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        if (gone) return;
        res.write(readMessagesFrame(m));
      }
      if (close && !gone) res.end(trailerFrame(0));
    })();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

async function main(argv) {
  let file = null;
  const opts = { port: 0, delayMs: 0, close: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port" && i + 1 < argv.length) opts.port = Number(argv[++i]);
    else if (a === "--delay-ms" && i + 1 < argv.length) opts.delayMs = Number(argv[++i]);
    else if (a === "--close") opts.close = true;
    else if (!a.startsWith("--") && file === null) file = a;
    else {
      process.stderr.write(`proxy_standin: unexpected argument '${a}'\n`);
      return 2;
    }
  }
  if (file === null || !(opts.port >= 0 && opts.port < 65536) || !(opts.delayMs >= 0)) {
    process.stderr.write("usage: node proxy_standin.mjs FILE.rrd [--port N] [--delay-ms MS] [--close]\n");
    return 2;
  }
  let messages;
  try {
    messages = rrdMessages(readFileSync(file));
  } catch (e) {
    process.stderr.write(`proxy_standin: ${file}: ${e.message}\n`);
    return 1;
  }
  const server = await startStandin(messages, opts);
  process.stdout.write(`${server.address().port}\n`);
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, () => { server.closeAllConnections?.(); server.close(); process.exit(0); });
  }
  return null; // keeps serving
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { if (code !== null) process.exitCode = code; });
}
