// The exit codes users script against (spec/cli.md, docs/cli/exit-codes.md). One enum, one table.
export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  InvokeTimeout: 124,
  WrapperCrashed: 137,
} as const;
