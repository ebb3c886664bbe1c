"""The quarterly bulletin (督查督办工作通报): its figures and the Word file read back."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from duban.reports import bulletin as B
from duban.supervision import services
from duban.supervision.models import AccountabilityLevel, Topic
from tests.factories import KeyTaskFactory, MilestoneFactory, judge

SEP30 = dt.date(2022, 9, 30)


@pytest.fixture
def quarter(office, people, units, tasks):
    late = KeyTaskFactory(
        code="ZB-02", title="农贸市场改造", lead_unit=units["build"], deadline=dt.date(2022, 8, 31)
    )
    behind = KeyTaskFactory(code="ZB-03", title="口袋公园建设", lead_unit=units["east"])
    MilestoneFactory(task=behind, due=dt.date(2022, 7, 15), description="完成设计")
    done_late = KeyTaskFactory(
        code="ZB-04", title="背街小巷整治", lead_unit=units["west"], deadline=dt.date(2022, 8, 1)
    )
    for task, status in (
        (tasks["build"], "completed"),
        (tasks["east"], "lagging"),
        (tasks["west"], "on_track"),
        (late, "lagging"),
        (behind, "lagging"),
        (done_late, "completed"),
    ):
        judge(task, status, period="2022-09")
    topic = Topic.objects.create(
        office=office, year=2022, name="土地上市", target_value=18, done_value=11, target_unit="宗"
    )
    topic.tasks.set([late])
    blue = services.create(late, people["alice"], dt.date(2022, 9, 1), level="blue", reason="滞后")
    services.sign(blue, people["bob"])
    services.reply(blue, people["bob"], dt.date(2022, 9, 2), measures="抓紧", promised_on=SEP30)
    with time_machine.travel(dt.datetime(2022, 9, 6, 10, 0), tick=False):
        services.close(blue, people["alice"], "已核实")
    services.create(
        tasks["east"],
        people["alice"],
        dt.date(2022, 9, 5),
        level="red",
        reason="严重滞后",
        urgent_reason="区领导批示",
    )
    services.record_decision(
        office,
        units["east"],
        people["alice"],
        level=AccountabilityLevel.objects.get(code="warning"),
        basis="《效能督查督办实施细则》",
        reason="红色督办单逾期未答复",
        decided_on=dt.date(2022, 9, 20),
        today=SEP30,
    )
    return {"late": late, "behind": behind}


def test_figures_follow_the_contract(office, quarter):
    figures = B.quarterly(office, "2022Q3", today=dt.date(2022, 10, 8))
    assert figures["period"] == "2022Q3" and figures["as_of"] == "2022-09-30"
    for key in (
        "categories",
        "overall",
        "topics",
        "overdue_items",
        "notices",
        "accountability",
        "ranking",
    ):
        assert key in figures
    assert figures["topics"] == [
        {"name": "土地上市", "target": 18, "done": 11, "pending": 7, "unit": "宗"}
    ]
    assert figures["overdue_items"] == [
        {
            "code": "ZB-03",
            "name": "口袋公园建设",
            "lead_unit": "东苑居民区",
            "deadline": "2022-12-31",
            "due": "2022-07-15",  # the milestone not reached
            "due_is_milestone": True,
            "overdue_days": 77,
            "status": "推进滞后",
        },
        {
            "code": "ZB-02",
            "name": "农贸市场改造",
            "lead_unit": "城建中心",
            "deadline": "2022-08-31",
            "due": "2022-08-31",
            "due_is_milestone": False,
            "overdue_days": 30,
            "status": "推进滞后",
        },
    ]
    assert figures["notices"] == {
        "issued": {"blue": 1, "yellow": 0, "red": 1},
        "closed": 1,
        "open": 1,
    }
    assert figures["accountability"] == [
        {
            "level": "效能告诫",
            "unit": "东苑居民区",
            "reason": "红色督办单逾期未答复",
            "decided_on": "2022-09-20",
        }
    ]
    assert [r["rank"] for r in figures["ranking"]] == sorted(r["rank"] for r in figures["ranking"])


def test_as_of_moves_the_overdue_days(office, quarter):
    figures = B.quarterly(office, "2022Q3", as_of=dt.date(2022, 9, 10))
    days = {item["code"]: item["overdue_days"] for item in figures["overdue_items"]}
    assert days == {"ZB-03": 57, "ZB-02": 10}


def test_a_quarter_under_way_is_reported_as_of_today(office, quarter):
    # its last day would count days overdue that have not passed yet
    figures = B.quarterly(office, "2022Q3", today=dt.date(2022, 9, 10))
    assert figures["as_of"] == "2022-09-10"
    days = {item["code"]: item["overdue_days"] for item in figures["overdue_items"]}
    assert days == {"ZB-03": 57, "ZB-02": 10}
    with pytest.raises(B.BulletinError, match="2022年第四季度还没有开始"):
        B.quarterly(office, "2022Q4", today=dt.date(2022, 9, 10))


def test_word_bulletin_says_every_figure_of_its_json(office, quarter, tmp_path):
    out = tmp_path / "通报.docx"
    call_command(
        "report",
        "bulletin",
        "--quarter",
        "2022Q3",
        "--format",
        "json",
        "-o",
        str(tmp_path / "b.json"),
        stdout=io.StringIO(),
    )
    figures = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    text_out = io.StringIO()
    call_command("report", "bulletin", "--quarter", "2022Q3", "-o", str(out), stdout=text_out)
    assert "超期事项 2 项，效能问责 1 起" in text_out.getvalue()
    document = Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert figures["title"] in text and "特此通报。" in text
    for topic in figures["topics"]:
        assert (
            f"{topic['name']}。目标{topic['target']}宗，已完成{topic['done']}宗，待完成{topic['pending']}宗"
            in text
        )
    overall = figures["overall"]
    assert f"共{overall['total']}项，已完成{overall['completed']}项" in text
    for category in figures["categories"]:
        assert [category["name"], str(category["total"])] == next(
            row[:2] for row in cells if row[0] == category["name"]
        )
    for item in figures["overdue_items"]:
        assert [
            item["code"],
            item["name"],
            item["lead_unit"],
            item["due"] + ("\n（节点）" if item["due_is_milestone"] else ""),
            str(item["overdue_days"]),
            item["status"],
        ] in cells
    assert "蓝色提醒单1张、黄色警示单0张、红色督办单1张，销号1张" in text
    # under the table, in words: the longest overdue with the date missed, then all lagging
    assert (
        "超期时间最长的依次是口袋公园建设（东苑居民区，节点时间2022年7月15日，已超期77天）、"
        "农贸市场改造（城建中心，完成时限2022年8月31日，已超期30天）。"
    ) in text
    month = figures["judged_month"]
    assert (
        f"按{int(month[:4])}年{int(month[5:])}月研判，推进滞后的工作共{overall['lagging']}项"
    ) in text
    for decision in figures["accountability"]:
        assert f"对{decision['unit']}给予{decision['level']}（{decision['reason']}）" in text


def test_a_month_is_not_a_quarter(office):
    with pytest.raises(CommandError, match="2022Q3"):
        call_command("report", "bulletin", "--quarter", "2022-07", stdout=io.StringIO())


def test_bulletin_page_previews_with_edited_next_focus_and_downloads(
    client, office, people, quarter
):
    client.force_login(people["lily"])
    url = "/reports/bulletin/?quarter=2022Q3&next_focus=重点督查土地上市"
    page = client.get(url).content.decode()
    assert "四、下步督查重点" in page and "重点督查土地上市" in page and "农贸市场改造" in page
    answer = client.get(url + "&format=docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    assert "重点督查土地上市" in text
    data = json.loads(client.get(url + "&format=json").content)
    assert data["next_focus"] == "重点督查土地上市" and data["period"] == "2022Q3"
    bad = client.get("/reports/bulletin/?quarter=2022-07").content.decode()
    assert "请写成 2022Q3" in bad
    client.force_login(people["carol"])
    assert client.get("/reports/bulletin/").status_code == 403


def test_without_overdue_items_the_problems_still_name_the_lagging_work(office, units, tasks):
    from duban.progress.models import Judgement
    from duban.reports.bulletin_docx import blocks

    judge(tasks["build"], "lagging", period="2022-09")
    judge(tasks["east"], "on_track", period="2022-09")
    figures = B.quarterly(office, "2022Q3", today=SEP30)
    assert figures["overdue_items"] == [] and figures["overall"]["lagging"] == 1
    text = "".join(b.get("text", "") + b.get("run_in", "") for b in blocks(figures))
    name = figures["categories"][0]["name"]
    assert f"没有超过完成时限或节点时间仍未完成的事项，但仍有1项工作推进滞后（{name}1项）" in text
    # and with nothing lagging, the one plain sentence
    Judgement.objects.filter(task=tasks["build"]).update(status="completed", light="green")
    figures = B.quarterly(office, "2022Q3", today=SEP30)
    text = "".join(b.get("text", "") + b.get("run_in", "") for b in blocks(figures))
    assert "本季度没有超过完成时限或节点时间仍未完成的事项。" in text
    # no notice this quarter: said in words, not as a row of zeros
    assert "本季度未下发督办单，也没有在办的督办单。" in text and "蓝色提醒单0张" not in text


def _figures(categories=(), overdue=0, still_open=0, total=60):
    return {
        "categories": [
            {"name": name, "lagging": lagging, "lag_rate": rate}
            for name, lagging, rate in categories
        ],
        "overdue_items": [{"code": f"X-{n}"} for n in range(overdue)],
        "notices": {"open": still_open},
        "overall": {"total": total},
    }


def test_next_focus_is_drafted_from_the_figures():
    text = B.next_focus_draft(
        _figures(
            [
                ("民生实事", 5, 50.0),
                ("专班项目", 5, 41.7),
                ("市委市政府", 1, 7.1),
                ("区领导", 0, 0),
            ],
            overdue=10,
            still_open=2,
        )
    )
    assert text == (
        "一是把滞后率最高的民生实事（滞后率50%）和专班项目（滞后率41.7%）列为督查重点，"
        "逐项核实推进滞后的原因，督促牵头单位倒排工期、加快进度；"
        "二是对10项已超过完成时限或节点时间的工作逐项明确整改时限，每半月跟踪一次，"
        "完成一项、销号一项；三是在办的2张督办单跟踪到销号，逾期未答复的依规提出效能问责建议。"
    )
    # one lagging category, nothing overdue, no notice: one point, no 一是
    assert B.next_focus_draft(_figures([("专班项目", 1, 8.3), ("区领导", 0, 0)])) == (
        "把专班项目（滞后率8.3%）列为督查重点，逐项核实推进滞后的原因，督促牵头单位倒排工期、加快进度。"
    )
    # nothing left to chase
    assert B.next_focus_draft(_figures([("区领导", 0, 0)], total=12)) == (
        "保持对12项重点工作的按月督查，对临近完成时限和节点时间的事项提前提醒，防止出现新的滞后。"
    )


def test_bulletin_page_drafts_next_focus_for_the_quarter_shown(client, office, people, quarter):
    client.force_login(people["lily"])
    figures = B.quarterly(office, "2022Q3", today=SEP30)
    assert figures["next_focus"] == B.next_focus_draft(figures)
    assert f"{len(figures['overdue_items'])}项已超过完成时限" in figures["next_focus"]
    response = client.get("/reports/bulletin/?quarter=2022Q3&as_of=2022-09-30")
    assert response.context["values"]["next_focus"] == figures["next_focus"]
    # the draft sent back unchanged with another date is drafted again for that date
    early = B.quarterly(office, "2022Q3", as_of=dt.date(2022, 7, 2), today=SEP30)
    assert early["next_focus"] != figures["next_focus"]
    again = client.get(
        "/reports/bulletin/",
        {
            "quarter": "2022Q3",
            "as_of": "2022-07-02",
            "next_focus": figures["next_focus"],
            "drafted": figures["next_focus"],
        },
    )
    assert again.context["figures"]["next_focus"] == early["next_focus"]
    # text the office wrote is kept as written
    edited = client.get(
        "/reports/bulletin/",
        {"quarter": "2022Q3", "next_focus": "重点督查土地上市", "drafted": figures["next_focus"]},
    )
    assert edited.context["figures"]["next_focus"] == "重点督查土地上市"
