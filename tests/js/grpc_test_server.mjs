// A stand-in message proxy on @grpc/grpc-js (an independent gRPC
// implementation) for testing rerun-c's gRPC client and SDK sink.
//
//   node grpc_test_server.mjs serve --out GOT.rrd [--port P] [--port-file F]
//       MessageProxyService.WriteMessages: every LogMsg received is appended
//       to GOT.rrd as an .rrd message frame (kind = the LogMsg oneof field,
//       body = its bytes, untouched), written synchronously so a killed
//       server leaves whole frames. ReadMessages streams back what was
//       received so far, then ends. Test methods: /rrtest.Test/Echo (unary
//       echo), /rrtest.Test/Fail (unary, fails with FAILED_PRECONDITION and a
//       message), /rrtest.Test/Count (server stream: request = decimal N,
//       N responses "0".."N-1"). Logs one line per call to stdout.
//   node grpc_test_server.mjs compare GOT.rrd SAVED.rrd
//       GOT must start with SetStoreInfo and hold exactly SAVED's messages
//       (kinds and bytes, in order). Exit 0 when so, 1 with the difference.
//   node grpc_test_server.mjs cover SAVED.rrd GOT1.rrd [GOT2.rrd ...]
//       Every GOT starts with SetStoreInfo equal to SAVED's; every message of
//       SAVED is in some GOT; GOTs hold nothing SAVED lacks.
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';

const SERVICE = '/rerun.sdk_comms.v1alpha1.MessageProxyService/';
const KINDS = { 1: 'SetStoreInfo', 2: 'ArrowMsg', 3: 'BlueprintActivationCommand' };

function varint(buf, pos) {
  let v = 0n, shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [Number(v), pos];
    shift += 7n;
  }
}

// The single length-delimited field of a message: [field number, bytes].
function onlyField(buf, what) {
  let [tag, pos] = varint(buf, 0);
  if ((tag & 7) !== 2) throw new Error(`${what}: field ${tag >> 3} is not length-delimited`);
  let len;
  [len, pos] = varint(buf, pos);
  if (pos + len !== buf.length) throw new Error(`${what}: ${buf.length - pos - len} bytes after field ${tag >> 3}`);
  return [tag >> 3, buf.subarray(pos, pos + len)];
}

// WriteMessagesRequest { LogMsg log_msg = 1 } -> [kind, body].
function parseRequest(buf) {
  const [f, logMsg] = onlyField(buf, 'WriteMessagesRequest');
  if (f !== 1) throw new Error(`WriteMessagesRequest: unexpected field ${f}`);
  const [kind, body] = onlyField(logMsg, 'LogMsg');
  if (!KINDS[kind]) throw new Error(`LogMsg: unknown oneof field ${kind}`);
  return [kind, body];
}

function frame(kind, body) {
  const h = Buffer.alloc(16);
  h.writeBigUInt64LE(BigInt(kind), 0);
  h.writeBigUInt64LE(BigInt(body.length), 8);
  return Buffer.concat([h, body]);
}

function readRrd(path) {
  const buf = fs.readFileSync(path);
  if (buf.length < 12 || buf.subarray(0, 4).toString() !== 'RRF2') throw new Error(`${path}: not an .rrd stream`);
  const msgs = [];
  let pos = 12;
  while (pos + 16 <= buf.length) {
    const kind = Number(buf.readBigUInt64LE(pos));
    const len = Number(buf.readBigUInt64LE(pos + 8));
    if (kind === 0) break; // End: footer follows
    if (pos + 16 + len > buf.length) throw new Error(`${path}: message at ${pos} truncated`);
    msgs.push({ kind, body: buf.subarray(pos + 16, pos + 16 + len) });
    pos += 16 + len;
  }
  return msgs;
}

const ident = (b) => b;
function method(name, requestStream, responseStream) {
  return {
    path: name.startsWith('/') ? name : SERVICE + name,
    requestStream, responseStream,
    requestSerialize: ident, requestDeserialize: ident,
    responseSerialize: ident, responseDeserialize: ident,
  };
}

