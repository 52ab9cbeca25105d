import { Duration, Size } from 'cdk8s';
import { OptionProblem, problemsOf } from './_problems';
import { ValueProblem, ValueProblems } from '../core/_value-problems';
import { showValue } from '../core/prop-error';

/**
 * Options for `LogFormat.json` and `LogFormat.logfmt`.
 */
export interface StructuredLogFormatOptions {
  /**
   * The field holding the event time; it becomes the record's timestamp (the `time` of the output line).
   *
   * @default 'time'
   */
  readonly timeKey?: string;
  /**
   * The `strptime` format of `timeKey` (Fluent Bit adds `%L` for fractional seconds and `%z` for the offset).
   *
   * @default '%Y-%m-%dT%H:%M:%S.%L%z' (ISO 8601 / RFC 3339 with fractional seconds)
   */
  readonly timeFormat?: string;
  /**
   * The field holding the message; renamed to `message`.
   *
   * @default 'msg'
   */
  readonly messageKey?: string;
  /**
   * The field holding the level; renamed to `level`.
   *
   * @default 'level'
   */
  readonly levelKey?: string;
}

/**
 * Options for `LogFormat.regex`.
 */
export interface RegexLogFormatOptions {
  /**
   * The regular expression (Onigmo, as Fluent Bit uses) with named groups `(?<name>...)`; each group becomes a
   * field. Name the groups `message` and `level` to get the normalized fields directly.
   */
  readonly regex: string;
  /**
   * The group holding the event time.
   *
   * @default - no time group: the record's timestamp is the time the line was read
   */
  readonly timeKey?: string;
  /**
   * The `strptime` format of the time group (`%L`: fractional seconds, `%z`: offset).
   *
   * @default - required when `timeKey` is set
   */
  readonly timeFormat?: string;
}

/**
 * A Fluent Bit parser definition: one `[PARSER]` section.
 */
export interface FluentBitParser {
  /** `Name`. */
  readonly name: string;
  /** `Format`: `regex`, `json` or `logfmt`. */
  readonly format: string;
  /**
   * `Regex` (for `format: regex`).
   *
   * @default - none
   */
  readonly regex?: string;
  /**
   * `Time_Key`.
   *
   * @default - none
   */
  readonly timeKey?: string;
  /**
   * `Time_Format`.
   *
   * @default - none
   */
  readonly timeFormat?: string;
  /**
   * `Types` (`key:type` pairs).
   *
   * @default - none
   */
  readonly types?: string;
}

/**
 * How the app writes its log lines, and how the log adapter turns them into normalized JSON: every output line
 * is one JSON object with `time` (ISO 8601), `message`, `level` (when the format has one), `file` (the log file),
 * `app`, plus the format's other fields. Lines a parser does not match are kept whole as `message`.
 */
export class LogFormat {
  /**
   * The redis server log (`<pid>:<role> <day> <mon> <year> <time>.<ms> <level> <message>`), e.g.
   * `1:M 12 Jan 2025 10:00:00.123 * Ready to accept connections tcp`. The level symbols become words:
   * `.` debug, `-` verbose, `*` notice, `#` warning; the role letter is kept as `role` (`M` master, `S` replica,
   * `C` child process, `X` sentinel) and the process id as `pid`.
   *
   * @see https://github.com/redis/redis/blob/7.2/src/server.c (serverLogRaw)
   */
  public static redis(): LogFormat {
    return new LogFormat('redis', {
      name: 'redis',
      format: 'regex',
      regex: REDIS_LOG_REGEX,
      timeKey: 'time',
      timeFormat: '%d %b %Y %H:%M:%S.%L',
      types: 'pid:integer',
    }, [
      ['.', 'debug'],
      ['-', 'verbose'],
      ['*', 'notice'],
      ['#', 'warning'],
    ]);
  }

  /** One JSON object per line (structured loggers: zap, logrus, pino, slog …). */
  public static json(options: StructuredLogFormatOptions = {}): LogFormat {
    return LogFormat.structured('json', options);
  }

  /** `key=value` pairs per line (logfmt: Go kit, Prometheus, Heroku …). */
  public static logfmt(options: StructuredLogFormatOptions = {}): LogFormat {
    return LogFormat.structured('logfmt', options);
  }

