import * as mvm from "mvm-sdk";

// Not assigned to a const: the name comes from the function expression.
export default mvm.app({
  image: mvm.nodeImage({ node: "22" }),
})(function summarize(text: string): string {
  return text.slice(0, 10);
});

mvm.emitJson();
