import { programText } from './_programs';

// The health adapter program is the real file `programs/health-adapter.js` (type-checked by `typecheck:runtime`),
// read at synthesis: the library puts its bytes in a ConfigMap and the official `node` image runs them. It uses only
// Node's built-in modules. The tests run this exact file as a process.

/** The program file under `runtime/programs/`. */
const PROGRAM_FILE = 'health-adapter.js';

/**
 * The environment the health adapter program reads, and the program text.
 *
 * Endpoints: `GET /readyz` and `GET /healthz` run the check (concurrent requests share one) and answer `200` with
 * `{"status":"ok",…}` or `503` with `{"status":"fail","error":…}` within the check timeout; `GET /livez` answers
 * `200` while the adapter itself runs. Every change between ok and fail is logged as one JSON line on stdout.
 */
export class HealthAdapterProgram {
  /** The file name the program is mounted as. */
  public static readonly FILE_NAME = 'health-adapter.js';
  /** Env: the port the adapter listens on. */
  public static readonly ENV_PORT = 'HEALTH_PORT';
  /** Env: the address it listens on (default `0.0.0.0`). */
  public static readonly ENV_LISTEN_HOST = 'HEALTH_LISTEN_HOST';
  /** Env: the check, `tcp`, `redis`, `http`, `postgres` or `mysql`. */
  public static readonly ENV_CHECK = 'HEALTH_CHECK';
  /** Env: the app's host (default `localhost`: the app shares the pod's network namespace). */
  public static readonly ENV_TARGET_HOST = 'HEALTH_TARGET_HOST';
  /** Env: the app's port. */
  public static readonly ENV_TARGET_PORT = 'HEALTH_TARGET_PORT';
  /** Env: how long one check may take, in milliseconds. */
  public static readonly ENV_TIMEOUT_MS = 'HEALTH_TIMEOUT_MS';
  /** Env (http): the path to GET; 2xx and 3xx are healthy, as for a kubelet probe. */
  public static readonly ENV_HTTP_PATH = 'HEALTH_HTTP_PATH';
  /** Env (redis): the ACL user name (optional). */
  public static readonly ENV_REDIS_USERNAME = 'HEALTH_REDIS_USERNAME';
  /** Env (redis): the password (optional; from a Secret). */
  public static readonly ENV_REDIS_PASSWORD = 'HEALTH_REDIS_PASSWORD';
  /** Env (postgres): the user (from a Secret). */
  public static readonly ENV_PG_USER = 'HEALTH_PG_USER';
  /** Env (postgres): the password (from a Secret). */
  public static readonly ENV_PG_PASSWORD = 'HEALTH_PG_PASSWORD';
  /** Env (postgres): the database. */
  public static readonly ENV_PG_DATABASE = 'HEALTH_PG_DATABASE';
  /** Env (mysql): the user (from a Secret). */
  public static readonly ENV_MYSQL_USER = 'HEALTH_MYSQL_USER';
  /** Env (mysql): the password (from a Secret). */
  public static readonly ENV_MYSQL_PASSWORD = 'HEALTH_MYSQL_PASSWORD';
  /** Env (mysql): the database (optional). */
  public static readonly ENV_MYSQL_DATABASE = 'HEALTH_MYSQL_DATABASE';
  /** Env (postgres, mysql): the query to run (default `SELECT 1`). */
  public static readonly ENV_SQL_QUERY = 'HEALTH_SQL_QUERY';

  /** The program: JavaScript for Node.js 18 or newer, no dependencies (the bytes of `programs/health-adapter.js`). */
  public static source(): string {
    return programText(PROGRAM_FILE);
  }
}
