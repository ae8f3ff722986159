import { GenericEndpoint } from '@cdktf/provider-vault/lib/generic-endpoint';
import { Construct } from 'constructs';

/** Props of a declared slot for an externally supplied secret. */
export interface ExternalSecretSlotProps {
  /** KV v2 mount. */
  readonly mount: string;
  /** Path under the mount. */
  readonly path: string;
  /** Custom metadata (owner, rotation period, source, expected keys). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * A slot for a secret supplied from outside (a vendor key): the stack writes only its KV metadata,
 * so policies, sync and backup can be declared; the value is filled out of band with
 * `vault kv put`, never by Terraform. Destroying the slot leaves any value in place.
 */
export class ExternalSecretSlot extends Construct {
  constructor(scope: Construct, id: string, props: ExternalSecretSlotProps) {
    super(scope, id);
    new GenericEndpoint(this, 'metadata', {
      path: `${props.mount}/metadata/${props.path}`,
      dataJson: JSON.stringify({ custom_metadata: props.metadata }),
      ignoreAbsentFields: true,
      disableDelete: true,
    });
  }
}
