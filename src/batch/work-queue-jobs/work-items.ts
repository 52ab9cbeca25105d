import * as fs from 'fs';
import { PropCheck } from '../../core/errors';

/**
 * The work items: a list, or a file with one item per line. Items are strings without line breaks, unique (an
 * item's text is its identity on the queue: its lease key and its place in the processing list).
 */
export class WorkItems {
  /** These items, in order. */
  public static fromList(items: string[]): WorkItems {
    return new WorkItems([...items], undefined);
  }

  /**
   * The lines of a file (UTF-8, `\n` or `\r\n` line ends; a last line end is optional), read at synthesis.
   *
   * @param path the file, relative to the working directory of `cdk8s synth`
   */
  public static fromFile(path: string): WorkItems {
    return new WorkItems(undefined, path);
  }

  private constructor(private readonly list: string[] | undefined, private readonly path: string | undefined) {}

  /**
   * The items, or what is wrong with them: the rest of a sentence that begins with `'items'` (e.g. "must be
   * unique …, got 'a' at items[0] and items[2]"), for the construct to throw with its path.
   *
   * @internal
   */
  public _load(): { readonly items: string[] } | { readonly problem: string } {
    let items: string[];
    let where: (i: number) => string;
    if (this.path !== undefined) {
      let text: string;
      try {
        text = fs.readFileSync(this.path, 'utf8');
      } catch (e: any) {
        return { problem: `must name a readable file, got '${this.path}' (${e.code ?? e.message})` };
      }
      items = text.split(/\r?\n/);
      if (items.length > 0 && items[items.length - 1] === '') items.pop();
      where = (i) => `line ${i + 1} of '${this.path}'`;
    } else {
      items = this.list ?? [];
      where = (i) => `items[${i}]`;
    }
    const seen = new Map<string, number>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item !== 'string' || item.length === 0 || /[\r\n]/.test(item)) {
        return { problem: `must be non-empty strings without line breaks, got ${PropCheck.show(item)} at ${where(i)}` };
      }
      const first = seen.get(item);
      if (first !== undefined) {
        return { problem: `must be unique (an item is its own id on the queue), got ${PropCheck.show(item)} at ${where(first)} and ${where(i)}` };
      }
      seen.set(item, i);
    }
    return { items };
  }
}
