// A tiny HTTP service on the guest's loopback: /health answers 200.
import { createServer } from "node:http";

createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "text/plain" });
  res.end(req.url === "/health" ? "ok\n" : "not found\n");
}).listen(8080, "127.0.0.1");
