"""Prepares the External Secrets Operator v0.20.4 source: trims its registration lists and backports
one upstream fix.

1. Registration lists. ESO registers every provider (~37: AWS, Azure, GCP, Oracle, IBM, Alibaba, ...) and every generator
(15) by blank imports in two files, pkg/provider/register/register.go and
pkg/generator/register/register.go. Each controller imports those two packages, so the binary links
every cloud SDK. This keeps only the listed ones: with aws, fake, kubernetes and vault the build
compiles 1,097 packages instead of 2,260 (`go list -deps .`).

A SecretStore for a provider that is not kept is reported by the controller as having no registered
provider; the stacks only declare vault and aws stores.

2. Backport: the AWS Secrets Manager provider's resource-policy comparison. v0.20.4 compares the
declared and the current policy with maps.Equal on map[string]any, which panics on the nested
Statement list, and fails when the secret has no policy yet. Upstream (providers/v1/aws/secretsmanager
since v2.x, which the shipped chart 2.9.0 runs) compares with reflect.DeepEqual and treats an empty
policy as none; the same two changes are made here, so PushSecrets that declare `resourcePolicy`
(constructs/push-secret.ts) behave as with the shipped controller.

Usage: python3 patch_eso.py <eso source dir> --providers "aws vault" --generators "password"
"""
import argparse
import pathlib
import re
import sys

IMPORT = re.compile(r'^\s*_ "github\.com/external-secrets/external-secrets/pkg/(provider|generator)/([a-z0-9/]+)"')


def trim(path: pathlib.Path, keep: set[str]) -> tuple[int, int]:
    """Drops each blank import whose first path segment is not in keep; returns (kept, dropped)."""
    kept, dropped, out = 0, 0, []
    for line in path.read_text().splitlines(keepends=True):
        match = IMPORT.match(line)
        if match:
            if match.group(2).split('/')[0] not in keep:
                dropped += 1
                continue
            kept += 1
        out.append(line)
    missing = keep - {m.group(2).split('/')[0] for m in map(IMPORT.match, path.read_text().splitlines()) if m}
    if missing:
        sys.exit(f'{path}: not registered upstream: {" ".join(sorted(missing))}')
    path.write_text(''.join(out))
    return kept, dropped


POLICY_FILE = 'pkg/provider/aws/secretsmanager/secretsmanager.go'
POLICY_EDITS = [
    ('\t"maps"\n', '\t"reflect"\n'),
    ('if maps.Equal(currentPolicyMap, policyJSONMaps) {', 'if reflect.DeepEqual(currentPolicyMap, policyJSONMaps) {'),
    ('if err := json.Unmarshal([]byte(currentPolicy), &currentPolicyMap); err != nil {',
     'if err := json.Unmarshal([]byte(currentPolicy), &currentPolicyMap); currentPolicy != "" && err != nil {'),
]


def backport_policy_compare(root: pathlib.Path) -> None:
    """Applies POLICY_EDITS; each must match exactly once, or the source is not the expected one."""
    path = root / POLICY_FILE
    text = path.read_text()
    for old, new in POLICY_EDITS:
        if text.count(old) != 1:
            sys.exit(f'{path}: expected exactly one {old.strip()!r}; is this ESO v0.20.4?')
        text = text.replace(old, new)
    path.write_text(text)
    print(f'backported: policy comparison in {POLICY_FILE}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('source')
    parser.add_argument('--providers', required=True, help='space-separated provider packages to keep, or all')
    parser.add_argument('--generators', required=True, help='space-separated generator packages to keep, or all')
    args = parser.parse_args()
    root = pathlib.Path(args.source)
    for kind, names in (('provider', args.providers), ('generator', args.generators)):
        if names == 'all':
            print(f'{kind}s: all kept')
            continue
        kept, dropped = trim(root / 'pkg' / kind / 'register' / 'register.go', set(names.split()))
        print(f'{kind}s: kept {kept}, dropped {dropped}')
    backport_policy_compare(root)


if __name__ == '__main__':
    main()
