// Internal: the graph of a KafkaWorkflow as plain data, and what is checked and drawn from it. Pure functions, no
// constructs: the workflow builds the model from its topics and stages, the tests build it by hand.

/** A topic of the graph. */
export interface GraphTopic {
  /** The topic name. */
  readonly name: string;
  /** Number of partitions. */
  readonly partitions: number;
  /** Replication factor. */
  readonly replicationFactor: number;
  /** Written from outside the workflow: no stage has to write it. */
  readonly source: boolean;
  /** Read from outside the workflow: no stage has to read it. */
  readonly sink: boolean;
  /** The stage that owns it (a join's pending topic): not declared, and not checked as a topic of the graph. */
  readonly internalTo?: string;
}

/** A stage of the graph. */
export interface GraphStage {
  /** The stage name. */
  readonly name: string;
  /** The topics it reads (without a join's pending topic). */
  readonly inputs: readonly string[];
  /** The topics it writes (without a join's pending topic). */
  readonly outputs: readonly string[];
  /**
   * A custom stage (your image): drawn as a subroutine, and not counted as a writer of the dead-letter topic (its
   * program decides what it writes there).
   */
  readonly custom: boolean;
  /** It may close a cycle. */
  readonly allowCycle: boolean;
  /** What the blueprint says it is (`filter`, `join (3 parts)`, `custom: <image>`). */
  readonly label: string;
  /** Its fixed replicas, or the fewest when it autoscales. */
  readonly replicas: number;
  /** The most replicas KEDA may give it, when it autoscales. */
  readonly maxReplicas?: number;
  /** Labels of the edges to its outputs. */
  readonly edgeLabels: { readonly [topic: string]: string };
  /** A join's pending topic, drawn with dotted edges. */
  readonly pendingTopic?: string;
}

/** A workflow's graph: topics and stages in declaration order. */
export interface GraphModel {
  readonly topics: readonly GraphTopic[];
  readonly stages: readonly GraphStage[];
  /** The topic every stage but a custom one writes the messages it fails on to. */
  readonly deadLetterTopic?: string;
}

/** The first of `names` that is not a declared topic (join pending topics are not declared), or undefined. */
export function firstUndeclared(topics: readonly GraphTopic[], names: readonly string[]): string | undefined {
  const declared = new Set(topics.filter((t) => t.internalTo === undefined).map((t) => t.name));
  return names.find((n) => !declared.has(n));
}

/** The declared topics, for a message: `a, b, c`, or `none`. */
export function declaredList(topics: readonly GraphTopic[]): string {
  const names = topics.filter((t) => t.internalTo === undefined).map((t) => t.name);
  return names.length ? names.join(', ') : 'none';
}

/**
 * The problems of the graph, one sentence each: a topic read that nothing writes and that is not a source, a topic
 * written that nothing reads and that is not a sink, a topic nothing uses, a cycle that no stage on it allows.
 */
export function graphProblems(model: GraphModel): string[] {
  const problems: string[] = [];
  const writers = new Map<string, string[]>();
  const readers = new Map<string, string[]>();
  for (const s of model.stages) {
    for (const t of s.outputs) push(writers, t, s.name);
    for (const t of s.inputs) push(readers, t, s.name);
    if (model.deadLetterTopic !== undefined && !s.custom) push(writers, model.deadLetterTopic, s.name);
  }
  for (const t of model.topics) {
    if (t.internalTo !== undefined) continue;
    const r = readers.get(t.name) ?? [];
    const w = writers.get(t.name) ?? [];
    if (r.length === 0 && w.length === 0 && !t.source && !t.sink) {
      problems.push(`topic '${t.name}' is neither read nor written by any stage`);
      continue;
    }
    if (r.length > 0 && w.length === 0 && !t.source) {
      problems.push(`topic '${t.name}' is read by ${stageList(r)} but no stage writes it: declare it a source (source: true) or add a stage that writes it`);
    }
    if (w.length > 0 && r.length === 0 && !t.sink) {
      problems.push(`topic '${t.name}' is written by ${stageList(w)} but no stage reads it: declare it a sink (sink: true) or add a stage that reads it`);
    }
  }
  const allows = new Map(model.stages.map((s) => [s.name, s.allowCycle]));
  for (const cycle of graphCycles(model.stages)) {
    const stages = cycle.filter((_, i) => i % 2 === 0);
    if (stages.some((s) => allows.get(s))) continue;
    problems.push(`the graph has a cycle: ${cycle.join(' -> ')} -> ${cycle[0]}; set allowCycle on one of its stages if the loop is deliberate`);
  }
  return problems;
}

/**
 * Every elementary cycle of stage → topic → stage edges, as `[stage, topic, stage, topic, …]`, each reported once:
 * from its first stage in declaration order. A join's pending topic is no edge (it is not an input or output).
 */
