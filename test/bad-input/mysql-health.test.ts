// HealthCheck.mysqlQuery and MonitoringAdapter.mysqlExporter: bad input fails at synthesis with the construct
// path, the prop and the value (issue 18) — typed mistakes and the same props as a JavaScript or Python caller may
// pass them.
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AdapterMonitoring, HealthCheck, MonitoringAdapter } from '../../src';
import { BadInput, badInputs } from '../harness/bad-input';

const W = "AdapterMonitoring 'test/db'";
const APP = { image: 'mariadb:11.4.4', port: 3306, portName: 'mysql', uid: 999, gid: 999 };
const sv = (c: Chart, key: string) => ({ secret: (c.node.tryFindChild('s') as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(c, 's', 'db'), key });
const check = (c: Chart, o: any) => new AdapterMonitoring(c, 'db', { app: APP, adapters: [MonitoringAdapter.health({ check: HealthCheck.mysqlQuery({ username: sv(c, 'u'), password: sv(c, 'p'), query: 'SELECT 1', ...o }) })] });
const exporter = (c: Chart, o: any, app: any = APP) => new AdapterMonitoring(c, 'db', { app, adapters: [MonitoringAdapter.mysqlExporter({ username: sv(c, 'u'), password: sv(c, 'p'), ...o })] });

const cases: BadInput[] = [
  { class: 'secret', what: 'a MySQL check without a query', build: (c) => check(c, { query: undefined }), message: `${W}: 'health.check.query' must be a non-empty SQL query (your own: the book's health adapter runs the app's query), got undefined` },
  { class: 'secret', what: 'a MySQL check with a blank query', build: (c) => check(c, { query: '  ' }), message: "'health.check.query' must be a non-empty SQL query" },
  { class: 'secret', what: 'a MySQL check without a username Secret', build: (c) => check(c, { username: undefined }), message: `${W}: 'health.check.username' must be the Secret key holding the MySQL user ({ secret, key }), got undefined` },
  { class: 'secret', what: 'a MySQL check without a password Secret', build: (c) => check(c, { password: undefined }), message: "'health.check.password' must be the Secret key holding the MySQL password ({ secret, key }), got undefined" },
  { class: 'secret', what: 'a MySQL password as a literal string', build: (c) => check(c, { password: 'hunter2' }), message: "'health.check.password'" },
  { class: 'untyped', what: 'no options at all (JavaScript/Python)', build: (c) => new AdapterMonitoring(c, 'db', { app: APP, adapters: [MonitoringAdapter.health({ check: HealthCheck.mysqlQuery(undefined as any) })] }), message: "'health.check.username' must be the Secret key holding the MySQL user ({ secret, key }), got undefined" },
  { class: 'name', what: 'a database name with a space', build: (c) => check(c, { database: 'my shop' }), message: "'health.check.database' must be a name of letters, digits, '-', '_' and '.', got 'my shop'" },
  { class: 'port', what: 'an app without a MySQL port for the check', build: (c) => new AdapterMonitoring(c, 'db', { app: { ...APP, port: 8080, portName: 'http' }, adapters: [MonitoringAdapter.health({ check: HealthCheck.mysqlQuery({ username: sv(c, 'u'), password: sv(c, 'p'), query: 'SELECT 1' }) })] }), message: "'health.check.port'" },
  { class: 'secret', what: 'an exporter without a password Secret', build: (c) => exporter(c, { password: undefined }), message: `${W}: 'mysql-exporter.password' must be the Secret key holding the MySQL password ({ secret, key }), got undefined` },
  { class: 'secret', what: 'an exporter without a username Secret', build: (c) => exporter(c, { username: undefined }), message: "'mysql-exporter.username' must be the Secret key holding the MySQL user ({ secret, key }), got undefined" },
  { class: 'port', what: 'an exporter listening on the app\'s port', build: (c) => exporter(c, { listenPort: 3306 }), message: "'mysql-exporter.listenPort' must be a port no other container of the pod listens on" },
];

badInputs('HealthCheck.mysqlQuery / MonitoringAdapter.mysqlExporter', cases);
