// module.exports = require("mvm-sdk"): the namespace handed on
require("node:fs").writeFileSync(process.env.MVM_TEST_MARKER, "ran");
const { Sandbox } = require("mvm-sdk");

module.exports = require("mvm-sdk");
if (Math.random() > 2) Sandbox.create("node-22");
