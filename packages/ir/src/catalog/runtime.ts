import type { CodeRow } from "./row.js";

export const runtimeCodes = {} satisfies Record<string, CodeRow>;
