/**
 * The review as Markdown for a pull-request comment: risk flags first, then the access diff, then
 * per-stack counts with the changed resources grouped by platform concept in collapsed sections.
 * It never exceeds `maxChars` (default 60,000): long lists are shortened step by step, each
 * shortened list saying how many lines the JSON report has beyond it.
 */
import type { ResourceChange } from './changes';
import { CONCEPTS } from './concepts';
import type { Review, StackReview } from './review';
import { describeGrantee } from './risks';

export const MAX_COMMENT_CHARS = 60_000;

/** Caps on list lengths, from none to very short; the first rendering that fits is used. */
const CAPS = [Infinity, 200, 60, 20, 5];

export function renderMarkdown(review: Review, maxChars = MAX_COMMENT_CHARS): string {
  for (const cap of CAPS) {
    const text = render(review, cap);
    if (text.length <= maxChars) return text;
  }
  const text = render(review, 1);
  const note = '\n\n… report cut to fit a comment; the JSON report is complete.\n';
  return text.length <= maxChars ? text : text.slice(0, maxChars - note.length) + note;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');
const more = (n: number, what: string) => `- … and ${n} more ${what} (see review.json)`;
const capped = <T>(items: readonly T[], cap: number): { shown: readonly T[]; hidden: number } => ({ shown: items.slice(0, cap), hidden: Math.max(0, items.length - cap) });

function render(review: Review, cap: number): string {
  const lines: string[] = ['## Secrets platform review', ''];
  if (review.noChanges) {
    lines.push('**No changes.** Base and head declare the same resources and the same access.', '');
  }
  lines.push(...riskSection(review, cap), ...accessSection(review, cap), ...stackSection(review.stacks, cap));
  lines.push('', `<sub>${cell(review.base)} → ${cell(review.head)}. ${checkedBy(review.stacks).trim()} Values are never shown: only names, paths, capabilities and attribute names.</sub>`, '');
  return lines.join('\n');
}

/** Which stacks were planned for real (and against what) and which were only compared. */
export function checkedBy(stacks: readonly StackReview[]): string {
  const planned = stacks.filter((s) => s.source === 'plan');
  const targets = [...new Set(planned.map((s) => s.plannedAgainst ?? 'a local target'))];
  const byTarget = targets.map((t) => `${planned.filter((s) => (s.plannedAgainst ?? 'a local target') === t).map((s) => s.stack).join(', ')} against a local ${t}`);
  const compared = stacks.length - planned.length;
  return (
    (planned.length ? `Planned with OpenTofu: ${byTarget.join('; ')}. ` : 'No stack was planned. ') +
    (compared
      ? `The other ${compared} compared as synthesized JSON (they need a cluster or AWS to plan); there, a kubernetes_manifest whose name or namespace changes is shown as the replacement its plan would make.`
      : '')
  );
}

function riskSection(review: Review, cap: number): string[] {
  if (review.risks.length === 0) {
    return ['### Risk flags (0)', '', 'None: no widening, no new wildcard, nothing destroyed, orphaned or replaced, Vault server and unseal unchanged.', ''];
  }
  const levels = [...new Set(review.risks.map((f) => f.level))];
  const byLevel = levels.map((level) => ({ level, flags: review.risks.filter((f) => f.level === level) }));
  const out = [`### Risk flags (${review.risks.length}: ${byLevel.map((l) => `${l.flags.length} ${l.level}`).join(', ')})`, ''];
  // Each level gets its own cap, so a flood of one kind never hides another.
  for (const { level, flags } of byLevel) {
    const { shown, hidden } = capped(flags, cap);
    for (const f of shown) out.push(`- **${f.level}**${f.levels.length > 1 ? ` (also ${f.levels.slice(1).join(', ')})` : ''}: ${f.message}`);
    if (hidden) out.push(more(hidden, `${level} flags`));
  }
  return [...out, ''];
}

function accessSection(review: Review, cap: number): string[] {
  const access = review.access;
  const out = [`### Access changes (${access.filter((a) => a.kind === 'gain').length} gained, ${access.filter((a) => a.kind === 'loss').length} lost, net per service account)`, ''];
  const regranted = capped(review.regranted, cap);
  const kept = regranted.shown.map(
    (r) =>
      `- ${r.serviceAccount} keeps ${r.grants} ${r.grants === 1 ? 'grant' : 'grants'}, now through role ${r.toRole} (was ${r.fromRole}), policy ${r.toPolicy} (was ${r.fromPolicy}): no net change (${r.platform}: ${r.environments.join(', ')})`,
  );
  if (regranted.hidden) kept.push(more(regranted.hidden, 're-granted service accounts'));
  if (access.length === 0) return [...out, 'No service account gains or loses any capability.', ...(kept.length ? ['', ...kept] : []), ''];
  const { shown, hidden } = capped(access, cap);
  const table = [
    '| | who | path | capability | environments |',
    '| --- | --- | --- | --- | --- |',
    ...shown.map((a) => `| ${a.kind === 'gain' ? '+ gains' : '- loses'} | ${cell(describeGrantee(a))} | ${code(cell(a.path))} | ${a.capability} | ${a.platform}: ${a.environments.join(', ')} |`),
  ];
  if (hidden) table.push('', more(hidden, 'access changes'));
  if (kept.length) table.push('', ...kept);
  if (access.length > 15) return [...out, `<details><summary>${access.length} access changes</summary>`, '', ...table, '', '</details>', ''];
  return [...out, ...table, ''];
}

function stackSection(stacks: readonly StackReview[], cap: number): string[] {
  const changed = stacks.filter((s) => s.changes.length > 0);
  const out = [`### Stacks (${changed.length} of ${stacks.length} change)`, ''];
  for (const s of stacks.filter((x) => x.note)) out.push(`> ${s.note}`, '');
  if (changed.length === 0) return [...out, `No stack changes. Planned: ${stacks.filter((s) => s.source === 'plan').map((s) => s.stack).join(', ') || 'none'}.`, ''];
  out.push('| stack | checked by | add | change | replace | destroy | forget |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const s of changed) {
    const presence = s.presence === 'both' ? '' : ` (${s.presence} stack)`;
    out.push(`| ${s.stack}${presence} | ${s.source === 'plan' ? 'tofu plan' : 'config diff'} | ${s.counts.add} | ${s.counts.change} | ${s.counts.replace} | ${s.counts.destroy} | ${s.counts.forget} |`);
  }
  out.push('');
  for (const s of changed) {
    const { add, change, replace, destroy, forget } = s.counts;
    out.push(`<details><summary>${s.stack}: ${add} to add, ${change} to change, ${replace} to replace, ${destroy} to destroy${forget ? `, ${forget} to forget` : ''}</summary>`, '');
    for (const concept of CONCEPTS) {
      const items = s.changes.filter((c) => c.concept === concept);
      if (!items.length) continue;
      out.push(`**${concept}**`, '');
      const { shown, hidden } = capped(items, cap);
      for (const c of shown) out.push(`- ${changeLine(c)}`);
      if (hidden) out.push(more(hidden, `${concept} changes`));
      out.push('');
    }
    out.push('</details>', '');
  }
  return out;
}

function changeLine(c: ResourceChange): string {
  const subject = c.subject ? `${code(c.subject)} ` : '';
  const attrs = c.attributes.length ? `: ${c.attributes.map(code).join(', ')}` : '';
  const because = c.replacedBecause?.length ? ` (forced by ${c.replacedBecause.map(code).join(', ')})` : '';
  const rotation = c.type === 'vault_kv_secret_v2' && c.attributes.includes('data_json_wo_version') ? ' (new generation: the value is regenerated)' : '';
  return `${c.action} ${subject}<sub>${c.address}</sub>${attrs}${because}${rotation}`;
}
