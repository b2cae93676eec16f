/**
 * Schema evolution rule: a new version of a canonical event schema may add optional fields and
 * widen constraints, never remove or narrow anything a producer or a reader relies on. Compares
 * two JSON Schemas (draft-07) node by node and names every breaking change with its path.
 */
type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const types = (n: Node) => (n.type === undefined ? null : ([] as unknown[]).concat(n.type).map(String));

export function breakingChanges(older: unknown, newer: unknown, path = ''): string[] {
  if (!isNode(older) || !isNode(newer)) return [];
  const out: string[] = [];
  const at = path || '/';
  const ot = types(older);
  const nt = types(newer);
  if (ot && (!nt || ot.some((t) => !nt.includes(t) && !(t === 'integer' && nt.includes('number')))) && nt)
    out.push(`${at}: type narrowed from ${ot.join('|')} to ${nt.join('|')}`);
  if (!ot && nt) out.push(`${at}: type ${nt.join('|')} added (was any)`);
  if (older.const === undefined && newer.const !== undefined) out.push(`${at}: const added`);
  if (Array.isArray(newer.enum)) {
    const oe = Array.isArray(older.enum) ? older.enum : null;
    const removed = oe ? oe.filter((v) => !(newer.enum as unknown[]).includes(v)) : ['(any value)'];
    if (removed.length)
      out.push(`${at}: enum no longer allows ${removed.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  for (const [k, tighter] of [
    ['maxLength', (o: number, n: number) => n < o],
    ['maximum', (o: number, n: number) => n < o],
    ['maxItems', (o: number, n: number) => n < o],
    ['minLength', (o: number, n: number) => n > o],
    ['minimum', (o: number, n: number) => n > o],
    ['minItems', (o: number, n: number) => n > o],
  ] as const) {
    const o = older[k];
    const n = newer[k];
    if (typeof n === 'number' && (typeof o !== 'number' || tighter(o, n)))
      out.push(`${at}: ${k} tightened to ${n}`);
  }
  for (const k of ['pattern', 'format'] as const)
    if (newer[k] !== undefined && newer[k] !== older[k])
      out.push(`${at}: ${k} changed to ${String(newer[k])}`);
  if (newer.additionalProperties === false && older.additionalProperties !== false)
    out.push(`${at}: additional properties no longer allowed`);
  const oldReq = new Set(Array.isArray(older.required) ? (older.required as string[]) : []);
  for (const r of Array.isArray(newer.required) ? (newer.required as string[]) : [])
    if (!oldReq.has(r)) out.push(`${path}/${r}: newly required`);
  const op = isNode(older.properties) ? older.properties : {};
  const np = isNode(newer.properties) ? newer.properties : {};
  for (const [k, v] of Object.entries(op)) {
    if (!(k in np)) out.push(`${path}/${k}: removed`);
    else out.push(...breakingChanges(v, np[k], `${path}/${k}`));
  }
  if (isNode(older.items)) out.push(...breakingChanges(older.items, newer.items, `${path}/[]`));
  if (isNode(older.definitions) && isNode(newer.definitions))
    for (const [k, v] of Object.entries(older.definitions))
      if (!(k in newer.definitions)) out.push(`${path}#/definitions/${k}: removed`);
      else out.push(...breakingChanges(v, newer.definitions[k], `${path}#/definitions/${k}`));
  return out;
}