function serve(args) {
  const out = args.out;
  if (!out) throw new Error('serve: --out FILE is required');
  const header = Buffer.from([0x52, 0x52, 0x46, 0x32, 0, 0x21, 0, 0, 0, 2, 0, 0]);
  const fd = fs.openSync(out, 'w');
  fs.writeSync(fd, header);
  const history = [];
  let calls = 0;

  const server = new grpc.Server({
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  });
  server.addService({
    WriteMessages: method('WriteMessages', true, false),
    ReadMessages: method('ReadMessages', false, true),
  }, {
    WriteMessages: (call, callback) => {
      const id = ++calls;
      let n = 0;
      let failed = false;
      console.log(`call ${id}: WriteMessages from ${call.getPeer()}`);
      call.on('data', (req) => {
        if (failed) return;
        try {
          const [kind, body] = parseRequest(req);
          fs.writeSync(fd, frame(kind, body));
          history.push(req);
          n++;
        } catch (e) {
          failed = true;
          console.log(`call ${id}: bad request: ${e.message}`);
          callback({ code: grpc.status.INVALID_ARGUMENT, details: e.message });
        }
      });
      call.on('end', () => {
        console.log(`call ${id}: WriteMessages ended after ${n} messages`);
        if (!failed) callback(null, Buffer.alloc(0));
      });
      call.on('error', (e) => console.log(`call ${id}: error after ${n} messages: ${e.message}`));
    },
    ReadMessages: (call) => {
      console.log(`call ${++calls}: ReadMessages: ${history.length} messages`);
      for (const m of history) call.write(m); // ReadMessagesResponse == WriteMessagesRequest
      call.end();
    },
  });
  server.addService({
    Echo: method('/rrtest.Test/Echo', false, false),
    Fail: method('/rrtest.Test/Fail', false, false),
    Count: method('/rrtest.Test/Count', false, true),
  }, {
    Echo: (call, callback) => callback(null, call.request),
    Fail: (call, callback) => callback({ code: grpc.status.FAILED_PRECONDITION, details: 'told to fail: 100% on purpose' }),
    Count: (call) => {
      const n = parseInt(call.request.toString(), 10) || 0;
      for (let i = 0; i < n; i++) call.write(Buffer.from(String(i)));
      call.end();
    },
  });
  server.bindAsync(`127.0.0.1:${args.port || 0}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      console.error(`bind failed: ${err.message}`);
      process.exit(1);
    }
    console.log(`listening on 127.0.0.1:${port}`);
    if (args['port-file']) fs.writeFileSync(args['port-file'], String(port));
  });
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function same(a, b) {
  return a.kind === b.kind && a.body.equals(b.body);
}

function compare(gotPath, savedPath) {
  const got = readRrd(gotPath), saved = readRrd(savedPath);
  if (got.length === 0 || got[0].kind !== 1) throw new Error(`${gotPath}: does not start with SetStoreInfo`);
  if (got.length !== saved.length) throw new Error(`${gotPath}: ${got.length} messages, ${savedPath}: ${saved.length}`);
  for (let i = 0; i < got.length; i++)
    if (!same(got[i], saved[i]))
      throw new Error(`message ${i}: ${KINDS[got[i].kind]} of ${got[i].body.length} bytes received, ` +
                      `${KINDS[saved[i].kind]} of ${saved[i].body.length} bytes saved`);
  const arrow = got.filter((m) => m.kind === 2).length;
  const bytes = got.reduce((s, m) => s + m.body.length, 0);
  console.log(`same ${got.length} messages (${arrow} ArrowMsg, ${bytes} bytes)`);
}

function cover(savedPath, gotPaths) {
  const saved = readRrd(savedPath);
  const key = (m) => `${m.kind}:${m.body.toString('base64')}`;
  const savedKeys = new Set(saved.map(key));
  const seen = new Set();
  for (const p of gotPaths) {
    const got = readRrd(p);
    if (got.length === 0 || !same(got[0], saved[0])) throw new Error(`${p}: does not start with the recording's SetStoreInfo`);
    for (const m of got) {
      if (!savedKeys.has(key(m))) throw new Error(`${p}: a ${KINDS[m.kind]} of ${m.body.length} bytes that the saved file lacks`);
      seen.add(key(m));
    }
    console.log(`${p}: ${got.length} messages`);
  }
  const missing = saved.filter((m) => !seen.has(key(m)));
  if (missing.length) throw new Error(`${missing.length} of ${saved.length} saved messages reached no server`);
  console.log(`all ${saved.length} saved messages were received`);
}

const [cmd, ...rest] = process.argv.slice(2);
try {
  if (cmd === 'serve') {
    const args = {};
    for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, '')] = rest[i + 1];
    serve(args);
  } else if (cmd === 'compare') {
    compare(rest[0], rest[1]);
  } else if (cmd === 'cover') {
    cover(rest[0], rest.slice(1));
  } else {
    console.error('usage: grpc_test_server.mjs serve --out FILE [--port P] [--port-file F] | compare GOT SAVED | cover SAVED GOT...');
    process.exit(2);
  }
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
}
