"""Writers of a Diff: text (terminal), markdown (a pull-request comment) and json (scripts).

Text and markdown stay short: each section lists at most MAX_ITEMS entries, the most risky
first, and says how many more there are of each risk; json always lists everything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from generator.diff.model import Change, Diff, EffectiveChange, PolicyRef, ResourceChange, Risk
from generator.documents.chart import mermaid
from generator.policies.types import spec

MAX_ITEMS = 30
MAX_ACCOUNTS_NAMED = 8
MAX_DETAILS = 12

_BANNER = {None: "no changes", Risk.ROUTINE: "routine changes only",
           Risk.WEAKENS: "changes that WEAKEN SECURITY",
           Risk.DESTRUCTIVE: "DESTRUCTIVE changes"}
_ICON = {None: "✅", Risk.ROUTINE: "🟢", Risk.WEAKENS: "🟠", Risk.DESTRUCTIVE: "🔴"}
_TEXT_STYLE = {Risk.ROUTINE: "", Risk.WEAKENS: "bold yellow", Risk.DESTRUCTIVE: "bold red"}
_EFFECT_WORDS = {"create": "create", "delete": "delete", "retain": "retain (not deleted)",
                 "update": "update", "replace": "REPLACE", "refused": "update FAILS",
                 "move": "move (retain, then import)"}

Item = TypeVar("Item", Change, EffectiveChange, ResourceChange)


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed item, ready for a writer: a headline, why, and detail lines."""

    risk: Risk
    headline: str
    reason: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    unit: str  # what the count counts
    count: int
    entries: tuple[Entry, ...]
    omitted: str  # "12 more: 2 destructive, 10 routine", or ""


# --- shared view ------------------------------------------------------------------------------

def sections(diff: Diff) -> list[Section]:
    resources = [r for r in diff.resources if not r.companion_of]
    with_companion = {(r.stack, r.companion_of) for r in diff.resources if r.companion_of}
    return [
        _section("Organization", "change", len(diff.changes), diff.changes, _change_entry),
        _section("Effective policies", "account", sum(len(e.accounts) for e in diff.effective),
                 diff.effective, _effective_entry),
        _section("CloudFormation resources", "resource", len(resources), resources,
                 lambda r: _resource_entry(r, (r.stack, r.logical_id) in with_companion)),
    ]


def _section(title: str, unit: str, count: int, items: Sequence[Item],
             entry: Any) -> Section:
    ordered = sorted(items, key=lambda i: -i.risk.rank)  # stable: keeps the report's order
    shown, rest = ordered[:MAX_ITEMS], ordered[MAX_ITEMS:]
    omitted = ""
    if rest:
        by_risk = [f"{sum(1 for i in rest if i.risk is r)} {r.words}" for r in reversed(Risk)
                   if any(i.risk is r for i in rest)]
        omitted = f"{len(rest)} more ({', '.join(by_risk)}); --format json lists all"
    return Section(title, unit, count, tuple(entry(i) for i in shown), omitted)


def _change_entry(change: Change) -> Entry:
    details = change.details[:MAX_DETAILS]
    if len(change.details) > MAX_DETAILS:
        details += (f"... {len(change.details) - MAX_DETAILS} more",)
    return Entry(change.risk, change.summary, change.reason, details)


def _effective_entry(change: EffectiveChange) -> Entry:
    named = ", ".join(change.accounts[:MAX_ACCOUNTS_NAMED])
    if len(change.accounts) > MAX_ACCOUNTS_NAMED:
        named += f" and {len(change.accounts) - MAX_ACCOUNTS_NAMED:,} more"
    count = len(change.accounts)
    what = "new account" if change.new_accounts else "account"
    headline = f"{count} {what}{'s' if count != 1 else ''}: {named}"
    if change.new_accounts:
        details = [f"{_plural(spec(policy_type).title)} in effect: "
                   f"{', '.join(_ref(r, titled=False) for r in refs)}"
                   for policy_type, refs in _by_type(change.added).items()]
    else:
        details = [f"+ {_ref(r)} newly applies" for r in change.added]
        details += [f"- {_ref(r)} stops applying" for r in change.removed]
        details += [f"tag policy {line}" for line in change.tag_changes]
    return Entry(change.risk, headline, change.reason, tuple(details))


def _by_type(refs: Iterable[PolicyRef]) -> dict[str, list[PolicyRef]]:
    grouped: dict[str, list[PolicyRef]] = {}
    for ref in refs:
        grouped.setdefault(ref.type, []).append(ref)
    return grouped


