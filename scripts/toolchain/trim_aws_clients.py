"""Cuts the aws provider's internal/conns/awsclient_gen.go down to the AWS SDK clients that the
compiled packages call.

The generated file has one `XxxClient(ctx)` method per AWS service (~260), so it imports every
service client of aws-sdk-go-v2 (~860 packages with their subpackages), whichever service packages
the provider registers. After service_packages_gen.go is trimmed (scripts/toolchain/builders.sh),
this keeps only the methods that the provider's remaining packages call, and the imports those
methods use: the build compiles about 900 packages instead of about 1,700.

Usage: python3 trim_aws_clients.py <provider source dir>   (go on PATH; run after the first trim)
"""

import pathlib
import re
import subprocess
import sys

MODULE = "github.com/hashicorp/terraform-provider-aws"


def main(root: pathlib.Path) -> None:
    gen = root / "internal/conns/awsclient_gen.go"
    listed = subprocess.run(["go", "list", "-deps", "-f", "{{.ImportPath}} {{.Dir}}", "."], cwd=root, capture_output=True, text=True, check=True).stdout
    used: set[str] = set()
    for line in listed.splitlines():
        if not line.startswith(MODULE + "/") and line.split(" ", 1)[0] != MODULE:
            continue
        for f in pathlib.Path(line.split(" ", 1)[1]).glob("*.go"):
            if f.name.endswith("_test.go") or f.resolve() == gen.resolve():
                continue
            used.update(re.findall(r"\.([A-Z][A-Za-z0-9]*Client)\(", f.read_text()))
    head, _, body = gen.read_text().partition("\nfunc ")
    funcs = [f"func {f}" for f in body.split("\nfunc ")]
    kept = [f for f in funcs if not (m := re.match(r"func \(c \*AWSClient\) (\w+)\(", f)) or m.group(1) in used]
    text = "\n".join(kept)

    def needed(line: str) -> bool:
        m = re.match(r'\s*(?:(\w+) )?"github.com/aws/aws-sdk-go-v2/service/([\w/]+)"', line)
        if not m:
            return True
        name = m.group(1) or m.group(2).split("/")[-1]
        return re.search(r"\b" + re.escape(name) + r"\.", text) is not None

    gen.write_text("\n".join(line for line in head.split("\n") if needed(line)) + "\n" + text)
    methods = sorted(m.group(1) for f in kept if (m := re.match(r"func \(c \*AWSClient\) (\w+)\(", f)))
    print(f"awsclient_gen.go: kept {len(methods)} of {len(funcs)} functions' client methods: {' '.join(methods)}")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
