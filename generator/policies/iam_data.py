"""IAM service prefixes, actions and resource types, from a maintained source.

The source is cfn-lint's bundled `cfnlint/data/AdditionalSpecs/Policies.json`, which cfn-lint's
maintainers rebuild from AWS's programmatic Service Authorization Reference
(https://servicereference.us-east-1.amazonaws.com). cfn-lint is already a dependency, so the
data is there whenever lzgen is. It lists every service prefix, its actions (lower case) and
its resource types with their resource-level condition keys; it does not list action-level or
service-wide condition keys, so lzgen checks only the prefix of those.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

SOURCE = ("cfn-lint's cfnlint/data/AdditionalSpecs/Policies.json (built from AWS's Service "
          "Authorization Reference)")


@cache
def _data() -> dict[str, Any]:
    # Found without importing cfnlint: `lzgen generate --no-lint` must not load cfn-lint.
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed; lzgen needs its IAM data")
    path = (Path(next(iter(spec.submodule_search_locations))) / "data" / "AdditionalSpecs"
            / "Policies.json")
    with path.open("r", encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    return data


@cache
def services() -> frozenset[str]:
    """Every IAM service prefix (lower case), e.g. s3, ec2, secretsmanager."""
    return frozenset(_data())


@cache
def actions(service: str) -> frozenset[str]:
    """The service's action names, lower case (IAM matches actions without regard to case)."""
    return frozenset(_data().get(service.lower(), {}).get("Actions", {}))


@cache
def resource_types(service: str) -> frozenset[str]:
    """The service's resource type names, lower case (ec2: instance, volume, ...)."""
    return frozenset(_data().get(service.lower(), {}).get("Resources", {}))
