"""The one-page Word 督办单, built from `core/official_docx.py`'s blocks (the same
primitives as the monthly report and the bulletin): 版头 with the notice's number,
the colour as title, the unit as 主送机关, the facts in a table, the request to
reply by the reply-by date, and the office's signature. Reads only the notice."""

from duban.core.dates import chinese_date
from duban.core.official_docx import render_blocks

LAYOUT = {"widths_mm": [36, 120], "align": ["center", "left"]}


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
        {"kind": "header", "organ": f"{office}督查督办", "number": notice.number},
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
    return render_blocks(
        blocks(notice),
        tables={"facts": LAYOUT},
        title=notice.get_level_display(),
        author=notice.office.name,
    )
