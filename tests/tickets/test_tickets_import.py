"""`duban tickets import`: the fixed column contract, aliases, errors, idempotence."""

import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from duban.tickets.importer import HEADERS, TicketImport
from duban.tickets.models import FollowUp, HeaderAlias, Ticket, TicketCategory, Transition
from tests.xlsx import write_xlsx


def write_csv(path, headers, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def row(number="GD001", **kw):
    values = {
        "工单编号": number,
        "来源": "12345热线",
        "受理时间": "2023-03-06 09:30",
        "诉求类别": "市容环境",
        "诉求内容": "小区门口占道经营",
        "社区": "东苑居民区",
        "诉求人": "张三",
        "联系电话": "13812345678",
        "承办单位": "城建中心",
        "状态": "已办结",
        "办结时间": "2023-03-08 17:00",
        "是否联系": "是",
        "是否解决": "是",
        "满意度": "满意",
    }
    values.update(kw)
    return [values[h] for h in HEADERS]


@pytest.fixture
def category(db):
    return TicketCategory.objects.create(name="市容环境")


def test_a_12345_export_is_imported_with_state_deadline_and_follow_up(
    tmp_path, office, units, category
):
    path = write_csv(
        tmp_path / "gd.csv",
        HEADERS,
        [row(), row("GD002", 状态="办理中", 办结时间="", 是否联系="", 是否解决="", 满意度="")],
    )
    report = TicketImport(office).apply(path)
    assert report.ok, report.errors
    assert len(report.created) == 2
    closed = Ticket.objects.get(source_number="GD001")
    assert closed.state == "closed" and closed.unit == units["build"]
    assert closed.community == units["east"] and closed.category == category
    assert closed.followed_up and closed.contacted and closed.satisfaction == "satisfied"
    # 2023-03-06 (Mon) + 7 working days = 2023-03-15, same time of day
    assert closed.deadline.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(
        2023, 3, 15
    )
    open_one = Ticket.objects.get(source_number="GD002")
    assert open_one.state == "in_progress" and not open_one.followed_up
    assert FollowUp.objects.count() == 1
    assert Transition.objects.filter(action="import").count() == 2
    assert closed.history.count() == 1


def test_reimporting_the_same_file_changes_nothing_and_a_change_updates(
    tmp_path, office, units, category
):
    path = write_xlsx(tmp_path / "gd.xlsx", HEADERS, [row()])
    TicketImport(office).apply(path)
    again = TicketImport(office).apply(path)
    assert again.ok and not again.created and not again.updated and len(again.unchanged) == 1
    changed = write_xlsx(tmp_path / "gd2.xlsx", HEADERS, [row(满意度="不满意")])
    report = TicketImport(office).apply(changed)
    assert [c.key for c in report.updated] == ["12345热线 GD001"]
    assert Ticket.objects.get().satisfaction == "unsatisfied"
    assert Ticket.objects.count() == 1


def test_bad_rows_are_named_in_chinese_and_nothing_is_written(tmp_path, office, units, category):
    path = write_csv(
        tmp_path / "bad.csv",
        HEADERS,
        [
            row("A1", 状态="处理完毕"),
            row("A2", 受理时间="2023-02-30 10:00"),
            row("A3", 联系电话="abcdefg"),
            row("A4"),
            row("A4"),
        ],
    )
    report = TicketImport(office).apply(path)
    messages = [str(e) for e in report.errors]
    assert "第2行【状态】“处理完毕”无法识别，应为 待分派、办理中、已办结、已退单" in messages
    assert any(m.startswith("第3行【受理时间】日期不存在：2023年2月30日") for m in messages)
    assert any(m.startswith("第4行【联系电话】“abcdefg”不是电话号码") for m in messages)
    assert any(m.startswith("第6行【工单编号】“12345热线 A4”与第5行重复") for m in messages)
    assert Ticket.objects.count() == 0 and Transition.objects.count() == 0


def test_a_nul_in_a_cell_is_named_and_nothing_is_written(tmp_path, office, units, category):
    """PostgreSQL's driver raised on it in the middle of the staging COPY (a traceback)."""
    path = write_csv(tmp_path / "nul.csv", HEADERS, [row("A1"), row("A2", 诉求内容="占道\x00经营")])
    report = TicketImport(office).apply(path)
    assert [str(e) for e in report.errors][0].startswith("第3行【诉求内容】单元格含有空字符")
    assert Ticket.objects.count() == 0 and Transition.objects.count() == 0


def test_unknown_unit_is_an_error_unless_created(tmp_path, office, units, category):
    path = write_csv(
        tmp_path / "u.csv", HEADERS, [row(承办单位="区市场监管局", 诉求类别="噪声扰民")]
    )
    report = TicketImport(office).preview(path)
    fields = {e.field for e in report.errors}
    assert fields == {"承办单位", "诉求类别"}
    report = TicketImport(office, create_missing=True).apply(path)
    assert report.ok
    assert Ticket.objects.get().unit.name == "区市场监管局"
    assert TicketCategory.objects.filter(name="噪声扰民").exists()


def test_header_aliases_from_the_admin_map_an_office_export(tmp_path, office, units, category):
    HeaderAlias.objects.create(column="content", alias="来电诉求")
    headers = [
        "工单号",
        "来源",
        "来电时间",
        "诉求类别",
        "来电诉求",
        "社区",
        "诉求人",
        "联系电话",
        "处理单位",
        "办理状态",
        "办结时间",
        "是否联系",
        "是否解决",
        "满意度",
    ]
    path = write_csv(tmp_path / "alias.csv", headers, [row()])
    report = TicketImport(office).apply(path)
    assert report.ok, report.errors
    assert Ticket.objects.get().content == "小区门口占道经营"


def test_command_dry_run_writes_nothing(tmp_path, office, units, category, capsys):
    path = write_csv(tmp_path / "gd.csv", HEADERS, [row()])
    call_command("tickets", "import", str(path), "--dry-run")
    assert "预览（未写入）：新增 1 项" in capsys.readouterr().out
    assert Ticket.objects.count() == 0
    bad = write_csv(tmp_path / "bad.csv", HEADERS, [row(状态="未知")])
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("tickets", "import", str(bad))


def test_the_import_page_previews_then_writes(client, tmp_path, people, units, category):
    from django.urls import reverse

    client.force_login(people["alice"])
    path = write_csv(tmp_path / "gd.csv", HEADERS, [row()])
    with open(path, "rb") as handle:
        response = client.post(reverse("tickets:import"), {"file": handle})
    assert response.status_code == 302
    preview = client.get(reverse("tickets:import_preview"))
    assert "GD001" in preview.content.decode() and Ticket.objects.count() == 0
    client.post(reverse("tickets:import_confirm"))
    assert Ticket.objects.count() == 1
    client.force_login(people["bob"])
    assert client.get(reverse("tickets:import")).status_code == 403


def test_an_imported_deadline_follows_the_categorys_own(tmp_path, office, units, category):
    category.normal_workdays = 3
    category.save()
    path = write_csv(tmp_path / "gd.csv", HEADERS, [row()])
    TicketImport(office).apply(path)
    deadline = Ticket.objects.get().deadline
    # 2023-03-06 (Mon) 09:30 + 3 working days = Thursday 09:30
    assert deadline == dt.datetime(2023, 3, 9, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_row_awaiting_dispatch_keeps_no_unit(tmp_path, office, units, category):
    path = write_csv(
        tmp_path / "gd.csv",
        HEADERS,
        [
            row(
                "W1",
                状态="待分派",
                办结时间="",
                是否联系="",
                是否解决="",
                满意度="",
                承办单位="不存在的单位",
            )
        ],
    )
    report = TicketImport(office).apply(path)
    assert report.ok, report.errors
    ticket = Ticket.objects.get()
    assert ticket.state == "received" and ticket.unit is None
