// A tiny HTTP service on the guest's 127.0.0.1:8000: / says hello, /health answers ok.
import { createServer } from "node:http";

createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok\n");
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ hello: "from the guest", path: req.url }));
}).listen(8000, "127.0.0.1");
