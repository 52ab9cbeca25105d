/**
 * The bad-input suite's harness (issue 15): each case builds something wrong and must fail at synthesis with one
 * clear message — the construct's class and path, the prop, the value — never be accepted. Cases carry a class
 * (what kind of input is wrong) so the README can report the count per class; `test/bad-input/*.test.ts` hold
 * them, one file per pattern, and `scripts/bad-input-counts.ts` tallies them.
 */
import { Chart, Testing } from 'cdk8s';

/** What kind of input a case gets wrong. */
export type BadInputClass =
  | 'count' | 'name' | 'image' | 'env' | 'size' | 'duration' | 'port' | 'secret' | 'timing' | 'kafka'
  | 'mutation' | 'untyped' | 'choice' | 'path' | 'label' | 'resources' | 'graph' | 'policy';

export const BAD_INPUT_CLASSES: BadInputClass[] = ['count', 'name', 'image', 'env', 'size', 'duration', 'port', 'secret',
  'timing', 'kafka', 'mutation', 'untyped', 'choice', 'path', 'label', 'resources', 'graph', 'policy'];

/** One bad input. */
export interface BadInput {
  /** What kind of input is wrong. */
  readonly class: BadInputClass;
  /** What is wrong, as the test name ("shards is 0"). */
  readonly what: string;
  /** Builds it in `chart` (and synthesizes, if the error is a synth-time one). */
  readonly build: (chart: Chart) => void;
  /**
   * The message, or a part of it. It must name the prop in quotes; `path` (default: the construct's path under the
   * test chart, e.g. `'test/x'`) must appear too.
   */
  readonly message: string | RegExp;
  /** The construct path the message must name. @default "'test/" */
  readonly path?: string;
}

/**
 * Registers one jest test per case: it must throw, the message must match, and name a construct path and a
 * quoted prop and the value (`got …`).
 */
export function badInputs(pattern: string, cases: BadInput[]): void {
  describe(`${pattern}: bad input fails with a clear error`, () => {
    test.each(cases.map((c) => [`[${c.class}] ${c.what}`, c] as const))('%s', (_name, c) => {
      const chart = Testing.chart();
      let error: Error | undefined;
      try {
        c.build(chart);
        // Build errors are thrown at construction; anything else must fail when synthesized.
        chart.node.root.node.findAll().forEach((x) => {
          const errors = x.node.validate();
          if (errors.length > 0) throw new Error(errors.join('\n'));
        });
        Testing.synth(chart);
      } catch (e: any) {
        error = e;
      }
      expect(error).toBeDefined();
      const message = error!.message;
      if (typeof c.message === 'string') expect(message).toContain(c.message);
      else expect(message).toMatch(c.message);
      expect(message).toContain(c.path ?? "'test/");
      expect(message).toMatch(/'[^']+'/);
    });
  });
}
