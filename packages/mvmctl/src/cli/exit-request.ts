// What process.exit(code) throws while the compile server runs a request (request-scope.ts):
// the request ends with that code, the server lives on. main() lets it through untouched.
export class ExitRequest extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}
