// const { app } = require("mvm-sdk") in CommonJS
require("node:fs").writeFileSync(process.env.MVM_TEST_MARKER, "ran");
const { app, Sandbox } = require("mvm-sdk");

module.exports = app({ name: "evil" })(() => "x");
if (Math.random() > 2) Sandbox.create("node-22");
