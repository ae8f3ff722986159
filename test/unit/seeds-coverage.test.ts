/**
 * The reference platforms must express every path and rotation period of their source documents
 * in ../shared/seeds. This test reads the seeds themselves, so a seed change that the inventory
 * does not follow fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformNamed } from '../support/synth';

const SEEDS = join(__dirname, '..', '..', '..', 'shared', 'seeds');
const seed = (title: string) => {
  const file = readdirSync(SEEDS).find((f) => f.endsWith('.txt') && readFileSync(join(SEEDS, f), 'utf8').includes(title));
  if (!file) throw new Error(`no seed titled "${title}" in ${SEEDS}`);
  return readFileSync(join(SEEDS, file), 'utf8');
};

const waqiti = platformNamed('waqiti');
const pea = platformNamed('pea-forecast');

/** True when `path` is a declared secret, or `parent/key` names a key of a declared secret. */
function expressible(platform: typeof waqiti, path: string): boolean {
  if (platform.secrets.some((s) => s.path === path)) return true;
  const cut = path.lastIndexOf('/');
  return cut > 0 && platform.secrets.some((s) => s.path === path.slice(0, cut) && s.keys.includes(path.slice(cut + 1)));
}

describe('WAQITI seed', () => {
  const text = seed('Secrets Management for WAQITI Platform');

  /** Leaves of the "Vault Path Structure" tree, as paths under the mount. */
  function treeLeaves(): string[] {
    const tree = text.split('## Vault Path Structure')[1].split('```')[1];
    const stack: string[] = [];
    const leaves: string[] = [];
    const lines = tree.split('\n').filter((l) => /[├└]── /.test(l));
    const depthOf = (line: string) => (line.indexOf('── ') - 1) / 4;
    lines.forEach((line, i) => {
      const depth = depthOf(line);
      const name = line.slice(line.indexOf('── ') + 3).trim().replace(/\/$/, '');
      stack.length = depth;
      stack.push(name);
      const next = lines[i + 1];
      const hasChildren = next !== undefined && depthOf(next) > depth;
      if (!hasChildren) leaves.push(stack.join('/'));
    });
    return leaves.map((l) => l.replace(/^data\//, '')).filter((l) => !l.endsWith('...'));
  }

  it('parses the tree', () => {
    expect(treeLeaves()).toEqual(expect.arrayContaining(['infrastructure/postgres', 'auth/jwt-secret', '[service-name]/db-password', 'tls/production']));
  });

  it('uses the waqiti/ mount', () => {
    expect(text).toContain('vault secrets enable -path=waqiti kv-v2');
    expect(waqiti.kv.mount).toBe('waqiti');
  });

  it('expresses every path of the tree', () => {
    const apps = waqiti.secrets.filter((s) => s.keys.includes('db-password')).map((s) => s.path);
    expect(apps.length).toBeGreaterThan(0);
    const missing = treeLeaves().flatMap((leaf) => (leaf.startsWith('[service-name]/') ? apps.map((a) => leaf.replace('[service-name]', a)) : [leaf])).filter((p) => !expressible(waqiti, p));
    expect(missing).toEqual([]);
  });

  it('declares every key the populate commands write', () => {
    const puts = [...text.matchAll(/vault kv put waqiti\/(\S+) \\\n((?:\s+[\w-]+=.*\n?)+)/g)].map((m) => ({ path: m[1], keys: [...m[2].matchAll(/([\w-]+)=/g)].map((k) => k[1]) }));
    expect(puts.length).toBeGreaterThanOrEqual(6);
    for (const put of puts) {
      const secret = waqiti.secrets.find((s) => s.path === put.path);
      expect({ path: put.path, keys: put.keys.filter((k) => !secret?.keys.includes(k)) }).toEqual({ path: put.path, keys: [] });
    }
  });

  it('syncs every secret with ESO and backs up the critical ones', () => {
    expect(waqiti.secrets.every((s) => s.delivery.includes('eso'))).toBe(true);
    expect(waqiti.secrets.filter((s) => s.criticality === 'critical').length).toBeGreaterThan(0);
  });
});

describe('PEA RE Forecast seed', () => {
  const text = seed('PEA RE Forecast');
  const PERIODS: Record<string, string> = { '90 days': '90d', '30 days': '30d', Annual: '365d' };

  /** Inventory rows stored in Vault: path under the mount and rotation period. */
  const rows = () =>
    [...text.matchAll(/\| [^|]+ \| [^|]+ \| Vault `secret\/([^`]+)` \| ([^|]+) \|/g)].map((m) => ({ path: m[1], rotation: m[2].trim() }));

  it('declares every inventory path with the seed rotation period', () => {
    expect(rows().length).toBe(5);
    for (const row of rows()) {
      const secret = pea.secrets.find((s) => s.path === row.path);
      expect({ path: row.path, rotation: secret?.rotationPeriod }).toEqual({ path: row.path, rotation: PERIODS[row.rotation] });
    }
  });

  it('declares every path the policies and commands name', () => {
    const paths = new Set([...text.matchAll(/secret\/(?:data\/)?(pea-forecast\/[\w-]+)/g)].map((m) => m[1]));
    expect([...paths].sort()).toEqual(['pea-forecast/api-keys', 'pea-forecast/db', 'pea-forecast/jwt', 'pea-forecast/keycloak', 'pea-forecast/mlflow', 'pea-forecast/notifications', 'pea-forecast/redis']);
    for (const p of paths) expect(pea.secrets.map((s) => s.path)).toContain(p);
    expect(pea.kv.mount).toBe('secret');
  });

  it('keeps the seed consumers: backend reads db, redis and keycloak; ml-service reads mlflow', () => {
    const reads = (svc: string) => pea.services.find((s) => s.name === svc)!.reads;
    expect(reads('backend')).toEqual(expect.arrayContaining(['pea-forecast/db', 'pea-forecast/redis', 'pea-forecast/keycloak']));
    expect(reads('ml-service')).toContain('pea-forecast/mlflow');
  });

  it('delivers by the Agent Injector and CSI, with the seed DATABASE_URL template', () => {
    const db = pea.secrets.find((s) => s.path === 'pea-forecast/db')!;
    expect(db.delivery).toEqual(['injector', 'csi']);
    expect(text).toContain('DATABASE_URL=postgresql://{{ .Data.data.username }}:{{ .Data.data.password }}@timescaledb:5432/pea_forecast');
    expect(db.injectorTemplate).toContain('DATABASE_URL=postgresql://{{ .Data.data.username }}:{{ .Data.data.password }}@timescaledb:5432/pea_forecast');
    expect(pea.vault).toMatchObject({ injector: true, csi: true, storage: { type: 'consul' } });
  });
});
