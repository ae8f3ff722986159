/**
 * `tofu apply` of each reference platform's local Vault configuration stack to a real OpenBao, with
 * the vault and random providers from the toolchain: a second plan is empty, every generated secret
 * exists with exactly its declared keys and lengths, and none of those values appears in the
 * synthesized output, the plan (binary or JSON) or the state.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStackEnv, startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { tofu, tofuInit } from '../../scripts/lib/tofu';
import { platformNamed } from '../support/synth';
import { runApp } from '../support/run-app';

jest.setTimeout(300_000);

/** Every file under `dir`, skipping provider binaries. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'providers') return [];
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });

describe.each(['waqiti', 'pea-forecast'])('%s (local): tofu apply on a real OpenBao', (name) => {
  const platform = platformNamed(name);
  const stack = `${name}-local-vault-config`;
  const synth = runApp({ VSP_ONLY: `${name}-local` });
  const work = join(synth.outdir, '..');
  const dir = join(synth.outdir, 'stacks', stack);
  const state = join(work, 'state', `${stack}.tfstate`);
  const generated = platform.secrets.filter((s) => s.origin.kind === 'generated');
  let server: OpenBaoServer;
  let env: Record<string, string>;
  let secondPlanExit: number | undefined;

  beforeAll(async () => {
    server = await startOpenBao();
    env = await localStackEnv(server);
    await tofuInit(dir, state, env);
    await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    const planFile = join(work, 'second.tfplan');
    try {
      await tofu(['plan', '-detailed-exitcode', '-no-color', '-input=false', '-out', planFile], { dir, env });
      secondPlanExit = 0;
    } catch (err) {
      secondPlanExit = (err as { status?: number }).status;
    }
    writeFileSync(join(work, 'second.json'), (await tofu(['show', '-json', planFile], { dir, env })).stdout);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a second plan reports no changes', () => {
    expect(secondPlanExit).toBe(0);
    const plan = JSON.parse(readFileSync(join(work, 'second.json'), 'utf8'));
    expect((plan.resource_changes ?? []).filter((c: { change: { actions: string[] } }) => c.change.actions.join() !== 'no-op')).toEqual([]);
  });

  it('creates every generated secret with exactly its keys and lengths, and no value reaches cdktf.out, plan or state', async () => {
    expect(generated.length).toBeGreaterThan(0);
    const values: string[] = [];
    for (const s of generated) {
      const r = await fetch(`${server.addr}/v1/${platform.kv.mount}/data/${s.path}`, { headers: { 'x-vault-token': server.rootToken } });
      expect(r.status).toBe(200);
      const data = ((await r.json()) as { data: { data: Record<string, string> } }).data.data;
      expect(Object.keys(data).sort()).toEqual([...s.keys].sort());
      const length = s.origin.kind === 'generated' ? s.origin.length : 0;
      for (const v of Object.values(data)) expect(v).toHaveLength(length);
      values.push(...Object.values(data));
    }
    const files = filesUnder(work);
    expect(files.some((f) => f.endsWith('.tfstate'))).toBe(true);
    expect(files.some((f) => f.endsWith('.tfplan'))).toBe(true);
    const leaking = files.filter((f) => {
      const text = readFileSync(f).toString('latin1');
      return values.some((v) => text.includes(v));
    });
    expect(leaking).toEqual([]);
  });
});
