"""Cuts the External Secrets Operator's provider and generator registration lists.

ESO registers every provider (~37: AWS, Azure, GCP, Oracle, IBM, Alibaba, ...) and every generator
(15) by blank imports in two files, pkg/provider/register/register.go and
pkg/generator/register/register.go. Each controller imports those two packages, so the binary links
every cloud SDK. This keeps only the listed ones: with aws, fake, kubernetes and vault the build
compiles 1,097 packages instead of 2,260 (`go list -deps .`).

A SecretStore for a provider that is not kept is reported by the controller as having no registered
provider; the stacks only declare vault and aws stores.

Usage: python3 trim_eso_registers.py <eso source dir> --providers "aws vault" --generators "password"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('source')
    parser.add_argument('--providers', required=True, help='space-separated provider packages to keep')
    parser.add_argument('--generators', required=True, help='space-separated generator packages to keep')
    args = parser.parse_args()
    root = pathlib.Path(args.source)
    for kind, names in (('provider', args.providers), ('generator', args.generators)):
        kept, dropped = trim(root / 'pkg' / kind / 'register' / 'register.go', set(names.split()))
        print(f'{kind}s: kept {kept}, dropped {dropped}')


if __name__ == '__main__':
    main()
