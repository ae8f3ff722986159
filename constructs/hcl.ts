/**
 * Deterministic HCL rendering for the two places Vault takes HCL text: ACL policies and the server
 * configuration. Same input, same bytes: keys keep the order given, lists are rendered as given,
 * strings are JSON-quoted (a valid HCL string literal).
 */

/** A value HCL can hold: scalars, lists, nested blocks, and repeated blocks (a list of blocks). */
export type HclValue = string | number | boolean | readonly HclValue[] | HclBlock | readonly HclBlock[];

/** A block body: attributes (scalars, lists) and nested blocks, in insertion order. */
export interface HclBlock {
  readonly [key: string]: HclValue | undefined;
}

/** A labelled block such as `seal "awskms" { ... }` or `path "a/b" { ... }`. */
export interface LabelledBlock {
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: HclBlock;
}

const quote = (s: string) => JSON.stringify(s);

function renderValue(v: HclValue): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${(v as HclValue[]).map(renderValue).join(', ')}]`;
  throw new Error('nested blocks are rendered by renderBody');
}

function isBlock(v: HclValue): v is HclBlock {
  return typeof v === 'object' && !Array.isArray(v);
}

function renderBody(body: HclBlock, indent: string): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (isBlock(value)) lines.push(`${indent}${key} {`, renderBody(value, `${indent}  `), `${indent}}`);
    else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'object' && !Array.isArray(v))) {
      for (const block of value as HclBlock[]) lines.push(`${indent}${key} {`, renderBody(block, `${indent}  `), `${indent}}`);
    } else lines.push(`${indent}${key} = ${renderValue(value)}`);
  }
  return lines.filter((l) => l !== '').join('\n');
}

/** Renders labelled blocks, one after another, separated by blank lines. */
export function renderHcl(blocks: readonly LabelledBlock[]): string {
  return (
    blocks
      .map((b) => `${b.type}${b.labels.map((l) => ` ${quote(l)}`).join('')} {\n${renderBody(b.body, '  ')}\n}`)
      .join('\n\n') + '\n'
  );
}

/** Renders top-level attributes followed by labelled blocks. */
export function renderHclDocument(attributes: HclBlock, blocks: readonly LabelledBlock[]): string {
  const head = renderBody(attributes, '');
  return `${head}${head ? '\n\n' : ''}${renderHcl(blocks)}`;
}
