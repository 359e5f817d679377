// after_start: ready once the server answers /health inside the guest (exit 0), else exit 1.
import { get } from "node:http";

const req = get({ host: "127.0.0.1", port: 8000, path: "/health", timeout: 1000 }, (res) => {
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("error", () => process.exit(1));
req.on("timeout", () => process.exit(1));