  /**
   * A custom regular expression with named groups. Its options are checked where the format is used (the log
   * adapter names them with its path; `FluentBitConfig.optionsProblem` reports them as `format.<option>`).
   */
  public static regex(options: RegexLogFormatOptions): LogFormat {
    const o = options ?? ({} as RegexLogFormatOptions);
    const problems = problemsOf({
      regex: regexProblem(o.regex),
      timeKey: o.timeKey === undefined ? undefined : keyProblem(o.timeKey)
        ?? (typeof o.regex === 'string' && !o.regex.includes(`(?<${o.timeKey}>`) ? { expectation: 'the name of a group of the regex', got: o.timeKey } : undefined),
      timeFormat: o.timeFormat !== undefined ? lineProblem(o.timeFormat)
        : o.timeKey !== undefined ? { expectation: 'a strptime format when \'timeKey\' is set', got: undefined } : undefined,
    });
    return new LogFormat('regex', {
      name: 'app',
      format: 'regex',
      regex: o.regex,
      timeKey: o.timeKey,
      timeFormat: o.timeKey !== undefined ? o.timeFormat : undefined,
    }, [], {}, problems);
  }

  /** Unstructured lines: each line becomes `message` as it is. */
  public static plain(): LogFormat {
    return new LogFormat('plain');
  }

  private static structured(format: string, options: StructuredLogFormatOptions): LogFormat {
    const o = options ?? {};
    const timeKey = o.timeKey ?? 'time';
    const timeFormat = o.timeFormat ?? '%Y-%m-%dT%H:%M:%S.%L%z';
    const messageKey = o.messageKey ?? 'msg';
    const levelKey = o.levelKey ?? 'level';
    const problems = problemsOf({
      timeKey: keyProblem(timeKey), timeFormat: lineProblem(timeFormat), messageKey: keyProblem(messageKey), levelKey: keyProblem(levelKey),
    });
    return new LogFormat(format, { name: 'app', format, timeKey, timeFormat }, [], { [messageKey]: 'message', [levelKey]: 'level' }, problems);
  }

  /** The format's name: `redis`, `json`, `logfmt`, `regex` or `plain`. */
  public readonly name: string;
  /** @internal */
  public readonly _parser?: FluentBitParser;
  /** @internal */
  public readonly _levels: Array<[string, string]>;
  /** @internal */
  public readonly _renames: { [from: string]: string };
  /** What is wrong with the format's options (reported where it is used). @internal */
  public readonly _problems: OptionProblem[];

  private constructor(name: string, parser?: FluentBitParser, levels: Array<[string, string]> = [], renames: { [from: string]: string } = {},
    problems: OptionProblem[] = []) {
    this.name = name;
    this._parser = parser;
    this._levels = levels;
    this._renames = renames;
    this._problems = problems;
  }
}

/**
 * Options for `FluentBitConfig.render`.
 */
export interface FluentBitConfigOptions {
  /** Absolute paths (globs allowed) of the log files to tail. */
  readonly paths: string[];
  /** The format of the lines. */
  readonly format: LogFormat;
  /** The value of the `app` field added to every record. */
  readonly app: string;
  /** The absolute path the rendered parsers file is mounted at (`Parsers_File`). */
  readonly parsersFile: string;
  /**
   * Where the tail input keeps its file offsets (`DB`), so a restarted adapter neither re-reads nor skips lines.
   *
   * @default - no offsets database
   */
  readonly dbFile?: string;
  /**
   * How often records are flushed to stdout.
   *
   * @default Duration.seconds(1)
   */
  readonly flush?: Duration;
  /**
   * How often the tail input looks for new files matching `paths`.
   *
   * @default Duration.seconds(5)
   */
  readonly refreshInterval?: Duration;
  /**
   * `Mem_Buf_Limit` of the tail input: above it, tailing pauses until the output catches up.
   *
   * @default Size.mebibytes(16)
   */
  readonly memBufLimit?: Size;
}

/**
 * The rendered Fluent Bit files.
 */
export interface FluentBitFiles {
  /** The main configuration (classic format), for `-c`. */
  readonly main: string;
  /** The parsers file (`Parsers_File`). */
  readonly parsers: string;
}

