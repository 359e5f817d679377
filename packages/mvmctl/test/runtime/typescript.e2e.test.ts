// TypeScript function entrypoints end to end (see function-suite.ts).
import { functionSuite } from "./function-suite.js";

functionSuite({
  fixture: "ts-app",
  entry: "app.ts",
  name: "ts",
  workload: "e2e-ts",
  exceptionKind: "RangeError",
});
