"""The one-page Word 督办单, built from `core/official_docx.py`'s primitives (the same
as the monthly report and the bulletin): the colour as title with the notice's number
under it, the unit as 主送机关, the facts in a table, the request to reply by the
reply-by date, and the office's signature. Reads only the notice.

A notice is a form on one page, not a 文件: the red 版头 (which takes some 70 mm of
the page) is left out, and the number stands centred under the title.
"""

from docx.enum.text import WD_ALIGN_PARAGRAPH

from duban.core.dates import chinese_date
from duban.core.official_docx import SIZE_SMALL_4, OfficialDocument

LAYOUT = {"widths_mm": [32, 124], "align": ["center", "left"], "size": SIZE_SMALL_4}


def blocks(notice):
    task = notice.task
    facts = notice.facts or {}
    office = notice.office.name
    deadline = facts.get("deadline") or (task.deadline.isoformat() if task.deadline else "")
    rows = [
        ["督办事项", f"{task.code} {task.title}"],
        ["责任单位", notice.unit.name],
        ["责任领导", task.leader or "—"],
        ["完成时限", chinese_date(deadline) if deadline else "—"],
        ["研判状态", f"{facts.get('status_label', '—')}（{facts.get('period', '')}）"],
        ["连续滞后", f"{facts.get('lag_streak', 0)}期"],
        ["超期天数", f"{facts.get('overdue_days', 0)}天"],
        ["督办事由", notice.reason],
    ]
    if notice.urgent_reason:
        rows.append(["越级理由", notice.urgent_reason])
    rows.append(["签发领导", notice.leader or "—"])
    reply_by = chinese_date(notice.reply_by) if notice.reply_by else "（下发后确定）"
    issued = notice.issued_on or notice.created_at.date()
    return [
        {"kind": "title", "text": notice.get_level_display()},
        {"kind": "recipients", "text": notice.unit.name},
        {"kind": "p", "text": "经研判，下列事项需你单位抓紧推进，现予督办："},
        {"kind": "table", "header": ["项目", "内容"], "rows": rows, "name": "facts"},
        {
            "kind": "p",
            "text": f"请于{reply_by}前签收，并将整改措施、承诺完成日期及佐证材料报党政办。",
        },
        {"kind": "signature", "office": f"{office}党政办公室", "date": issued},
    ]


def render(notice):
    """The .docx bytes of `notice`."""
    document = OfficialDocument(title=notice.get_level_display(), author=notice.office.name)
    parts = blocks(notice)
    document.add_blocks(parts[:1])
    if notice.number:
        # Under the title, in place of its blank line's neighbour: 3号仿宋, centred.
        document.paragraph(notice.number, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    document.add_blocks(parts[1:], tables={"facts": LAYOUT})
    return document.to_bytes()