def _plural(title: str) -> str:
    return f"{title[:-1]}ies" if title.endswith("y") else f"{title}s"


def _ref(ref: PolicyRef, *, titled: bool = True) -> str:
    policy_type = spec(ref.type)
    title = f"{policy_type.title} " if titled else ""
    if ref.name == policy_type.aws_managed_default:
        return f"{title}{ref.name} (AWS managed, every level)"
    return f"{title}{ref.name} (via {', '.join(ref.via)})"


def _resource_entry(change: ResourceChange, has_id_parameter: bool) -> Entry:
    action = change.action if not change.from_stack else f"moved from {change.from_stack}"
    props = f" ({', '.join(change.properties)})" if change.properties else ""
    companion = " + its ID parameter" if has_id_parameter else ""
    headline = (f"{change.stack}: {change.logical_id} [{change.resource_type}] {action}{props}"
                f"{companion} -> {_EFFECT_WORDS.get(change.effect, change.effect)}")
    return Entry(change.risk, headline, change.reason)


def summary_line(diff: Diff) -> str:
    totals = dict.fromkeys(Risk, 0)
    for counts in diff.counts().values():
        for risk, count in counts.items():
            totals[risk] += count
    return ", ".join(f"{totals[r]} {r.words}" for r in reversed(Risk))


# --- text -------------------------------------------------------------------------------------

def text_lines(diff: Diff) -> list[tuple[str, str]]:
    """(rich style, line) pairs; as_text joins the lines, the CLI colours them."""
    risk = diff.risk
    lines = [("bold", f"{diff.command}: {diff.base} -> {diff.head}"),
             (_TEXT_STYLE.get(risk, "green") if risk else "green",
              f"{_BANNER[risk]}" + (f" ({summary_line(diff)})" if risk else ""))]
    if diff.is_empty:
        return lines
    for section in sections(diff):
        if not section.count:
            continue
        lines.append(("", ""))
        lines.append(("bold", f"{section.title} ({section.count} {section.unit}"
                              f"{'s' if section.count != 1 else ''})"))
        for entry in section.entries:
            lines.append((_TEXT_STYLE[entry.risk], f"  [{entry.risk.words}] {entry.headline}"))
            lines += [("", f"      {detail}") for detail in entry.details]
            lines.append(("dim", f"      why: {entry.reason}"))
        if section.omitted:
            lines.append(("dim", f"  ... {section.omitted}"))
    return lines


def as_text(diff: Diff) -> str:
    return "\n".join(line for _, line in text_lines(diff)) + "\n"


# --- markdown ---------------------------------------------------------------------------------

def as_markdown(diff: Diff) -> str:
    from generator.documents.render import render

    risk = diff.risk
    listed = sections(diff)
    attention = [entry for section in listed for entry in section.entries
                 if entry.risk is not Risk.ROUTINE]
    return render(
        "diff.md.j2",
        diff=diff,
        icon=_ICON[risk],
        banner=_BANNER[risk],
        summary=summary_line(diff),
        header=[f"{_ICON[r]} {r.words}" for r in reversed(Risk)],
        rows=[[_ROW_LABELS[s.title],
               *(str(diff.counts()[_COUNT_KEYS[s.title]][r]) for r in reversed(Risk))]
              for s in listed],
        icons=_ICON,
        attention=attention[:MAX_ITEMS],
        attention_omitted=max(0, len(attention) - MAX_ITEMS),
        sections=[s for s in listed if s.count],
        chart=mermaid(diff.chart) if not diff.is_empty else "",
        chart_note=diff.chart.note,
    )


_ROW_LABELS = {"Organization": "organization changes",
               "Effective policies": "accounts whose policies or effective tag policy change",
               "CloudFormation resources": "CloudFormation resources"}
_COUNT_KEYS = {"Organization": "organization", "Effective policies": "effective policies",
               "CloudFormation resources": "CloudFormation resources"}


# --- json -------------------------------------------------------------------------------------

def as_dict(diff: Diff) -> dict[str, Any]:
    data = asdict(diff)
    data.pop("chart")
    data.pop("command")
    data["risk"] = diff.risk.value if diff.risk else None
    data["counts"] = {section: {risk.value: n for risk, n in counts.items()}
                      for section, counts in diff.counts().items()}
    return data


def as_json(diff: Diff) -> str:
    return json.dumps(as_dict(diff), indent=2, sort_keys=True, default=str) + "\n"


def render(diff: Diff, fmt: str) -> str:
    return {"text": as_text, "markdown": as_markdown, "json": as_json}[fmt](diff)
