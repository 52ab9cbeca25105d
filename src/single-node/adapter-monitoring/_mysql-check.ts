import * as kplus from 'cdk8s-plus-27';
import { checkWord, MonitoringHost, secretEnv } from './_host';
import { MysqlQueryCheckOptions } from './mysql-options';
import { propError } from '../../core/prop-error';
import { HealthAdapterProgram } from '../../runtime/health-adapter';

// Internal: the MySQL / MariaDB health check's variables of the health adapter program (HealthCheck.mysqlQuery).

/** The MySQL check's variables of the health adapter program; `prefix` names the check's props in messages. */
export function mysqlCheckEnv(host: MonitoringHost, prefix: string, o: MysqlQueryCheckOptions): { [name: string]: kplus.EnvValue } {
  const P = HealthAdapterProgram;
  if (o.username === undefined) throw propError(host, `${prefix}.username`, 'the Secret key holding the MySQL user ({ secret, key })', o.username);
  if (o.password === undefined) throw propError(host, `${prefix}.password`, 'the Secret key holding the MySQL password ({ secret, key })', o.password);
  const query = o.query;
  if (typeof query !== 'string' || query.trim() === '' || query.includes('\0')) throw propError(host, `${prefix}.query`, 'a non-empty SQL query (your own: the book\'s health adapter runs the app\'s query)', query);
  const env: { [name: string]: kplus.EnvValue } = {
    [P.ENV_MYSQL_USER]: secretEnv(host, `${prefix}.username`, o.username),
    [P.ENV_MYSQL_PASSWORD]: secretEnv(host, `${prefix}.password`, o.password),
  };
  if (o.database !== undefined) env[P.ENV_MYSQL_DATABASE] = kplus.EnvValue.fromValue(checkWord(host, `${prefix}.database`, o.database));
  env[P.ENV_SQL_QUERY] = kplus.EnvValue.fromValue(query);
  return env;
}
