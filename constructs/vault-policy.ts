import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import type { Grant } from '../config/plan';
import { CAPABILITIES, type Capability } from '../config/schema';
import { renderHcl } from './hcl';

/** Props of a Vault ACL policy rendered from typed grants. */
export interface VaultPolicyProps {
  /** Policy name in Vault. */
  readonly name: string;
  /** Paths and capabilities. Rendered in the order given, one `path` block each. */
  readonly grants: readonly Grant[];
}

/** Renders grants as policy HCL: deterministic, with capabilities in Vault's canonical order. */
export function renderPolicyHcl(grants: readonly Grant[]): string {
  const order = (c: Capability) => CAPABILITIES.indexOf(c);
  return renderHcl(
    grants.map((g) => ({
      type: 'path',
      labels: [g.path],
      body: { capabilities: [...new Set(g.capabilities)].sort((a, b) => order(a) - order(b)) },
    })),
  );
}

/** A Vault ACL policy. Validates its grants before it builds anything. */
export class VaultPolicy extends Construct {
  /** The policy's name, for roles to reference. */
  public readonly name: string;
  /** The rendered HCL. */
  public readonly hcl: string;

  constructor(scope: Construct, id: string, props: VaultPolicyProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.grants.length === 0) problems.push('a policy needs at least one grant');
    for (const g of props.grants) {
      const unknown = g.capabilities.filter((c) => !CAPABILITIES.includes(c));
      if (unknown.length > 0) problems.push(`unknown capabilities ${unknown.join(', ')} on "${g.path}"`);
      if (g.path.startsWith('/')) problems.push(`path "${g.path}" must not start with "/"`);
    }
    if (problems.length > 0) throw new Error(`VaultPolicy ${props.name} failed validation:\n- ${problems.join('\n- ')}`);
    this.name = props.name;
    this.hcl = renderPolicyHcl(props.grants);
    new Policy(this, 'policy', { name: props.name, policy: this.hcl });
  }
}
