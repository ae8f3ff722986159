/** IAM trust policy letting exactly one Kubernetes service account assume a role (IRSA). */
export function irsaTrustPolicy(accountId: string, oidcProvider: string, namespace: string, serviceAccount: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${oidcProvider}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${oidcProvider}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${oidcProvider}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  });
}
