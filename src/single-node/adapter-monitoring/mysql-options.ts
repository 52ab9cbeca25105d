import * as kplus from 'cdk8s-plus-27';

/**
 * Options for `HealthCheck.mysqlQuery`.
 */
export interface MysqlQueryCheckOptions {
  /**
   * The app's MySQL / MariaDB port on `localhost`.
   *
   * @default - the app container's port named `mysql` or `mariadb`, else 3306 when it has that port
   */
  readonly port?: number;
  /** The Secret key holding the database user's name, e.g. `{ secret, key: 'username' }`. */
  readonly username: kplus.SecretValue;
  /**
   * The Secret key holding the user's password, e.g. `{ secret, key: 'password' }`.
   */
  readonly password: kplus.SecretValue;
  /**
   * The default database of the session.
   *
   * @default - none (qualify the tables in the query)
   */
  readonly database?: string;
  /**
   * The query (the book's health adapter runs one of yours, e.g. `SELECT COUNT(*) FROM orders`); an ERR answer
   * (a failed query, a denied login) is unhealthy. Required: a check of your own query is the point of it
   * (`'SELECT 1'` only proves the server answers).
   */
  readonly query: string;
}

