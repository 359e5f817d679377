import type { CodeRow } from "./row.js";

// Codes of the compile stage: declaration parsers (spec §4), recordings, input and staging.
export const compileCodes = {
  E_SYNTAX: {
    summary: "the declaration file does not parse",
    hint: "fix the syntax error; mvmctl compile never runs the file",
    exit: 1,
  },
  E_NO_DECLARATION: {
    summary: "no mvm.app declaration was found",
    hint: "decorate a function with @mvm.app(...) (Python) or wrap it with mvm.app({...})(fn) (TypeScript)",
    exit: 1,
  },
  E_MULTIPLE_DECLARATIONS: {
    summary: "more than one mvm.app declaration in one file",
    hint: "declare one app per file (one app per workload in v0)",
    exit: 1,
  },
  E_DECLARATION_UNRECOGNISED: {
    summary:
      "the file uses the mvm declaration API (or reaches the mvm module) in a form compile cannot read statically, so it is neither extracted nor run",
    hint: 'write the declaration in the supported literal form (@mvm.app(...) after `import mvm`; mvm.app({...})(fn) after `import * as mvm from "mvm-sdk"`); a Sandbox script must reach mvm only as mvm.Sandbox or `from mvm import Sandbox`, or record it yourself (MVM_SDK_MODE=record MVM_SDK_OUT_PATH=rec.json <run the script>) and compile --from-recording rec.json',
    exit: 1,
  },
  E_AUTORUN_REFUSED: {
    summary:
      "a Sandbox script was not run on the host: auto-run is turned off (--no-auto-run or MVM_NO_AUTO_RUN=1)",
    hint: "record it yourself where running it is acceptable (MVM_SDK_MODE=record MVM_SDK_OUT_PATH=rec.json <run the script>) and compile --from-recording rec.json",
    exit: 1,
  },
  E_NESTING_TOO_DEEP: {
    summary:
      "the input nests brackets or expressions deeper than compile reads (256 brackets or indentation levels; 4,000 chained tokens)",
    hint: "flatten the structure; no declaration, IR document or recording needs this depth",
    exit: 1,
  },
  E_NON_LITERAL: {
    summary: "a declaration value is not a literal",
    hint: "write the value literally (strings, numbers, lists, dicts) or with an mvm helper; the compiler never evaluates code",
    exit: 1,
  },
  E_UNKNOWN_HELPER: {
    summary: "a call to something that is not an mvm helper",
    hint: "use one of the mvm helpers listed in docs/declarations.md",
    exit: 1,
  },
  E_UNKNOWN_KWARG: {
    summary: "a keyword that the helper does not take",
    hint: "check the helper's keywords in docs/declarations.md",
    exit: 1,
  },
  E_MISSING_KWARG: {
    summary: "a required keyword is missing",
    hint: "add the keyword shown",
    exit: 1,
  },
  E_BAD_KWARG: {
    summary: "a keyword has a value of the wrong type or shape",
    hint: "check the expected type in docs/declarations.md",
    exit: 1,
  },
  E_INPUT_NOT_FOUND: {
    summary: "the input file does not exist or cannot be read",
    hint: "check the path",
    exit: 1,
  },
  E_INPUT_TOO_LARGE: {
    summary: "the input is larger than mvmctl accepts",
    hint: "IR and declaration files are capped at 4 MiB, recordings at 64 MiB",
    exit: 1,
  },
  E_INPUT_KIND_UNKNOWN: {
    summary: "mvmctl cannot tell what kind of input this is",
    hint: "pass a .py/.ts/.mts/.cts/.tsx declaration, a .json IR file, '-' for IR on stdin, or --from-ir/--from-recording",
    exit: 2,
  },
  E_SOURCE_TOO_LARGE: {
    summary: "the source bundle is larger than mvmctl accepts",
    hint: "narrow source include=[...] or add exclude=[...] (the cap is 256 MiB / 20,000 files)",
    exit: 1,
  },
  E_SOURCE_OUTSIDE_PROJECT: {
    summary: "the source path resolves outside the project directory",
    hint: "keep sources under the declaration's directory (the IR file's, or the current directory for stdin), or name another root with --source-root DIR",
    exit: 1,
  },
  E_SOURCE_FORBIDDEN: {
    summary: "the source path is inside /proc, /sys, /dev or $MVM_HOME",
    hint: "these are never bundled, even with --source-root; point local_path at your project files",
    exit: 1,
  },
  E_SOURCE_NAME_INVALID: {
    summary:
      "a source file name cannot be represented in a bundle (not UTF-8, or a control character such as a newline)",
    hint: "rename the file, or leave it out with exclude=[...]",
    exit: 1,
  },
  E_COMPILE_OUTPUT_FAILED: {
    summary: "the compile output could not be written",
    hint: "check that the parent directory of --out exists and is writable",
    exit: 1,
  },
  E_RECORDING_INVALID: {
    summary: "the recording is not valid",
    hint: "recordings are written by the Sandbox SDK in record mode; see docs/recordings.md",
    exit: 1,
  },
  E_RECORDING_UNKNOWN_TEMPLATE: {
    summary: "the recording names a template that mvm does not know",
    hint: "use one of the known templates",
    exit: 1,
  },
  E_RECORDING_NO_COMMAND: {
    summary: "the recording starts no command, so there is no entrypoint",
    hint: "call sb.commands.start([...]) at least once in the script",
    exit: 1,
  },
  E_RECORDING_BAD_BASE64: {
    summary: "a files_write operation carries invalid base64",
    hint: "write the file through sb.files.write(), which encodes it",
    exit: 1,
  },
  E_RECORD_NO_RECORDING: {
    summary: "the script ran but wrote no recording",
    hint: "a record-mode script must call Sandbox.create(...) (mvm-sdk or the Python mvm package)",
    exit: 1,
  },
  E_RECORD_SCRIPT_FAILED: {
    summary: "the record-mode script failed",
    hint: "run the script yourself with MVM_SDK_MODE=record to see the failure",
    exit: 1,
  },
  E_RECORD_TIMEOUT: {
    summary: "the record-mode script did not finish in time",
    hint: "record-mode scripts must finish quickly; nothing boots in record mode",
    exit: 1,
  },
  E_TS_RUNNER_NOT_FOUND: {
    summary: "no TypeScript runner (tsx, bun, deno) was found to run the script",
    hint: "install one: npm install -g tsx (or npm install --save-dev tsx, pnpm add -g tsx, yarn global add tsx, brew install tsx), bun or deno; or set MVM_TSX=<path>",
    exit: 1,
  },
  E_PYTHON_NOT_FOUND: {
    summary: "no Python interpreter was found to run the script",
    hint: "install python3 or set MVM_PYTHON=<path>",
    exit: 1,
  },
  E_SDK_MODE: {
    summary: "MVM_SDK_MODE has a value that is not accepted",
    hint: "set MVM_SDK_MODE to record or live (or leave it unset for record)",
    exit: 2,
  },
  E_SECRET_NAME_INVALID: {
    summary: "a secret name is not valid",
    hint: "use lowercase letters, digits, '.', '_' and '-'",
    exit: 2,
  },
  E_SECRET_EMPTY: {
    summary: "no secret value was given",
    hint: "pipe the value on stdin or type it at the prompt",
    exit: 2,
  },
  E_SECRET_TOO_LARGE: {
    summary: "the secret value is larger than the store accepts (64 KiB)",
    hint: "store a reference to a file instead",
    exit: 1,
  },
  E_SECRET_NOT_FOUND: {
    summary: "no secret with that name is stored",
    hint: "mvmctl secret ls lists the stored names",
    exit: 1,
  },
  E_SDK_LIVE: {
    summary: "a live-mode Sandbox call failed in mvmctl",
    hint: "the error carries mvmctl's argv, exit code and stderr; run that command yourself to see more",
    exit: 1,
  },
  E_SDK_NOT_FOUND: {
    summary: "a live-mode Sandbox call named something that does not exist",
    hint: "check the sandbox name or the guest path",
    exit: 1,
  },
  E_SDK_TIMEOUT: {
    summary: "a live-mode Sandbox call did not finish in time",
    hint: "raise the timeout option of the call",
    exit: 124,
  },
  E_SDK_UNSUPPORTED: {
    summary: "the Sandbox call is not supported by this version of mvm",
    hint: "see docs/sandbox.md for what live mode offers today",
    exit: 1,
  },
  E_USAGE: {
    summary: "the command line is not valid",
    hint: "see mvmctl <verb> --help",
    exit: 2,
  },
  E_INTERNAL: {
    summary: "an unexpected internal error",
    hint: "rerun with --debug and report the output",
    exit: 1,
  },
} satisfies Record<string, CodeRow>;
