import * as mvm from "mvm-sdk";

export const esc = mvm.app({
  image: mvm.node_image(),
  env: {
    TAB: "a\tb",
    NEWLINE: 'line1\nline2',
    QUOTES: "say \"hi\" and 'bye'",
    BACKSLASH: "C:\\path\\x",
    HEX: "\x41\x42",
    UNICODE: "caf\u00e9 \u{1F600}",
    RAW_UNICODE: "naïve – 日本",
    TEMPLATE: `no interpolation \u0041 here`,
    CONTINUED: "one \
two",
    NUL_CTRL: "\0\b\f\v",
  },
})((): void => {});

mvm.emitJson();
