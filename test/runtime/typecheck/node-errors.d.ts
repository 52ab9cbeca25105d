// Node's system errors (ECONNREFUSED, ETIMEDOUT, ENOTFOUND, …) carry `code` (NodeJS.ErrnoException); the programs
// read it off the errors their sockets emit, which Node types as plain `Error`.
interface Error {
  code?: string;
}
