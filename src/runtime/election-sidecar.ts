import { programText } from './_programs';

// The election sidecar of `OwnershipElection`: a zero-dependency Node program (built-in modules only) written, byte
// for byte, into a ConfigMap with its config and run on the official `node` image as
// `node /etc/election/election-sidecar.js /etc/election/config.json`. The program is the real file
// `programs/election-sidecar.js` (type-checked by `typecheck:runtime`), read at synthesis.

/** The file name of the program in the ConfigMap. */
export const ELECTION_PROGRAM_FILE = 'election-sidecar.js';

/** The file name of the program's config in the ConfigMap. */
export const ELECTION_CONFIG_FILE = 'config.json';

/** The file the sidecar writes its report to, in its state directory. */
export const ELECTION_STATE_FILE = 'ownership.json';

/**
 * The sidecar program. Run as `node election-sidecar.js config.json`; required as a module it exports its parts
 * (`loadConfig`, `microTime`, `createApi`, `createElection`, `main`) for tests.
 */
export function electionSidecarProgram(): string {
  return programText(ELECTION_PROGRAM_FILE);
}
