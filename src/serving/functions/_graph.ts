// Internal: the checks of a function pipeline's graph (pure; unit-tested). Nodes are function names, edges go to
// successors; the entry is where events come in and the dead-letter sink takes what cannot be delivered.

/** One node of the graph. */
export interface GraphNode {
  readonly name: string;
  readonly successors: ReadonlyArray<{ readonly target: string; readonly when?: string }>;
}

/** One problem: the prop it is about, what is expected, the value. */
export interface GraphProblem {
  readonly prop: string;
  readonly expectation: string;
  readonly value: unknown;
}

/** The first problem of the graph, or undefined. */
export function graphProblem(nodes: GraphNode[], entry: string, deadLetter: string | undefined, allowCycles: boolean): GraphProblem | undefined {
  const names = nodes.map((n) => n.name);
  if (nodes.length === 0) return { prop: 'addFunction()', expectation: 'called at least once (a pipeline has functions)', value: 0 };
  if (!names.includes(entry)) return { prop: 'entry', expectation: `one of the pipeline's functions (${names.join(', ')})`, value: entry };
  if (deadLetter !== undefined && !names.includes(deadLetter)) {
    return { prop: 'deadLetter', expectation: `one of the pipeline's functions (${names.join(', ')})`, value: deadLetter };
  }
  for (const n of nodes) {
    for (const s of n.successors) {
      if (!names.includes(s.target)) return { prop: `${n.name}.successors`, expectation: `names of the pipeline's functions (${names.join(', ')})`, value: s.target };
      if (s.target === deadLetter) return { prop: `${n.name}.successors`, expectation: 'free of the dead-letter sink (it gets only what cannot be delivered)', value: s.target };
    }
  }
  if (deadLetter !== undefined && nodes.find((n) => n.name === deadLetter)!.successors.length > 0) {
    return { prop: `${deadLetter}.successors`, expectation: 'empty: the dead-letter sink has no successors', value: nodes.find((n) => n.name === deadLetter)!.successors.map((s) => s.target) };
  }
  if (!allowCycles) {
    const cycle = findCycle(nodes);
    if (cycle) return { prop: 'successors', expectation: "acyclic (or 'allowCycles: true' to declare the loop)", value: cycle.join(' → ') };
  }
  const reached = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const next = queue.shift();
    const n = nodes.find((x) => x.name === next)!;
    for (const s of n.successors) if (!reached.has(s.target)) { reached.add(s.target); queue.push(s.target); }
  }
  const unreachable = names.filter((n) => !reached.has(n) && n !== deadLetter);
  if (unreachable.length > 0) return { prop: 'successors', expectation: `to reach every function from the entry '${entry}'`, value: unreachable.join(', ') };
  return undefined;
}

/** A cycle as the list of its names (first = last), or undefined. */
export function findCycle(nodes: GraphNode[]): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const s of nodes.find((n) => n.name === name)?.successors ?? []) {
      const c = visit(s.target);
      if (c) return c;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const c = visit(n.name);
    if (c) return c;
  }
  return undefined;
}
