// Internal: a small YAML emitter for the config trees the renderers build: mappings, sequences, numbers, booleans,
// and strings as JSON double-quoted scalars (valid YAML), or as literal blocks when they span lines.

/** `value` as YAML, each line indented by `indent` spaces. */
export function toYaml(value: any, indent: number = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value.map((item) => {
      if (isScalar(item)) return `${pad}- ${scalar(item, indent + 2)}\n`;
      if (isEmptyContainer(item)) return `${pad}- ${Array.isArray(item) ? '[]' : '{}'}\n`;
      const inner = toYaml(item, indent + 2);
      return `${pad}- ${inner.slice(indent + 2)}`;
    }).join('');
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (keys.length === 0) return `${pad}{}\n`;
    return keys.map((k) => {
      const v = value[k];
      const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k);
      if (isScalar(v)) return `${pad}${key}: ${scalar(v, indent + 2)}\n`;
      if (isEmptyContainer(v)) return `${pad}${key}: ${Array.isArray(v) ? '[]' : '{}'}\n`;
      return `${pad}${key}:\n${toYaml(v, indent + 2)}`;
    }).join('');
  }
  return `${pad}${scalar(value, indent)}\n`;
}

function isScalar(v: any): boolean {
  return v === null || typeof v !== 'object';
}

function isEmptyContainer(v: any): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).filter((k) => v[k] !== undefined).length === 0;
}

function scalar(v: any, indent: number): string {
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot render ${v} in a config`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  // A literal block keeps a multi-line query readable in the ConfigMap; its lines must not start with a space
  // (the block's indentation would then be ambiguous) and it must hold no other control characters.
  // eslint-disable-next-line no-control-regex
  if (s.includes('\n') && !/^[ \t]/.test(s) && !/[\u0000-\u0008\u000b-\u001f\u007f\r]/.test(s) && !/\n[ \t]*$/.test(s.replace(/\n$/, ''))) {
    const pad = ' '.repeat(indent);
    const chomp = s.endsWith('\n') ? '' : '-';
    const body = s.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : pad + l)).join('\n');
    return `|${chomp}\n${body}`;
  }
  return JSON.stringify(s);
}
