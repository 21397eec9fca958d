// SaveScreenshot over gRPC (@grpc/grpc-js) to a running viewer's built-in
// endpoint: asks for the whole viewer written to FILE (or, with a third
// argument, for that view id) and prints the status the viewer answered.
//
// usage: node viewer_screenshot_rpc.mjs HOST:PORT FILE [VIEW_ID]
// Exits 0 when the call succeeded, 1 with the status otherwise.
import grpc from "@grpc/grpc-js";

const [addr, file, view] = process.argv.slice(2);
if (!addr || !file) {
  console.error("usage: viewer_screenshot_rpc.mjs HOST:PORT FILE [VIEW_ID]");
  process.exit(2);
}
function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (num, s) => {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([varint((num << 3) | 2), varint(b.length), b]);
};
// SaveScreenshotRequest { optional string view_id = 1; optional string file_path = 2; }
const req = Buffer.concat([view !== undefined ? field(1, view) : Buffer.alloc(0), field(2, file)]);
const client = new grpc.Client(addr, grpc.credentials.createInsecure());
const raw = (b) => b;
client.makeUnaryRequest(
  "/rerun.sdk_comms.v1alpha1.MessageProxyService/SaveScreenshot",
  raw,
  raw,
  req,
  { deadline: Date.now() + 60000 },
  (err) => {
    if (err) {
      console.log(`status ${err.code} ${grpc.status[err.code]}: ${err.details}`);
      process.exit(1);
    }
    console.log("status 0 OK");
    process.exit(0);
  },
);
