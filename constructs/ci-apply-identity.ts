import { JwtAuthBackend } from '@cdktf/provider-vault/lib/jwt-auth-backend';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';
import { Construct } from 'constructs';

/** Props of the identity CI applies the Vault configuration with. */
export interface CiApplyIdentityProps {
  /** Mount path of the JWT auth method, e.g. `ci-jwt`. */
  readonly path: string;
  /** Role name, e.g. `waqiti-terraform`. */
  readonly roleName: string;
  /** The only policy the role's tokens carry (besides `default`). */
  readonly policy: string;
  /**
   * The CI issuer's OIDC discovery URL. Either this or `validationPubkeys`.
   * @default - tokens are verified with `validationPubkeys`
   */
  readonly oidcDiscoveryUrl?: string;
  /** PEM public keys that sign CI tokens (the local environment). */
  readonly validationPubkeys?: readonly string[];
  /** `iss` the tokens must carry. */
  readonly boundIssuer: string;
  /** `aud` the tokens must carry. */
  readonly audience: string;
  /** Claims that must match exactly, e.g. the repository and environment. */
  readonly boundClaims: Readonly<Record<string, string>>;
  /** Claim naming the entity. @default "sub" */
  readonly userClaim?: string;
  /** Token lifetime in seconds; also its explicit maximum (no renewal beyond it). */
  readonly tokenTtlSeconds: number;
}

/**
 * A JWT auth method and one role for CI (GitHub Actions OIDC, GitLab CI): a token from the bound
 * issuer, for the bound audience, with exactly the bound claims, logs in and gets a short-lived
 * service token carrying only the Terraform policy.
 */
export class CiApplyIdentity extends Construct {
  /** The JWT auth method's mount. */
  public readonly backend: JwtAuthBackend;
  public readonly role: JwtAuthBackendRole;

  constructor(scope: Construct, id: string, props: CiApplyIdentityProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!props.oidcDiscoveryUrl === !props.validationPubkeys) problems.push("give exactly one of 'oidcDiscoveryUrl' and 'validationPubkeys'");
    if (Object.keys(props.boundClaims).length === 0) problems.push("'boundClaims' must bind at least one claim: otherwise any token of the issuer logs in");
    if (props.tokenTtlSeconds < 60 || props.tokenTtlSeconds > 4 * 3600) problems.push(`'tokenTtlSeconds' must be between 60 and 14400. Received: ${props.tokenTtlSeconds}`);
    if (problems.length > 0) throw new Error(`CiApplyIdentity ${props.roleName} failed validation:\n- ${problems.join('\n- ')}`);
    const backend = (this.backend = new JwtAuthBackend(this, 'backend', {
      path: props.path,
      type: 'jwt',
      description: 'CI applies the Vault configuration with its OIDC token',
      boundIssuer: props.boundIssuer,
      ...(props.oidcDiscoveryUrl ? { oidcDiscoveryUrl: props.oidcDiscoveryUrl } : { jwtValidationPubkeys: [...props.validationPubkeys!] }),
    }));
    this.role = new JwtAuthBackendRole(this, 'role', {
      backend: backend.path,
      roleName: props.roleName,
      roleType: 'jwt',
      boundAudiences: [props.audience],
      boundClaims: { ...props.boundClaims },
      userClaim: props.userClaim ?? 'sub',
      tokenPolicies: [props.policy],
      tokenTtl: props.tokenTtlSeconds,
      tokenMaxTtl: props.tokenTtlSeconds,
      tokenExplicitMaxTtl: props.tokenTtlSeconds,
      tokenType: 'service',
    });
  }
}
