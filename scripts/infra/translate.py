#!/usr/bin/env python3
"""SAM -> plain CloudFormation, offline, with AWS's own translator (aws-sam-translator).

    translate.py TEMPLATE OUT.json

CodeUri values are local paths (or the zips of `make package`); `sam package` replaces them with
S3 URIs before CloudFormation sees the template, and the translator accepts only those, so this
script does the same replacement with s3://ccm-lambda-artifacts/BINARY.zip (BINARY from the
function's BuildProperties). No AWS call is made: managed policies are not used by the template, so
the managed-policy loader is a stub that fails if the translator ever asks for one.
"""

import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ARTIFACT_BUCKET = "ccm-lambda-artifacts"


class NoManagedPolicies:
    """The template grants everything with inline policies; asking for a managed one is a bug."""

    def load(self):
        raise SystemExit("translate.py: the template uses a managed policy by name; grant inline instead")


def main(source: str, out: str) -> None:
    # The translator fills AWS::Region from the environment; any region gives the same resources.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with open(source, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    functions = 0
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        binary = resource.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
        if not binary:
            raise SystemExit(f"translate.py: {name} has no Metadata.BuildProperties.Binary")
        resource["Properties"]["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/{binary}.zip"
        functions += 1
    translated = transform(template, {}, NoManagedPolicies())
    with open(out, "w", encoding="utf-8") as f:
        json.dump(translated, f, indent=1, sort_keys=True)
    kinds = sorted({r["Type"] for r in translated["Resources"].values()})
    print(f"translated {source}: {functions} functions, {len(translated['Resources'])} resources of {len(kinds)} types -> {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
