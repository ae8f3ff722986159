import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecretLikeValues } from '../../config/secret-patterns';
import { PLATFORMS } from '../../config/platforms';
import { runApp } from '../support/run-app';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

describe('the app, run as cdktf.json runs it', () => {
  const run = runApp();

  it('synthesizes every platform × environment × layer', () => {
    expect(run.status).toBe(0);
    const stacks = readdirSync(join(run.outdir, 'stacks')).sort();
    const expected = PLATFORMS.flatMap((p) =>
      Object.entries(p.environments).flatMap(([env, e]) => (e.cluster ? ['unseal', 'cluster', 'vault-config', 'backup', 'sync'] : ['cluster', 'vault-config', 'sync']).map((l) => `${p.name}-${env}-${l}`)),
    ).sort();
    expect(stacks).toEqual(expected);
  });

  it('writes a who-can-read-what report, Markdown and JSON, next to each stack', () => {
    const dir = join(run.outdir, 'stacks', 'waqiti-prod-vault-config');
    const report = JSON.parse(readFileSync(join(dir, 'access-report.json'), 'utf8'));
    const grafana = report.entries.find((e: { subject: string }) => e.subject === 'grafana');
    expect(grafana).toEqual({
      subject: 'grafana',
      kind: 'service',
      namespaces: ['waqiti-monitoring'],
      serviceAccounts: ['grafana'],
      role: 'waqiti-grafana',
      policies: ['waqiti-grafana'],
      grants: [{ path: 'waqiti/data/infrastructure/grafana', capabilities: ['read'] }],
    });
    const md = readFileSync(join(dir, 'access-report.md'), 'utf8');
    expect(md).toContain('| grafana | waqiti-monitoring | grafana | waqiti-grafana | waqiti-grafana | `waqiti/data/infrastructure/grafana` | read |');
  });

  it('writes no secret-looking value and no credential into any synthesized file', () => {
    const files = filesUnder(run.outdir);
    expect(files.length).toBeGreaterThan(60);
    const findings = files.flatMap((f) => findSecretLikeValues(readFileSync(f, 'utf8')).map((what) => `${f}: ${what}`));
    expect(findings).toEqual([]);
    for (const f of files.filter((x) => x.endsWith('cdk.tf.json'))) {
      const tf = JSON.parse(readFileSync(f, 'utf8'));
      for (const providers of Object.values(tf.provider ?? {}) as Array<Array<Record<string, unknown>>>) {
        for (const p of providers) for (const key of ['token', 'password', 'client_key', 'access_key', 'secret_key']) expect(p[key]).toBeUndefined();
      }
      expect(tf.resource?.vault_kv_secret_v2 && Object.values(tf.resource.vault_kv_secret_v2).some((s: any) => s.data_json !== undefined)).toBeFalsy();
    }
  });

  it('would notice a planted value (the scan can fail)', () => {
    expect(findSecretLikeValues('{"api_key": "sk_live_51HxY2eKz9QmR4tVb8nPq"}')).toContain('Stripe key');
    expect(findSecretLikeValues('"password": "Zk8#qL2vR9xT4mW7pN3bY6cF1hJ5sD0g"')).toEqual(['high-entropy string']);
  });
});

describe('invalid configuration', () => {
  it('exits non-zero, lists every problem with its field and hint, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vsp-bad-'));
    const module = join(dir, 'bad-platforms.ts');
    writeFileSync(
      module,
      `const { PLATFORMS } = require(${JSON.stringify(join(__dirname, '..', '..', 'config', 'platforms'))});
const bad = JSON.parse(JSON.stringify(PLATFORMS[0]));
bad.environments.prod.replicas = 1;
bad.services[0].reads.push('nope');
exports.PLATFORMS = [bad, PLATFORMS[1]];
`,
    );
    const run = runApp({ VSP_PLATFORMS_MODULE: module });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid platform configuration (2 problems)');
    expect(run.stderr).toContain('waqiti: environments.prod.replicas: prod runs 1 Vault replica(s)');
    expect(run.stderr).toContain('waqiti: services[0].reads[6]: service "payment-service" reads "nope"');
    expect(run.stderr).toMatch(/hint: /);
    expect(existsSync(run.outdir)).toBe(false);
  });
});
