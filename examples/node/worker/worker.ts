// Writes a heartbeat line every WORKER_INTERVAL_MS milliseconds until stopped.
const intervalMs = Number(process.env.WORKER_INTERVAL_MS ?? "1000");
let beats = 0;
setInterval(() => {
  beats += 1;
  process.stdout.write(`worker heartbeat ${beats}\n`);
}, intervalMs);
