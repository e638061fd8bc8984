"""Titles with their evidence spans marked, for pages people read."""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup


def highlight(title: str, reasons: list[dict[str, Any]]) -> Markup:
    """The title as HTML with each reason's span in a <mark> naming the signal."""
    spans = sorted(  # a span over the whole title (semantic similarity) marks nothing in particular
        (r["span"][0], r["span"][1], r["signal"]) for r in reasons
        if r.get("span") and r["span"][1] - r["span"][0] < len(title)
    )
    out, cursor = [], 0
    for start, end, signal in spans:
        if start < cursor:
            continue
        out.append(escape(title[cursor:start]))
        out.append(f'<mark title="{escape(signal)}">{escape(title[start:end])}</mark>')
        cursor = end
    out.append(escape(title[cursor:]))
    return Markup("".join(out))
