"""The chart of HEAD with what the change adds, changes and removes marked.

Removed OUs and accounts are drawn too, under their parent (dashed). Policy lines of a node
are prefixed: '+' attached, '-' detached, '~' its document changed. For organizations too big
to draw whole, only the touched nodes and their ancestors are drawn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.diff.model import Change
from generator.diff.organization import Matches
from generator.documents.chart import (
    MAX_NODES,
    POLICY_LABEL,
    ROOT_NODE,
    Chart,
    Mark,
    Node,
    chart_of,
    node_id,
    parent_node,
    target_node,
)
from generator.model import ROOT, Organization

_NODE_CHANGES = {"renamed", "moved", "changed", "email-changed", "suspended"}


@dataclass
class _Marks:
    """Node id -> its mark, and node id -> notes such as 'was OLD-NAME'."""

    marks: dict[str, Mark] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)


def diff_chart(base: Organization | None, head: Organization, matches: Matches,
               changes: list[Change]) -> Chart:
    found = _Marks()
    _mark_structure(base, head, matches, changes, found)
    marks, notes = found.marks, found.notes
    lines = _policy_lines(base, head, matches, changes, marks)
    removed = _removed_nodes(base, head, matches) if base is not None else []
    whole = chart_of(head)
    if not whole.note:
        drawn = [_marked(node, marks, notes, lines) for node in whole.nodes]
        return Chart(tuple(drawn + removed))
    return _touched_only(head, marks, notes, lines, removed)


def _mark_structure(base: Organization | None, head: Organization, matches: Matches,
                    changes: list[Change], found: _Marks) -> None:
    marks, notes = found.marks, found.notes
    kept_ous = set(matches.ous.values())
    for path in head.ous:
        if path not in kept_ous:
            marks[node_id("ou", path)] = Mark.ADDED
    for old, new in matches.ous.items():
        if old != new:
            old_parent, _, old_name = old.rpartition("/")
            new_ou = head.ous[new]
            if old_name != new_ou.name:
                note = f"was {old}"
            elif old_parent and matches.ous.get(old_parent) == new_ou.parent:
                note = "replaced with its parent"
            else:
                note = f"moved from {old_parent or ROOT}"
            marks[node_id("ou", new)] = Mark.CHANGED
            notes.setdefault(node_id("ou", new), []).append(note)
    kept_accounts = set(matches.accounts.values())
    for name in head.accounts:
        if name not in kept_accounts:
            marks[node_id("account", name)] = Mark.ADDED
    for old, new in matches.accounts.items():
        ident = node_id("account", new)
        if old != new:
            marks[ident] = Mark.CHANGED
            notes.setdefault(ident, []).append(f"was {old}")
        if base is not None and matches.ou(base.accounts[old].ou) != head.accounts[new].ou:
            marks[ident] = Mark.CHANGED
            notes.setdefault(ident, []).append(f"moved from {base.accounts[old].ou}")
    for change in changes:
        if change.kind in ("account", "ou") and change.action in _NODE_CHANGES:
            kind = "account" if change.kind == "account" else "ou"
            ident = node_id(kind, change.subject)
            marks.setdefault(ident, Mark.CHANGED)


def _policy_lines(base: Organization | None, head: Organization, matches: Matches,
                  changes: list[Change], marks: dict[str, Mark]) -> dict[str, list[str]]:
    """Node id -> its policy lines with +, - and ~ marks, for nodes whose lines change."""
    rewritten = {c.subject for c in changes if c.kind == "policy" and c.action == "changed"}
    after = _lines_by_target(head, lambda name: name)
    before = _lines_by_target(base, lambda name: matches.policies.get(name, name),
                              matches.target) if base is not None else {}
    result: dict[str, list[str]] = {}
    for key in sorted(set(after) | set(before)):
        old, new = before.get(key, {}), after.get(key, {})
        if old == new and not rewritten & set(new):
            continue
        lines = []
        for name, text in new.items():
            prefix = "+ " if name not in old else "~ " if name in rewritten else ""
            lines.append(prefix + text)
        lines += [f"- {text}" for name, text in old.items() if name not in new]
        ident = target_node(key)
        result[ident] = lines
        if any(line[:2] in ("+ ", "- ", "~ ") for line in lines):
            marks.setdefault(ident, Mark.CHANGED)
    return result


def _lines_by_target(org: Organization | None, rename: Callable[[str], str],
                     translate: Callable[[str], str] = lambda key: key
                     ) -> dict[str, dict[str, str]]:
    """Target key (in HEAD's names) -> policy name -> its line in the chart."""
    if org is None:
        return {}
    result: dict[str, dict[str, str]] = {}
    for key, names in org.attachments.items():
        lines = result.setdefault(translate(key), {})
        for name in names:
            lines[rename(name)] = f"{POLICY_LABEL[org.policies[name].spec.type]} {rename(name)}"
    for key in org.blueprint.full_aws_access.detach:
        result.setdefault(translate(key), {})["FullAWSAccess"] = "FullAWSAccess detached"
    return result


def _removed_nodes(base: Organization, head: Organization, matches: Matches) -> list[Node]:
    def parent_of(path: str) -> str:
        if path == ROOT:
            return ROOT_NODE
        if path in matches.ous:
            return parent_node(matches.ous[path])
        return node_id("ou", path)

    nodes = [Node(node_id("ou", path), "ou", ou.name, parent_of(ou.parent), (), Mark.REMOVED)
             for path, ou in base.ous.items() if path not in matches.ous]
    nodes += [Node(node_id("account", name), "account", name, parent_of(account.ou), (),
                   Mark.REMOVED)
              for name, account in base.accounts.items() if name not in matches.accounts]
    return nodes


def _marked(node: Node, marks: dict[str, Mark], notes: dict[str, list[str]],
            lines: dict[str, list[str]]) -> Node:
    mark = marks.get(node.id, Mark.SAME)
    body = tuple(notes.get(node.id, [])) + tuple(lines.get(node.id, node.lines))
    return Node(node.id, node.kind, node.title, node.parent, body, mark)


def _touched_only(head: Organization, marks: dict[str, Mark], notes: dict[str, list[str]],
                  lines: dict[str, list[str]], removed: list[Node]) -> Chart:
    accounts = {node_id("account", name): name for name in head.accounts}
    touched_accounts = [ident for ident in marks if ident in accounts]
    draw_accounts = len(touched_accounts) + len(removed) <= MAX_NODES // 2
    needed_ous: set[str] = set()
    counted: Counter[str] = Counter()
    by_id = {node_id("ou", path): path for path in head.ous}
    for ident in marks:
        if ident in by_id:
            needed_ous.update(head.ancestors(by_id[ident]))
    for ident in touched_accounts:
        home = head.accounts[accounts[ident]].ou
        needed_ous.update(head.ancestors(home))
        if not draw_accounts and home != ROOT:
            counted[home] += 1
    nodes = [Node(ROOT_NODE, "root", f"{head.blueprint.organization.name} (root)", "",
                  tuple(lines.get(ROOT_NODE, ())), marks.get(ROOT_NODE, Mark.SAME))]
    for path in sorted(needed_ous):
        ou = head.ous[path]
        ident = node_id("ou", path)
        extra = [f"{counted[path]} accounts changed"] if counted[path] else []
        mark = marks.get(ident, Mark.CHANGED if counted[path] else Mark.SAME)
        nodes.append(Node(ident, "ou", ou.name, parent_node(ou.parent),
                          tuple(notes.get(ident, []) + lines.get(ident, []) + extra), mark))
    if draw_accounts:
        for ident in sorted(touched_accounts):
            name = accounts[ident]
            nodes.append(Node(ident, "account", name, parent_node(head.accounts[name].ou),
                              tuple(notes.get(ident, []) + lines.get(ident, [])),
                              marks[ident]))
        nodes += removed
    else:
        nodes += [n for n in removed if n.kind == "ou"]
    note = (f"Only the changed part of the organization is drawn: it has "
            f"{len(head.accounts):,} accounts and {len(head.ous):,} OUs.")
    return Chart(tuple(_reachable(nodes)), note)


def _reachable(nodes: list[Node]) -> list[Node]:
    """Nodes whose parent is drawn (a removed node's parent may have been left out)."""
    ids = {node.id for node in nodes}
    return [n if not n.parent or n.parent in ids else Node(n.id, n.kind, n.title, ROOT_NODE,
                                                            n.lines, n.mark) for n in nodes]
