import { IConstruct } from 'constructs';
import { ValueProblem } from '../core/_value-problems';
import { mustBeMessage, propError } from '../core/prop-error';

// Internal: how the renderers report problems with their options. A renderer lists them (`_xxxProblems`) and,
// called directly, throws the first; a construct that passes its props through asks for the list and throws the
// first as a problem with its own prop — it never catches a renderer's error.

/** A problem with one option of a renderer. */
export interface OptionProblem extends ValueProblem {
  /** The option, as the renderer's options name it. */
  readonly option: string;
}

/** The problems among `checks` (each option with its problem, if any), in order. */
export function problemsOf(checks: { [option: string]: ValueProblem | undefined }): OptionProblem[] {
  return Object.entries(checks).flatMap(([option, p]) => (p === undefined ? [] : [{ option, ...p }]));
}

/** The problem of an optional value: none when it is not given, else what `check` finds. */
export function given<T>(v: T | undefined, check: (v: T) => ValueProblem | undefined): ValueProblem | undefined {
  return v === undefined ? undefined : check(v);
}

/** For a renderer called directly: throws `<where>: '<option>' must be <expectation>, got <value>` for the first problem. */
export function throwFirstProblem(where: string, problems: OptionProblem[]): void {
  const p = problems[0];
  if (p) throw new Error(mustBeMessage(where, p.option, p.expectation, p.got));
}

/** For a construct: throws the first problem as a problem with its prop `<prefix><option>`. */
export function throwFirstPropProblem(scope: IConstruct, problems: OptionProblem[], prefix = ''): void {
  const p = problems[0];
  if (p) throw propError(scope, `${prefix}${p.option}`, p.expectation, p.got);
}
