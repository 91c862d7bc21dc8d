"""Rules that loading or resolving the blueprint raises, before any check runs.

The loader (generator/blueprint) and the resolver (generator/model.py) sit below the checks, so
they name these ids themselves; their metadata lives here, in the one registry.
"""

from __future__ import annotations

from generator.checks.registry import raised_elsewhere

_YAML = "https://yaml.org/spec/1.2.2/"
_SCHEMA = "https://lzgen.dev/reference/blueprint/"
_POLICY_TYPES = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
                 "orgs_manage_policies.html")

raised_elsewhere("LZ001", "The blueprint is readable YAML text: no duplicate keys, tags or "
                 "alias bombs, within the size limit", _YAML, fixture="duplicate-key.yaml")
raised_elsewhere("LZ002", "The blueprint follows the schema: no unknown or missing keys, "
                 "values of the right type", _SCHEMA, fixture="unknown-key.yaml")
raised_elsewhere("LZ103", "Built-in policies exist and get valid parameters", _POLICY_TYPES,
                 fixture="unknown-builtin.yaml")
raised_elsewhere("LZ104", "Policy files exist inside the blueprint's folder and hold JSON",
                 _POLICY_TYPES, fixture="policy-file-missing.yaml")
