"""What generate writes and deploy reads: file names, stack names and the token pattern.

Bottom of the layers (pyproject.toml, import-linter): every stage may use it, it uses none.
"""

from __future__ import annotations

import re

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
DEPLOYER_POLICY = "deployer-policy.json"

# A deploy-time token: {{lzgen:KIND}} or {{lzgen:KIND:ARGUMENT}} (generator/synth/types.py).
TOKEN = re.compile(r"\{\{lzgen:([a-z-]+)(?::([^{}]*))?\}\}")


def stack_file(name: str) -> str:
    return f"stacks/{name}.json"


def stackset_file(name: str) -> str:
    return f"stacksets/{name}.json"


def stack_name(organization: str, name: str) -> str:
    """The CloudFormation name of the organization's stack or StackSet `name`."""
    return f"lzgen-{organization}-{name}"
