"""A picture of the organization as data, and its Mermaid flowchart.

The chart is data first (nodes with a parent and a mark) so that the organization document
and the diff draw the same picture; the diff marks nodes added, changed or removed.
Mermaid node IDs are derived from names but reduced to letters, digits and '_' with a checksum
of the full name, so that no name can break the chart or collide with another.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from generator.model import ROOT, Organization
from generator.policies.types import SPECS

# Mermaid (and GitHub's renderer) slow down and then refuse large charts: beyond this many
# nodes, accounts are counted per OU instead of drawn, then deep OUs are folded into parents.
MAX_NODES = 120

POLICY_LABEL = {**{name: spec.title for name, spec in SPECS.items()}, "ai_opt_out": "AI opt-out"}


class Mark(StrEnum):
    SAME = "same"
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    kind: str  # "root", "ou" or "account"
    title: str
    parent: str = ""  # the parent node's id; "" for the root
    lines: tuple[str, ...] = ()
    mark: Mark = Mark.SAME


@dataclass(frozen=True, slots=True)
class Chart:
    nodes: tuple[Node, ...]
    note: str = ""


ROOT_NODE = "org_root"


def node_id(kind: str, key: str) -> str:
    """A Mermaid-safe, collision-free node ID for an OU path or account name."""
    if kind == "root":
        return ROOT_NODE
    slug = re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")[:40]
    return f"{kind}_{slug}_{zlib.crc32(f'{kind}:{key}'.encode()):08x}"


def target_node(target_key: str) -> str:
    """The node of a policy target key: 'root', 'ou:PATH' or 'account:NAME'."""
    kind, _, name = target_key.partition(":")
    return node_id("root", "") if kind == ROOT else node_id(kind, name)


def policy_lines(org: Organization, target_key: str) -> list[str]:
    lines = [f"{POLICY_LABEL[org.policies[n].spec.type]} {n}"
             for n in org.attachments.get(target_key, [])]
    if target_key in org.blueprint.full_aws_access.detach:
        lines.append("FullAWSAccess detached")
    return lines


def chart_of(org: Organization) -> Chart:
    """The whole organization, within MAX_NODES (accounts counted, deep OUs folded)."""
    accounts_in = Counter(a.ou for a in org.accounts.values())
    show_accounts = 1 + len(org.ous) + len(org.accounts) <= MAX_NODES
    depth = _deepest_level_that_fits(org)
    folded = _folded(org, depth, accounts_in)
    nodes = [Node(ROOT_NODE, "root", f"{org.blueprint.organization.name} (root)", "",
                  tuple(policy_lines(org, ROOT) + _counted(accounts_in[ROOT], show_accounts)))]
    for path, ou in org.ous.items():
        if ou.depth > depth:
            continue
        lines = policy_lines(org, f"ou:{path}")
        lines += _counted(accounts_in[path], show_accounts)
        if path in folded:
            ous, accounts = folded[path]
            lines.append(f"+{ous:,} OUs below with {accounts:,} accounts")
        nodes.append(Node(node_id("ou", path), "ou", ou.name,
                          node_id("ou", ou.parent) if ou.parent != ROOT else ROOT_NODE,
                          tuple(lines)))
    if show_accounts:
        nodes += [Node(node_id("account", name), "account", name, parent_node(account.ou),
                       tuple(policy_lines(org, f"account:{name}")))
                  for name, account in org.accounts.items()]
    return Chart(tuple(nodes), _note(org, show_accounts, depth))


def parent_node(ou_path: str) -> str:
    return ROOT_NODE if ou_path == ROOT else node_id("ou", ou_path)


def _counted(count: int, show_accounts: bool) -> list[str]:
    if show_accounts or not count:
        return []
    return [f"{count:,} account{'s' if count != 1 else ''}"]


def _deepest_level_that_fits(org: Organization) -> int:
    by_depth = Counter(ou.depth for ou in org.ous.values())
    total, depth = 1, 0
    for level in sorted(by_depth):
        if total + by_depth[level] > MAX_NODES:
            break
        total += by_depth[level]
        depth = level
    return max(depth, 1) if org.ous else 0


def _folded(org: Organization, depth: int,
            accounts_in: Counter[str]) -> dict[str, tuple[int, int]]:
    """OU path at `depth` -> (OUs, accounts) below it that the chart leaves out."""
    folded: dict[str, tuple[int, int]] = {}
    for path, ou in org.ous.items():
        if ou.depth > depth:
            top = "/".join(path.split("/")[:depth])
            ous, accounts = folded.get(top, (0, 0))
            folded[top] = (ous + 1, accounts + accounts_in[path])
    return folded


def _note(org: Organization, show_accounts: bool, depth: int) -> str:
    if show_accounts:
        return ""
    note = (f"The organization has {len(org.accounts):,} accounts and {len(org.ous):,} OUs: "
            "accounts are counted in their OU")
    deepest = max((ou.depth for ou in org.ous.values()), default=0)
    if depth < deepest:
        note += f", and OUs below level {depth} are folded into their parent"
    return note + "."


# --- Mermaid ------------------------------------------------------------------------------

_CLASS_STYLES = {
    Mark.ADDED: "fill:#dafbe1,stroke:#1a7f37,color:#0b3d1b",
    Mark.CHANGED: "fill:#fff8c5,stroke:#9a6700,color:#3d2a00",
    Mark.REMOVED: "fill:#ffebe9,stroke:#cf222e,color:#5c0f14,stroke-dasharray:5 3",
}
_SHAPES = {"root": ('(["', '"])'), "ou": ('["', '"]'), "account": ('("', '")')}
_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
            "`": "#96;", "|": "#124;"}


def label(text: str) -> str:
    """Text made safe inside a quoted Mermaid label (entity codes instead of syntax)."""
    return "".join(_ESCAPES.get(char, char) for char in text).replace("\n", " ")


def mermaid(chart: Chart) -> str:
    lines = ["flowchart TD"]
    for node in chart.nodes:
        opening, closing = _SHAPES[node.kind]
        text = "<br/>".join(label(part) for part in (node.title, *node.lines))
        lines.append(f"  {node.id}{opening}{text}{closing}")
    for node in chart.nodes:
        if node.parent:
            arrow = "-.->" if node.mark is Mark.REMOVED else "-->"
            lines.append(f"  {node.parent} {arrow} {node.id}")
    for mark, style in _CLASS_STYLES.items():
        marked = [node.id for node in chart.nodes if node.mark is mark]
        if marked:
            lines.append(f"  classDef {mark.value} {style}")
            lines.append(f"  class {','.join(marked)} {mark.value}")
    return "\n".join(lines) + "\n"
