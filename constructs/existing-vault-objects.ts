import { DataVaultGenericSecret } from '@cdktf/provider-vault/lib/data-vault-generic-secret';
import { TerraformElement, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

/** The Vault tables that list mount-like objects, by the path under `sys/` that reads them. */
export type VaultObjectTable = 'mounts' | 'auth' | 'audit';

/**
 * Adoption of mount-like Vault objects (a secrets engine, an auth method, an audit device) that
 * already exist but are not in state, so that an apply creates them only when they are missing.
 *
 * Why: OpenTofu writes local state during an apply only every 20 s, so an apply killed in its first
 * seconds leaves objects in Vault that state does not know. Policies, roles, configs and secrets are
 * written with idempotent calls, so the next apply just writes them again; but enabling an engine,
 * an auth method or an audit device at a path already in use fails ("path is already in use").
 * The same holds after `tofu destroy`, which keeps the KV mount (constructs/kv-v2-mount.ts).
 *
 * How: each table is read at plan time (`GET sys/mounts`, `sys/auth`, `sys/audit`: paths and
 * settings, never a secret), and each adopted resource gets an `import` block whose `for_each`
 * holds the path only when Vault lists it. OpenTofu skips an import block for an instance that is
 * already in state, so on a normal plan the blocks do nothing.
 */
export class ExistingVaultObjects extends Construct {
  private readonly tables = new Map<VaultObjectTable, DataVaultGenericSecret>();

  /** Imports `resource` (whose import id is its `path`) when Vault already lists `path` in `table`. */
  public adopt(resource: TerraformResource, table: VaultObjectTable, path: string): void {
    if (path === '' || path.includes('"') || path.endsWith('/')) throw new Error(`ExistingVaultObjects: '${path}' is not a mount path (no quotes, no trailing slash)`);
    new ImportIfListed(this, `adopt-${resource.friendlyUniqueId}`, { resource, listing: this.table(table), path });
  }

  private table(table: VaultObjectTable): DataVaultGenericSecret {
    let data = this.tables.get(table);
    if (!data) {
      data = new DataVaultGenericSecret(this, table, { path: `sys/${table}` });
      this.tables.set(table, data);
    }
    return data;
  }
}

interface ImportIfListedProps {
  readonly resource: TerraformResource;
  /** A data source whose JSON keys are the listed paths, each with a trailing slash. */
  readonly listing: DataVaultGenericSecret;
  readonly path: string;
}

/**
 * An `import` block with `for_each` (OpenTofu 1.7+). cdktf 0.21 renders only a fixed `import`
 * (`importFrom`), so this element writes the block itself.
 */
class ImportIfListed extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: ImportIfListedProps,
  ) {
    super(scope, id);
  }

  public toTerraform(): Record<string, unknown> {
    const { resource, listing, path } = this.props;
    // The listing is a sensitive attribute of the data source; paths are not secrets.
    const listed = `keys(jsondecode(nonsensitive(data.${listing.terraformResourceType}.${listing.friendlyUniqueId}.data_json)))`;
    return {
      import: [
        {
          for_each: `\${contains(${listed}, "${path}/") ? toset(["${path}"]) : toset([])}`,
          to: `${resource.terraformResourceType}.${resource.friendlyUniqueId}`,
          id: '${each.value}',
        },
      ],
    };
  }

  public toHclTerraform(): Record<string, unknown> {
    return this.toTerraform();
  }
}
