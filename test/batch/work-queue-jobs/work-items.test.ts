import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkItems } from '../../../src';

// WorkItems reports what is wrong with the items instead of throwing: WorkQueueJobs words the error once, with
// its path (test/batch/work-queue-jobs.test.ts asserts the full messages).
describe('WorkItems', () => {
  test('a list: the items in order, copied', () => {
    const list = ['a', 'b c'];
    const items = WorkItems.fromList(list);
    list.push('d');
    expect(items._load()).toEqual({ items: ['a', 'b c'] });
    expect(WorkItems.fromList([])._load()).toEqual({ items: [] });
  });

  test('a file: one item per line, LF or CRLF, the last line end optional, read when loaded', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'work-items-'));
    try {
      const file = path.join(dir, 'items.txt');
      const items = WorkItems.fromFile(file);
      fs.writeFileSync(file, 'a\r\nb\nc');
      expect(items._load()).toEqual({ items: ['a', 'b', 'c'] });
      fs.writeFileSync(file, 'a\nb\n');
      expect(items._load()).toEqual({ items: ['a', 'b'] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [WorkItems.fromList(['a', 'b', 'a']), "must be unique (an item is its own id on the queue), got 'a' at items[0] and items[2]"],
    [WorkItems.fromList(['a', '']), "must be non-empty strings without line breaks, got '' at items[1]"],
    [WorkItems.fromList(['a\rb']), "must be non-empty strings without line breaks, got 'a\rb' at items[0]"],
    [WorkItems.fromFile('/no/such/items.txt'), "must name a readable file, got '/no/such/items.txt' (ENOENT)"],
  ])('reports a problem, without throwing: %#', (items, problem) => {
    expect(items._load()).toEqual({ problem });
  });

  test('a file reports the line of a problem', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'work-items-'));
    try {
      const file = path.join(dir, 'items.txt');
      fs.writeFileSync(file, 'a\n\nb\na\n');
      expect(WorkItems.fromFile(file)._load()).toEqual({ problem: `must be non-empty strings without line breaks, got '' at line 2 of '${file}'` });
      fs.writeFileSync(file, 'a\nb\na\n');
      expect(WorkItems.fromFile(file)._load()).toEqual({ problem: `must be unique (an item is its own id on the queue), got 'a' at line 1 of '${file}' and line 3 of '${file}'` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
