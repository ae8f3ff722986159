import { KvSecretBackendV2 } from '@cdktf/provider-vault/lib/kv-secret-backend-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Construct } from 'constructs';

/** Props of a KV version 2 secrets engine. */
export interface KvV2MountProps {
  /** Mount path, e.g. `waqiti`. */
  readonly path: string;
  /** Versions kept per secret. */
  readonly maxVersions: number;
  /** Require check-and-set on every write. */
  readonly casRequired: boolean;
  /** Seconds after which versions are deleted; 0 keeps them. */
  readonly deleteVersionAfterSeconds: number;
  /** Shown in `vault secrets list`. @default - "<path> secrets (KV v2)" */
  readonly description?: string;
}

/**
 * A KV v2 mount and its engine settings.
 *
 * The mount outlives `tofu destroy`: disabling a secrets engine deletes everything in it, and the
 * values of external slots (filled out of band, see constructs/external-secret-slot.ts) cannot be
 * recreated by an apply. So the mount has `lifecycle { destroy = false }` (OpenTofu 1.12): a destroy
 * only forgets it (OpenTofu then ends with "Destroy was successful but left behind forgotten
 * instances"; `-suppress-forget-errors` makes that exit 0), and the next apply adopts it again
 * (constructs/existing-vault-objects.ts). Removing it for good is an operator's act:
 * `bao secrets disable <path>` (README, "The Vault layer's lifecycle").
 */
export class KvV2Mount extends Construct {
  /** The mount path, as a reference that orders dependants after the mount. */
  public readonly path: string;
  /** The `vault_mount` resource. */
  public readonly resource: Mount;

  constructor(scope: Construct, id: string, props: KvV2MountProps) {
    super(scope, id);
    if (props.maxVersions < 1) throw new Error(`'maxVersions' must be at least 1. Received: ${props.maxVersions}`);
    const mount = new Mount(this, 'mount', {
      path: props.path,
      type: 'kv',
      options: { version: '2' },
      description: props.description ?? `${props.path} secrets (KV v2)`,
    });
    // cdktf 0.21's lifecycle type predates OpenTofu's `destroy` argument.
    mount.addOverride('lifecycle.destroy', false);
    new KvSecretBackendV2(this, 'config', {
      mount: mount.path,
      maxVersions: props.maxVersions,
      casRequired: props.casRequired,
      deleteVersionAfter: props.deleteVersionAfterSeconds,
    });
    this.path = mount.path;
    this.resource = mount;
  }
}
