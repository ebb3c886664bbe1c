"""Parsing 节点计划 cells: one milestone per line or per ；.

Each item starts with a date in any form `duban.core.dates` reads, then an
optional 前 and separator, then what must be done by then:
`3月底前：完成方案设计`, `2022-06-30 开工`, `6月底前完成主体施工`.
Export writes `2022-06-30：开工`, which reads back to the same milestone.

A ； separates two milestones only when a date follows it: a description typed
on the web may itself hold a ； ("完成方案设计；报区发改委审批"), and must read
back unchanged from an export.
"""

import re

from duban.core.dates import PREFIX, DateParseError, parse_date

LINES = re.compile(r"[\n\r]+")
SEMICOLON = re.compile(r"([；;])")
SEPARATOR = re.compile(r"^[\s：:，,、．.\-—]+")


class MilestoneParseError(ValueError):
    pass


def parse_milestones(text, year):
    """[(date, description), ...] in the written order. Raises MilestoneParseError."""
    if text is None:
        return []
    items = [item.strip() for item in _items(str(text)) if item.strip()]
    result = []
    for number, item in enumerate(items, start=1):
        match = PREFIX.match(item)
        if not match:
            raise MilestoneParseError(
                f"第{number}个节点“{item}”没有以日期开头，应写成“3月底前：完成方案设计”"
            )
        try:
            due = parse_date(match.group("date"), year)
        except DateParseError as exc:
            raise MilestoneParseError(f"第{number}个节点“{item}”：{exc}")
        description = SEPARATOR.sub("", item[match.end() :]).strip()
        if not description:
            raise MilestoneParseError(f"第{number}个节点“{item}”缺少节点内容")
        result.append((due, description))
    return result


def _items(text):
    for line in LINES.split(text):
        pieces = SEMICOLON.split(line)
        current = pieces[0]
        for mark, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            if not piece.strip():
                continue
            if PREFIX.match(piece):
                yield current
                current = piece
            else:
                current += mark + piece
        yield current


def format_milestones(milestones):
    return "\n".join(f"{due:%Y-%m-%d}：{description}" for due, description in milestones)
