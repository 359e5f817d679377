// mvm-sdk: declare a workload next to a function (app, helpers, emitJson) and drive sandboxes
// (Sandbox). `import * as mvm from "mvm-sdk"` and `import mvm from "mvm-sdk"` give the same names.
import * as api from "./api.js";

export * from "./api.js";
export default api;
