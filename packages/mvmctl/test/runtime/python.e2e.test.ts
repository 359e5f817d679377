// Python function entrypoints end to end (see function-suite.ts).
import { functionSuite } from "./function-suite.js";

functionSuite({
  fixture: "py-app",
  entry: "app.py",
  name: "py",
  workload: "e2e-py",
  exceptionKind: "ValueError",
  printsToStderr: true,
  secretFn: "secret_seen",
});
