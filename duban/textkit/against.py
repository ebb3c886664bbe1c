"""Figures of a text against duban's own data for a period (--period): the counts of each
category named in the text (total, 已完成, 推进正常, 推进滞后), its lag rate, and the whole's,
read from `reports.figures.monthly` — the same figures the monthly report prints."""

from __future__ import annotations

import re
from decimal import Decimal

from duban.core.numfmt import pct
from duban.reports import figures as F
from duban.textkit import numbers as N

STATUS_KEYS = {"done": "completed", "normal": "on_track", "lagging": "lagging"}
STATUS_WORDS = {"done": "已完成", "normal": "推进正常", "lagging": "推进滞后"}
OVERALL_WORDS = ("总体", "全部重点工作", "重点工作共", "重点工作中")


def _squash(text):
    return re.sub(r"[、，,“”\"'（）()\s]", "", text or "")


def _statuses(group):
    plain = group.end_sentence.plain
    out = {}
    for part in group.parts:
        source = plain if group.end_sentence is not group.sentence else group.sentence.plain
        status = N._status(N._clause_around(source, part.start, part.end))
        if status:
            out[status] = out.get(status, 0) + part.value
    return group.statuses or out


def _label(group):
    if group.label:
        return group.label
    return group.sentence.plain[: group.whole.start]


def match(label, figures):
    """The category (or the whole) a group's words name, or None."""
    squashed = _squash(label)
    for category in figures["categories"]:
        name = _squash(category["name"])
        if name and (name in squashed or (len(squashed) >= 4 and squashed in name)):
            return category["name"], category
    if any(w in label for w in OVERALL_WORDS) and "项" not in label[-2:]:
        return "全部重点工作", figures["overall"]
    return None


def compare(paragraphs, figures):
    """Findings where the text's counts for a category differ from `figures`."""
    sentences = N.split(paragraphs)
    findings = []
    for group in N.groups_of(sentences):
        if group.whole.unit not in ("项", "个"):
            continue
        statuses = _statuses(group)
        if not statuses:
            continue
        found = match(_label(group), figures)
        if found is None:
            continue
        name, counts = found
        s = group.sentence
        quote = s.text[group.whole.start : group.whole.end]
        if group.whole.value != counts["total"]:
            findings.append(
                N.Finding(
                    "data",
                    s.paragraph,
                    s.number,
                    quote,
                    f"{counts['total']}项",
                    f"系统中{figures['period_label']}“{name}”共{counts['total']}项",
                )
            )
        for status, value in statuses.items():
            key = STATUS_KEYS[status]
            if Decimal(value) != counts[key]:
                findings.append(
                    N.Finding(
                        "data",
                        s.paragraph,
                        s.number,
                        f"{N.fmt(value)}项{STATUS_WORDS[status]}",
                        f"{counts[key]}项",
                        f"系统中{figures['period_label']}“{name}”{STATUS_WORDS[status]}"
                        f"{counts[key]}项",
                    )
                )
        findings += _lag_rates(group, counts, name, figures, sentences)
    return findings


def _lag_rates(group, counts, name, figures, sentences):
    out = []
    start, end = sentences.index(group.sentence), sentences.index(group.end_sentence)
    for s in sentences[start : end + 1]:
        for m in N.PERCENT.finditer(s.plain, group.whole.end if s is group.sentence else 0):
            clause = N._clause_around(s.plain, m.start(), m.end())
            if not any(w in clause for w in N.LAG_RATE_WORDS):
                continue
            rate = counts["lag_rate"]
            if rate is None or N.agrees(m.group("num"), Decimal(str(rate))):
                return out
            out.append(
                N.Finding(
                    "data",
                    s.paragraph,
                    s.number,
                    s.text[m.start() : m.end()],
                    pct(rate),
                    f"系统中{figures['period_label']}“{name}”滞后{counts['lagging']}项、"
                    f"共{counts['total']}项，滞后项目占比{pct(rate)}",
                )
            )
            return out
    return out


def check(paragraphs, office, period):
    """The text's own findings plus those against duban's data for `period`."""
    figures = F.monthly(office, period)
    return N.check(paragraphs) + compare(paragraphs, figures), figures
