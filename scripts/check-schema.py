#!/usr/bin/env python3
"""Validates flow files against flows/sipflow-flow.schema.json with the full jsonschema library (Draft 2020-12).

The Swift tests check the schema with a small built-in checker; this script is the second opinion.
Usage: scripts/check-schema.py [FLOW.yaml ...]   (default: flows/*.yaml). Needs: pip install jsonschema pyyaml
"""
import glob
import json
import os
import re
import sys

import jsonschema
import yaml


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where `on`, `yes` and `off` are booleans; flow files are YAML 1.2, as Yams and
    the VS Code YAML extension read them."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def main() -> int:
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    with open(os.path.join(root, "flows", "sipflow-flow.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(root, "flows", "*.yaml")))
    failed = 0
    for path in paths:
        with open(path) as f:
            document = yaml.load(f, Loader=Yaml12Loader)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{path}: {where}: {error.message}")
        failed += bool(errors)
        if not errors:
            print(f"{path}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