/**
 * Renders the configuration of the log adapter: Fluent Bit tails the app's log files, parses each line with the
 * `LogFormat`'s parser, normalizes the field names, and writes one JSON object per line to stdout (where the
 * cluster's log pipeline picks it up like any container log).
 *
 * @see https://docs.fluentbit.io/manual/administration/configuring-fluent-bit/classic-mode/configuration-file
 */
export class FluentBitConfig {
  /** The file name of the main configuration. */
  public static readonly MAIN_FILE = 'fluent-bit.conf';
  /** The file name of the parsers file. */
  public static readonly PARSERS_FILE = 'parsers.conf';
  /** The tag of the records (`Tag` of the input, `Match` of filters and output). */
  public static readonly TAG = 'app';

  /**
   * What is wrong with `options` (`'<option>' must be …, got …`), or undefined when `render` accepts them.
   */
  public static optionsProblem(options: FluentBitConfigOptions): string | undefined {
    const p = FluentBitConfig._problems(options)[0];
    return p === undefined ? undefined : `'${p.option}' must be ${p.expectation}, got ${showValue(p.got)}`;
  }

  /**
   * The problems with `options`, in order (the format's own as `format.<option>`).
   *
   * @internal
   */
  public static _problems(options: FluentBitConfigOptions): OptionProblem[] {
    const o = options;
    const format: OptionProblem[] = o.format instanceof LogFormat
      ? o.format._problems.map((p) => ({ ...p, option: `format.${p.option}` }))
      : [{ option: 'format', expectation: 'a LogFormat (made by one of its static methods)', got: o.format }];
    return [
      ...problemsOf({
        paths: pathsProblem(o.paths),
        app: ValueProblems.matches(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, 'a name of letters, digits, \'-\', \'_\' and \'.\'', o.app),
        parsersFile: pathProblem(o.parsersFile),
        dbFile: o.dbFile === undefined ? undefined : pathProblem(o.dbFile),
        flush: ValueProblems.wholeSeconds(1, 3600, o.flush ?? DEFAULT_FLUSH),
        refreshInterval: ValueProblems.wholeSeconds(1, 86400, o.refreshInterval ?? DEFAULT_REFRESH),
        memBufLimit: ValueProblems.wholeMebibytes(1, 65536, o.memBufLimit ?? DEFAULT_MEM_BUF),
      }),
      ...format,
    ];
  }

  /** The main configuration and the parsers file. Throws when `optionsProblem` reports a problem. */
  public static render(options: FluentBitConfigOptions): FluentBitFiles {
    const problem = FluentBitConfig.optionsProblem(options);
    if (problem !== undefined) throw new Error(`FluentBitConfig.render: ${problem}`);
    const flush = (options.flush ?? DEFAULT_FLUSH).toSeconds();
    const refresh = (options.refreshInterval ?? DEFAULT_REFRESH).toSeconds();
    const memBuf = (options.memBufLimit ?? DEFAULT_MEM_BUF).toMebibytes();

    const tag = FluentBitConfig.TAG;
    const sections: string[] = [];
    sections.push(section('SERVICE', [
      ['Flush', String(flush)],
      ['Daemon', 'off'],
      ['Log_Level', 'info'],
      ['Parsers_File', options.parsersFile],
    ]));
    const input: Array<[string, string]> = [
      ['Name', 'tail'],
      ['Tag', tag],
      ['Path', options.paths.join(',')],
      ['Path_Key', 'file'],
      ['Read_from_Head', 'true'],
      ['Refresh_Interval', String(refresh)],
      // A line over the 32 KiB buffer is skipped (with a warning in Fluent Bit's log); off would stop the whole file.
      ['Skip_Long_Lines', 'on'],
      ['Mem_Buf_Limit', `${memBuf}MB`],
    ];
    if (options.dbFile !== undefined) input.push(['DB', options.dbFile], ['DB.locking', 'true']);
    sections.push(section('INPUT', input));

    const format = options.format;
    if (format._parser) {
      // Reserve_Data keeps `file`; a line the parser does not match stays as it is (`log`), renamed below.
      sections.push(section('FILTER', [
        ['Name', 'parser'],
        ['Match', tag],
        ['Key_Name', 'log'],
        ['Parser', format._parser.name],
        ['Reserve_Data', 'on'],
      ]));
    }
    // Level symbols → words, one modify filter per symbol (a `Set` applies when all its filter's conditions hold).
    // Only a line starting with '#' is a comment in the classic format, so '#' as a value is safe.
    for (const [symbol, word] of format._levels) {
      sections.push(section('FILTER', [
        ['Name', 'modify'],
        ['Match', tag],
        ['Condition', `Key_value_equals level ${symbol}`],
        ['Set', `level ${word}`],
      ]));
    }
    const renames: Array<[string, string]> = [['log', 'message'], ...Object.entries(format._renames).filter(([from, to]) => from !== to)];
    sections.push(section('FILTER', [
      ['Name', 'modify'],
      ['Match', tag],
      ...renames.map(([from, to]): [string, string] => ['Rename', `${from} ${to}`]),
      ['Add', `app ${options.app}`],
    ]));
    sections.push(section('OUTPUT', [
      ['Name', 'stdout'],
      ['Match', tag],
      ['Format', 'json_lines'],
      ['json_date_key', 'time'],
      ['json_date_format', 'iso8601'],
    ]));

    const parsers = format._parser ? section('PARSER', [
      ['Name', format._parser.name],
      ['Format', format._parser.format],
      ...optional('Regex', format._parser.regex),
      ...optional('Time_Key', format._parser.timeKey),
      ...optional('Time_Format', format._parser.timeFormat),
      ...optional('Types', format._parser.types),
    ]) : '';
    return {
      main: `# Rendered by cdk8s-distributed-patterns (log adapter, format '${format.name}').\n${sections.join('\n')}`,
      parsers: `# Rendered by cdk8s-distributed-patterns (log adapter, format '${format.name}').\n${parsers}`,
    };
  }
}

