"""Writers for the scorecard: text (terminal), markdown (a pull-request comment), json."""

from __future__ import annotations

import json
from typing import Any

from generator.scorecard.card import Scorecard, Status


def summary(card: Scorecard) -> str:
    text = f"{card.met} of {len(card.rows)} recommendations met"
    if card.excepted:
        text += f" ({card.excepted} by accepted exception)"
    if card.assumed:
        text += f", {card.assumed} assumed (verify by hand)"
    if card.not_met:
        text += f", {card.not_met} not met"
    return text


def as_text(card: Scorecard) -> str:
    lines = [f"lzgen check {card.organization}: {summary(card)}"]
    heading = ""
    for row in card.rows:
        rec = row.recommendation
        if rec.heading_id != heading:
            heading = rec.heading_id
            lines += ["", f"{heading}  {rec.heading}"]
        mark = "ok " if row.met else "?? " if row.status is Status.ASSUMED else "NO "
        lines.append(f"  {mark}{rec.id:<10} {row.status.value:<16} {rec.title}")
        lines += [f"{'':>32}{item}" for item in row.evidence]
    return "\n".join(lines)


def as_markdown(card: Scorecard) -> str:
    from generator.documents.render import render

    return render("scorecard.md.j2", card=card, summary=summary(card)).rstrip("\n")


def as_dict(card: Scorecard) -> dict[str, Any]:
    return {
        "organization": card.organization,
        "summary": {"total": len(card.rows), "met": card.met, "not_met": card.not_met,
                    "assumed": card.assumed, "excepted": card.excepted},
        "recommendations": [{
            "id": row.recommendation.id, "heading": row.recommendation.heading,
            "title": row.recommendation.title, "status": row.status.value, "met": row.met,
            "evidence": list(row.evidence),
        } for row in card.rows],
    }


def as_json(card: Scorecard) -> str:
    return json.dumps(as_dict(card), indent=2, sort_keys=True)


def render_scorecard(card: Scorecard, fmt: str) -> str:
    writers = {"text": as_text, "markdown": as_markdown, "json": as_json}
    return writers[fmt](card)
