import { Duration, Size } from 'cdk8s';
import { FluentBitConfig, LogFormat } from '../../src';

const base = { paths: ['/var/log/app/*.log'], app: 'cache', parsersFile: '/fluent-bit/etc/parsers.conf' };

/** Sections of a classic-format file as [name, [[key, value]…]], to assert on structure as well as on text. */
function sections(text: string): Array<[string, Array<[string, string]>]> {
  const out: Array<[string, Array<[string, string]>]> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const head = /^\[([A-Z]+)\]$/.exec(line);
    if (head) { out.push([head[1], []]); continue; }
    const kv = /^ {4}(\S+)\s+(.*)$/.exec(line);
    if (!kv) throw new Error(`not a classic-format line: ${JSON.stringify(line)}`);
    out[out.length - 1][1].push([kv[1], kv[2]]);
  }
  return out;
}

describe('FluentBitConfig.render', () => {
  test('redis format: tail → parser → level words → normalized names → JSON lines on stdout', () => {
    const files = FluentBitConfig.render({ ...base, paths: ['/var/log/redis/*.log'], format: LogFormat.redis(), dbFile: '/fluent-bit/state/tail.db' });
    expect(files.main).toMatchSnapshot();
    expect(files.parsers).toMatchSnapshot();
    expect(sections(files.main)).toEqual([
      ['SERVICE', [['Flush', '1'], ['Daemon', 'off'], ['Log_Level', 'info'], ['Parsers_File', '/fluent-bit/etc/parsers.conf']]],
      ['INPUT', [['Name', 'tail'], ['Tag', 'app'], ['Path', '/var/log/redis/*.log'], ['Path_Key', 'file'], ['Read_from_Head', 'true'],
        ['Refresh_Interval', '5'], ['Skip_Long_Lines', 'on'], ['Mem_Buf_Limit', '16MB'], ['DB', '/fluent-bit/state/tail.db'], ['DB.locking', 'true']]],
      ['FILTER', [['Name', 'parser'], ['Match', 'app'], ['Key_Name', 'log'], ['Parser', 'redis'], ['Reserve_Data', 'on']]],
      ['FILTER', [['Name', 'modify'], ['Match', 'app'], ['Condition', 'Key_value_equals level .'], ['Set', 'level debug']]],
      ['FILTER', [['Name', 'modify'], ['Match', 'app'], ['Condition', 'Key_value_equals level -'], ['Set', 'level verbose']]],
      ['FILTER', [['Name', 'modify'], ['Match', 'app'], ['Condition', 'Key_value_equals level *'], ['Set', 'level notice']]],
      ['FILTER', [['Name', 'modify'], ['Match', 'app'], ['Condition', 'Key_value_equals level #'], ['Set', 'level warning']]],
      ['FILTER', [['Name', 'modify'], ['Match', 'app'], ['Rename', 'log message'], ['Add', 'app cache']]],
      ['OUTPUT', [['Name', 'stdout'], ['Match', 'app'], ['Format', 'json_lines'], ['json_date_key', 'time'], ['json_date_format', 'iso8601']]],
    ]);
    expect(sections(files.parsers)).toEqual([
      ['PARSER', [['Name', 'redis'], ['Format', 'regex'],
        ['Regex', '^(?<pid>\\d+):(?<role>[XCSM]) (?<time>\\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}) (?<level>[.*#-]) (?<message>.*)$'],
        ['Time_Key', 'time'], ['Time_Format', '%d %b %Y %H:%M:%S.%L'], ['Types', 'pid:integer']]],
    ]);
  });

  test('the redis regex splits redis 7 log lines into pid, role, time, level and message', () => {
    // The regex uses only what Onigmo (Fluent Bit) and JavaScript read the same way: named groups, \d, classes.
    const regex = new RegExp(sections(FluentBitConfig.render({ ...base, format: LogFormat.redis() }).parsers)[0][1].find(([k]) => k === 'Regex')![1]);
    expect(regex.exec('1:M 12 Jan 2025 10:00:00.123 * Ready to accept connections tcp')!.groups).toEqual({
      pid: '1', role: 'M', time: '12 Jan 2025 10:00:00.123', level: '*', message: 'Ready to accept connections tcp',
    });
    expect(regex.exec('27:C 01 Feb 2025 23:59:59.999 # WARNING Memory overcommit must be enabled!')!.groups).toMatchObject({ pid: '27', role: 'C', level: '#' });
    expect(regex.exec('7:S 05 Mar 2025 00:00:01.000 - Accepted 10.0.0.1:5000')!.groups).toMatchObject({ role: 'S', level: '-' });
    expect(regex.exec('                _._                                                  ')).toBeNull();
  });

  test('json format: the message and level fields are renamed; time from the time field', () => {
    const files = FluentBitConfig.render({ ...base, format: LogFormat.json({ messageKey: 'msg', levelKey: 'severity', timeKey: 'ts', timeFormat: '%Y-%m-%dT%H:%M:%S%z' }) });
    const main = sections(files.main);
    expect(main[2]).toEqual(['FILTER', [['Name', 'parser'], ['Match', 'app'], ['Key_Name', 'log'], ['Parser', 'app'], ['Reserve_Data', 'on']]]);
    expect(main[3]).toEqual(['FILTER', [['Name', 'modify'], ['Match', 'app'], ['Rename', 'log message'], ['Rename', 'msg message'], ['Rename', 'severity level'], ['Add', 'app cache']]]);
    expect(main.map(([s]) => s)).toEqual(['SERVICE', 'INPUT', 'FILTER', 'FILTER', 'OUTPUT']);
    expect(sections(files.parsers)).toEqual([['PARSER', [['Name', 'app'], ['Format', 'json'], ['Time_Key', 'ts'], ['Time_Format', '%Y-%m-%dT%H:%M:%S%z']]]]);
    // no offsets database unless asked for
    expect(files.main).not.toContain('DB');
  });

  test('json defaults: msg → message, level stays level, ISO 8601 time', () => {
    const files = FluentBitConfig.render({ ...base, format: LogFormat.json() });
    expect(sections(files.main)[3][1]).toEqual([['Name', 'modify'], ['Match', 'app'], ['Rename', 'log message'], ['Rename', 'msg message'], ['Add', 'app cache']]);
    expect(sections(files.parsers)[0][1]).toEqual([['Name', 'app'], ['Format', 'json'], ['Time_Key', 'time'], ['Time_Format', '%Y-%m-%dT%H:%M:%S.%L%z']]);
  });

  test('logfmt format', () => {
    const files = FluentBitConfig.render({ ...base, format: LogFormat.logfmt({ messageKey: 'message' }) });
    expect(sections(files.parsers)[0][1]).toEqual([['Name', 'app'], ['Format', 'logfmt'], ['Time_Key', 'time'], ['Time_Format', '%Y-%m-%dT%H:%M:%S.%L%z']]);
    expect(sections(files.main)[3][1]).toEqual([['Name', 'modify'], ['Match', 'app'], ['Rename', 'log message'], ['Add', 'app cache']]);
  });

  test('regex format with and without a time group', () => {
    const withTime = FluentBitConfig.render({ ...base, format: LogFormat.regex({ regex: '^(?<ts>\\S+) (?<level>\\w+) (?<message>.*)$', timeKey: 'ts', timeFormat: '%s' }) });
    expect(sections(withTime.parsers)[0][1]).toEqual([['Name', 'app'], ['Format', 'regex'], ['Regex', '^(?<ts>\\S+) (?<level>\\w+) (?<message>.*)$'], ['Time_Key', 'ts'], ['Time_Format', '%s']]);
    const noTime = FluentBitConfig.render({ ...base, format: LogFormat.regex({ regex: '^(?<message>.*)$' }) });
    expect(sections(noTime.parsers)[0][1]).toEqual([['Name', 'app'], ['Format', 'regex'], ['Regex', '^(?<message>.*)$']]);
  });

  test('plain format: no parser, each line is the message', () => {
    const files = FluentBitConfig.render({ ...base, paths: ['/a/*.log', '/b/app.out'], format: LogFormat.plain(), flush: Duration.seconds(3), refreshInterval: Duration.seconds(10), memBufLimit: Size.mebibytes(64) });
    const main = sections(files.main);
    expect(main.map(([s]) => s)).toEqual(['SERVICE', 'INPUT', 'FILTER', 'OUTPUT']);
    expect(main[0][1]).toContainEqual(['Flush', '3']);
    expect(main[1][1]).toEqual(expect.arrayContaining([['Path', '/a/*.log,/b/app.out'], ['Refresh_Interval', '10'], ['Mem_Buf_Limit', '64MB']]));
    expect(files.parsers).toBe("# Rendered by cdk8s-distributed-patterns (log adapter, format 'plain').\n");
  });

  test('LogFormat names', () => {
    expect([LogFormat.redis(), LogFormat.json(), LogFormat.logfmt(), LogFormat.regex({ regex: '(?<m>.)' }), LogFormat.plain()].map((f) => f.name))
      .toEqual(['redis', 'json', 'logfmt', 'regex', 'plain']);
  });

  test('optionsProblem reports what render would refuse, without throwing', () => {
    expect(FluentBitConfig.optionsProblem({ ...base, format: LogFormat.plain() })).toBeUndefined();
    expect(FluentBitConfig.optionsProblem({ ...base, paths: ['/a b'], format: LogFormat.plain() })).toBe("'paths' must be absolute paths without spaces or commas, got '/a b'");
    expect(FluentBitConfig.optionsProblem({ ...base, dbFile: 'tail.db', format: LogFormat.plain() })).toBe("'dbFile' must be an absolute path without spaces, got 'tail.db'");
    expect(FluentBitConfig.optionsProblem({ ...base, format: LogFormat.plain(), refreshInterval: Duration.millis(1500) }))
      .toBe("'refreshInterval' must be a whole number of seconds from 1 to 86400, got '1500ms'");
    // A LogFormat's own options are reported where it is used, as format.<option>.
    expect(FluentBitConfig.optionsProblem({ ...base, format: LogFormat.regex({ regex: '^.*$' }) }))
      .toBe("'format.regex' must be a regular expression with at least one named group (?<name>...), got '^.*$'");
    // A JavaScript caller's '5s' for a Duration is a problem, not a TypeError.
    expect(FluentBitConfig.optionsProblem({ ...base, format: LogFormat.plain(), flush: '5s' as any })).toMatch(/^'flush' must be a Duration .*, got '5s'$/);
  });

  test.each([
    [() => FluentBitConfig.render({ ...base, paths: [], format: LogFormat.plain() }), "FluentBitConfig.render: 'paths' must be at least one absolute path, got []"],
    [() => FluentBitConfig.render({ ...base, paths: ['logs/*.log'], format: LogFormat.plain() }), "FluentBitConfig.render: 'paths' must be absolute paths without spaces or commas, got 'logs/*.log'"],
    [() => FluentBitConfig.render({ ...base, paths: ['/a,b'], format: LogFormat.plain() }), "FluentBitConfig.render: 'paths' must be absolute paths without spaces or commas, got '/a,b'"],
    [() => FluentBitConfig.render({ ...base, app: 'my app', format: LogFormat.plain() }), "FluentBitConfig.render: 'app' must be a name of letters, digits, '-', '_' and '.', got 'my app'"],
    [() => FluentBitConfig.render({ ...base, parsersFile: 'parsers.conf', format: LogFormat.plain() }), "FluentBitConfig.render: 'parsersFile' must be an absolute path without spaces, got 'parsers.conf'"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.plain(), flush: Duration.millis(500) }), "FluentBitConfig.render: 'flush' must be a whole number of seconds from 1 to 3600, got '500ms'"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.plain(), memBufLimit: Size.kibibytes(512) }), "FluentBitConfig.render: 'memBufLimit' must be a whole number of MiB from 1 to 65536, got '0.5Mi'"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.regex({ regex: '^.*$' }) }), "FluentBitConfig.render: 'format.regex' must be a regular expression with at least one named group (?<name>...), got '^.*$'"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.regex({ regex: '(?<a>[)' }) }), "FluentBitConfig.render: 'format.regex' must be a valid regular expression (Invalid regular expression: /(?<a>[)/: Unterminated character class), got '(?<a>[)'"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.regex({ regex: '(?<a>.)\n' }) }), "FluentBitConfig.render: 'format.regex' must be a regular expression on a non-empty single line without surrounding spaces, got '(?<a>.)\n'"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.regex({ regex: '(?<a>.)', timeKey: 't', timeFormat: '%s' }) }), "FluentBitConfig.render: 'format.timeKey' must be the name of a group of the regex, got 't'"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.regex({ regex: '(?<t>.)', timeKey: 't' }) }), "FluentBitConfig.render: 'format.timeFormat' must be a strptime format when 'timeKey' is set, got undefined"],
    [() => FluentBitConfig.render({ ...base, format: LogFormat.json({ messageKey: 'the message' }) }), "FluentBitConfig.render: 'format.messageKey' must be a field name of letters, digits and '_', got 'the message'"],
    [() => FluentBitConfig.render({ ...base, format: 'json' as any }), "FluentBitConfig.render: 'format' must be a LogFormat (made by one of its static methods), got 'json'"],
  ])('fails when the input is invalid (%#)', (fn, message) => {
    expect(fn).toThrow(message);
    try { fn(); } catch (e: any) { expect(e.message).toBe(message); }
  });
});