// `<pid>:<role> dd Mon yyyy hh:mm:ss.mmm <level> <message>` — redis' serverLogRaw (7.x).
const REDIS_LOG_REGEX = '^(?<pid>\\d+):(?<role>[XCSM]) (?<time>\\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}) (?<level>[.*#-]) (?<message>.*)$';

function section(name: string, entries: Array<[string, string]>): string {
  const width = Math.max(...entries.map(([k]) => k.length)) + 1;
  return `[${name}]\n${entries.map(([k, v]) => `    ${k.padEnd(width)}${v}`).join('\n')}\n`;
}

function optional(key: string, value: string | undefined): Array<[string, string]> {
  return value === undefined ? [] : [[key, value]];
}

function keyProblem(key: string): ValueProblem | undefined {
  return ValueProblems.matches(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a field name of letters, digits and \'_\'', key);
}

function lineProblem(value: string): ValueProblem | undefined {
  if (typeof value === 'string' && value.trim() !== '' && !/[\r\n]/.test(value) && value === value.trim()) return undefined;
  return { expectation: 'a non-empty single line without surrounding spaces', got: value };
}

function regexProblem(regex: string): ValueProblem | undefined {
  const line = lineProblem(regex);
  if (line) return { ...line, expectation: `a regular expression on ${line.expectation}` };
  if (!/\(\?<[A-Za-z_][A-Za-z0-9_]*>/.test(regex)) return { expectation: 'a regular expression with at least one named group (?<name>...)', got: regex };
  try {
    new RegExp(regex);
  } catch (e: any) {
    return { expectation: `a valid regular expression (${e.message})`, got: regex };
  }
  return undefined;
}

const DEFAULT_FLUSH = Duration.seconds(1);
const DEFAULT_REFRESH = Duration.seconds(5);
const DEFAULT_MEM_BUF = Size.mebibytes(16);

function pathsProblem(paths: string[]): ValueProblem | undefined {
  if (!Array.isArray(paths) || paths.length === 0) return { expectation: 'at least one absolute path', got: paths };
  const bad = paths.find((p) => typeof p !== 'string' || !p.startsWith('/') || /[\s,]/.test(p));
  return bad === undefined ? undefined : { expectation: 'absolute paths without spaces or commas', got: bad };
}

function pathProblem(p: string): ValueProblem | undefined {
  return ValueProblems.matches(/^\/\S*$/, 'an absolute path without spaces', p);
}