export function graphCycles(stages: readonly GraphStage[]): string[][] {
  const next = new Map<string, Array<[string, string]>>();
  for (const s of stages) {
    const edges: Array<[string, string]> = [];
    for (const t of s.outputs) {
      for (const r of stages) if (r.inputs.includes(t)) edges.push([t, r.name]);
    }
    next.set(s.name, edges);
  }
  const found: string[][] = [];
  const seen = new Set<string>();
  const order = stages.map((s) => s.name);
  for (const start of order) {
    // cycles whose smallest stage (in declaration order) is `start`, so that each is reported once
    const startIdx = order.indexOf(start);
    const path: string[] = [];
    const onPath = new Set<string>();
    const dfs = (stage: string) => {
      path.push(stage);
      onPath.add(stage);
      for (const [topic, to] of next.get(stage) ?? []) {
        if (order.indexOf(to) < startIdx) continue;
        if (to === start) {
          const full: string[] = [];
          for (let i = 0; i < path.length; i++) {
            full.push(path[i]);
            full.push(i + 1 < path.length ? edgeTopic(next, path[i], path[i + 1]) : topic);
          }
          const key = full.join('>');
          if (!seen.has(key)) {
            seen.add(key);
            found.push(full);
          }
        } else if (!onPath.has(to)) {
          dfs(to);
        }
      }
      path.pop();
      onPath.delete(stage);
    };
    dfs(start);
  }
  return found;
}

/**
 * The graph as a Mermaid flowchart: topics as cylinders (sources and sinks marked), stages as hexagons (custom
 * stages as subroutines) with their label and replicas, edges labelled; a join's pending topic hangs off it with
 * dotted edges. `title` goes into the leading comment. Deterministic: the same model gives the same text.
 */
export function graphMermaid(model: GraphModel, title: string): string {
  const ids = new Map<string, string>();
  const lines = ['flowchart LR', `  %% ${title}`];
  model.topics.forEach((t, i) => {
    const id = `t${i}`;
    ids.set(`topic:${t.name}`, id);
    const role = [t.source ? 'source' : '', t.sink ? 'sink' : '', t.name === model.deadLetterTopic ? 'dead letters' : ''].filter(Boolean).join(', ');
    const detail = `${t.partitions} partition${t.partitions === 1 ? '' : 's'} × ${t.replicationFactor}${role ? ` · ${role}` : ''}`;
    lines.push(`  ${id}[("${mermaidText(t.name)}<br/>${mermaidText(detail)}")]`);
  });
  model.stages.forEach((s, i) => {
    const id = `s${i}`;
    ids.set(`stage:${s.name}`, id);
    const replicas = s.maxReplicas !== undefined ? `${s.replicas}..${s.maxReplicas} replicas (KEDA)` : `${s.replicas} replica${s.replicas === 1 ? '' : 's'}`;
    const text = `${mermaidText(s.name)}<br/>${mermaidText(s.label)} · ${replicas}`;
    lines.push(s.custom ? `  ${id}[["${text}"]]` : `  ${id}{{"${text}"}}`);
  });
  for (const s of model.stages) {
    const sid = ids.get(`stage:${s.name}`)!;
    for (const t of s.inputs) lines.push(`  ${ids.get(`topic:${t}`)} --> ${sid}`);
    for (const t of s.outputs) {
      const label = s.edgeLabels[t];
      lines.push(label !== undefined ? `  ${sid} -->|"${mermaidText(label)}"| ${ids.get(`topic:${t}`)}` : `  ${sid} --> ${ids.get(`topic:${t}`)}`);
    }
    if (s.pendingTopic !== undefined) {
      const p = ids.get(`topic:${s.pendingTopic}`)!;
      lines.push(`  ${sid} -.->|"incomplete"| ${p}`, `  ${p} -.-> ${sid}`);
    }
  }
  lines.push('  classDef topic fill:#fff7e6,stroke:#d46b08,color:#000');
  lines.push('  classDef source fill:#f6ffed,stroke:#389e0d,color:#000');
  lines.push('  classDef sink fill:#e6f4ff,stroke:#0958d9,color:#000');
  lines.push('  classDef stage fill:#f9f0ff,stroke:#531dab,color:#000');
  const byClass = (pred: (t: GraphTopic) => boolean) => model.topics.filter(pred).map((t) => ids.get(`topic:${t.name}`)!);
  const plain = byClass((t) => !t.source && !t.sink);
  const sources = byClass((t) => t.source);
  const sinks = byClass((t) => t.sink && !t.source);
  if (plain.length) lines.push(`  class ${plain.join(',')} topic`);
  if (sources.length) lines.push(`  class ${sources.join(',')} source`);
  if (sinks.length) lines.push(`  class ${sinks.join(',')} sink`);
  if (model.stages.length) lines.push(`  class ${model.stages.map((_, i) => `s${i}`).join(',')} stage`);
  return lines.join('\n') + '\n';
}

/** Text inside a Mermaid label: one line, and the characters Mermaid would read as syntax as entity codes. */
function mermaidText(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;');
}

function edgeTopic(next: Map<string, Array<[string, string]>>, from: string, to: string): string {
  return (next.get(from) ?? []).find(([, s]) => s === to)![0];
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const list = m.get(k) ?? [];
  if (!list.includes(v)) list.push(v);
  m.set(k, list);
}

function stageList(stages: string[]): string {
  return `stage${stages.length > 1 ? 's' : ''} ${stages.map((s) => `'${s}'`).join(', ')}`;
}
