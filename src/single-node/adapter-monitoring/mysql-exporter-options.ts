import * as kplus from 'cdk8s-plus-27';
import { ExporterOptions } from './options';

/**
 * Options for `MonitoringAdapter.mysqlExporter`.
 *
 * @see https://github.com/prometheus/mysqld_exporter
 */
export interface MysqlExporterOptions extends ExporterOptions {
  /** The Secret key holding the database user's name, e.g. `{ secret, key: 'username' }` (`--mysqld.username`). */
  readonly username: kplus.SecretValue;
  /** The Secret key holding the user's password (`MYSQLD_EXPORTER_PASSWORD`), e.g. `{ secret, key: 'password' }`. */
  readonly password: kplus.SecretValue;
}
