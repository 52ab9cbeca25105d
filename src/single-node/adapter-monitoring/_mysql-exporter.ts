import * as kplus from 'cdk8s-plus-27';
import { Exporter, ExporterCommand } from './_exporters';
import { MonitoringHost, secretEnv } from './_host';
import { MysqlExporterOptions } from './mysql-exporter-options';
import { ImageKey } from '../../core/images';
import { propError } from '../../core/prop-error';

/**
 * `MonitoringAdapter.mysqlExporter`: mysqld_exporter (0.15 and later take the address and user as flags and the
 * password from `MYSQLD_EXPORTER_PASSWORD`). The user comes from a Secret through the container's env, expanded by
 * the kubelet in the argument (`$(MYSQLD_EXPORTER_USER)`).
 */
export class MysqlExporter extends Exporter<MysqlExporterOptions> {
  constructor(options: MysqlExporterOptions) {
    super(options, 'mysql', ImageKey.MYSQLD_EXPORTER, ['mysql', 'mariadb'], 3306, 9104);
  }

  protected command(host: MonitoringHost, name: string, appPort: number, listenPort: number): ExporterCommand {
    const o = this.options;
    if (o.username === undefined) throw propError(host, `${name}.username`, 'the Secret key holding the MySQL user ({ secret, key })', o.username);
    if (o.password === undefined) throw propError(host, `${name}.password`, 'the Secret key holding the MySQL password ({ secret, key })', o.password);
    return {
      args: [`--mysqld.address=localhost:${appPort}`, '--mysqld.username=$(MYSQLD_EXPORTER_USER)', `--web.listen-address=:${listenPort}`],
      env: {
        MYSQLD_EXPORTER_USER: secretEnv(host, `${name}.username`, o.username),
        MYSQLD_EXPORTER_PASSWORD: secretEnv(host, `${name}.password`, o.password),
      } as { [name: string]: kplus.EnvValue },
    };
  }
}
