"""The monthly report in Word says exactly what its figures say, read back with python-docx."""

import datetime as dt
import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from duban.core.numfmt import pct
from duban.core.official_docx import chinese_date, chinese_numeral
from duban.org.models import Office
from duban.progress.models import Judgement, ReasonCategory, Submission
from duban.reports import figures
from duban.reports.monthly_docx import render_docx
from duban.reports.monthly_text import ATTACHMENT_COLUMNS, STREET_COLUMNS, progress_cell
from tests.factories import CategoryFactory, KeyTaskFactory, OfficeFactory, UnitFactory

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NOW = dt.datetime(2022, 8, 1, 9, 0, tzinfo=dt.UTC)
BUCKETS = (("completed", "已完成"), ("on_track", "推进正常"), ("lagging", "推进滞后"))
LIGHTS = {"completed": "green", "on_track": "green", "lagging": "yellow"}


@pytest.fixture(autouse=True)
def august(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def categories(office):
    names = ["民生实事项目", "专班推进项目", "市委市政府重点工作", "区委区政府重点工作"]
    return {name: CategoryFactory(year=2022, name=name, order=i) for i, name in enumerate(names)}


def task(
    office, category, title, status, unit, *, reason="", text="", deadline=dt.date(2022, 12, 31)
):
    item = KeyTaskFactory(
        office=office, category=category, title=title, lead_unit=unit, deadline=deadline
    )
    Judgement.objects.create(
        task=item,
        period="2022-07",
        as_of=dt.date(2022, 7, 31),
        status=status,
        light=LIGHTS[status],
        proposed_status=status,
        source=Judgement.Source.ENGINE,
        reason_category=ReasonCategory.objects.get(name=reason) if reason else None,
        reason=text,
    )
    return item


@pytest.fixture
def mixed(office, units, categories):
    """A street: a mixed category, an empty one, an all-completed one, and one whose
    lagging tasks have no deadline and no reason category."""
    c, build, east = categories, units["build"], units["east"]
    task(office, c["民生实事项目"], "社区老年助餐点建设", "completed", build)
    task(office, c["民生实事项目"], "居民区公共空间微更新", "completed", east)
    task(office, c["民生实事项目"], "独居老人智能安防安装", "on_track", east)
    lift = task(
        office,
        c["民生实事项目"],
        "既有多层住宅加装电梯",
        "lagging",
        build,
        reason="前期手续与审批",
        text="规划许可尚未取得批复。",
    )
    task(
        office,
        c["民生实事项目"],
        "老旧小区雨污混接改造",
        "lagging",
        build,
        reason="资金与要素保障",
        text="项目资金尚未落实。",
    )
    for title in ("美丽街区建设", "普惠托育点建设", "消费提质扩容"):
        task(office, c["市委市政府重点工作"], title, "completed", east)
    task(office, c["区委区政府重点工作"], "深化区域化党建", "on_track", east)
    task(
        office,
        c["区委区政府重点工作"],
        "违法建筑治理",
        "lagging",
        build,
        reason="前期手续与审批",
        text="拆违方案待区里审定。",
        deadline=dt.date(2022, 6, 30),
    )
    task(office, c["区委区政府重点工作"], "实有人口信息采集", "lagging", east)
    Submission.objects.create(
        task=lift,
        period="2022-07",
        unit=build,
        state=Submission.State.ACCEPTED,
        progress="已完成方案设计，正在办理规划许可。",
    )
    return figures.monthly(office, "2022-07")


@pytest.fixture
def undated(mixed, office, units, categories):
    """The mixed street plus a lagging task without a deadline."""
    task(
        office,
        categories["区委区政府重点工作"],
        "毗邻地区协同治理",
        "lagging",
        units["west"],
        reason="统筹协调不足/工作合力不够",
        deadline=None,
    )
    return figures.monthly(office, "2022-07")


@pytest.fixture
def no_lagging(office, units, categories):
    c = categories
    task(office, c["民生实事项目"], "社区老年助餐点建设", "completed", units["build"])
    task(office, c["民生实事项目"], "独居老人智能安防安装", "on_track", units["east"])
    task(office, c["专班推进项目"], "锦绣二村封闭式管理", "on_track", units["west"])
    task(office, c["区委区政府重点工作"], "深化区域化党建", "completed", units["east"])
    return figures.monthly(office, "2022-07")


@pytest.fixture
def district(office, categories):
    """A district over two streets, each with its own units and tasks."""
    area = OfficeFactory(name="示范区", kind=Office.Kind.DISTRICT)
    north = OfficeFactory(name="北街道", parent=area, order=1)
    south = OfficeFactory(name="南街道", parent=area, order=2)
    c = categories
    n_unit = UnitFactory(office=north, name="北街道城建中心", kind="department")
    s_unit = UnitFactory(office=south, name="南街道城建中心", kind="department")
    task(north, c["民生实事项目"], "北片老旧小区改造", "completed", n_unit)
    task(
        north,
        c["民生实事项目"],
        "北片加装电梯",
        "lagging",
        n_unit,
        reason="资金与要素保障",
        text="资金未到位。",
    )
    task(north, c["专班推进项目"], "北片垃圾分类", "on_track", n_unit)
    task(south, c["民生实事项目"], "南片社区食堂", "on_track", s_unit)
    task(south, c["市委市政府重点工作"], "南片美丽街区", "completed", s_unit)
    task(
        south,
        c["区委区政府重点工作"],
        "南片违建治理",
        "lagging",
        s_unit,
        reason="前期手续与审批",
        text="方案待审定。",
    )
    task(south, c["区委区政府重点工作"], "南片营商环境", "lagging", s_unit)
    return figures.monthly(area, "2022-07")


# --- reading the document back --------------------------------------------------------


def read(data):
    return Document(io.BytesIO(render_docx(data)))


def texts(document):
    """Every paragraph's text: body, table cells and footers."""
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            out.extend(cell.text for cell in row.cells)
    return out


def sentence(document, start):
    """The sentence of the overview paragraph that starts with `start`."""
    overview = next(p.text for p in document.paragraphs if p.text.startswith("截至"))
    found = re.search(re.escape(start) + r"[^。]*。", overview)
    assert found, f"no sentence for {start} in {overview}"
    return found.group(0)


def assert_counts_read_right(text, counts):
    total = counts["total"]
    if total == 1:
        label = next(label for key, label in BUCKETS if counts[key])
        assert f"1项，{label}" in text
        assert "均" not in text
    elif counts["completed"] == total:
        assert f"{total}项已全部完成" in text
        assert "占比" not in text
    elif counts["on_track"] == total:
        assert f"{total}项均推进正常" in text
    elif counts["lagging"] == total:
        assert f"{total}项均推进滞后" in text
    else:
        assert f"共{total}项" in text
        for key, label in BUCKETS:
            if counts[key]:
                assert f"{label}{counts[key]}项" in text
            else:
                assert label not in text
    if counts["lagging"] and total > 1:
        assert f"滞后项目占比{pct(counts['lag_rate'])}" in text
    else:
        assert "滞后项目占比" not in text
    numbers = set(re.findall(r"\d+(?:\.\d+)?", text))
    allowed = {str(counts[k]) for k in ("total", "completed", "on_track", "lagging")}
    allowed.add(pct(counts["lag_rate"]).rstrip("%"))
    assert numbers <= allowed, f"{text}: {numbers - allowed} is not in the figures"


def assert_report_matches(data):
    document = read(data)
    body = [p.text for p in document.paragraphs]
    when = f"{int(data['month'][5:])}月底"

    opening = body[2]
    assert f"重点工作{data['overall']['total']}项" in opening
    assert f"{data['year']}年{data['months_covered']}" in opening
    assert document.paragraphs[0].text == data["title"]

    empty = [c["name"] for c in data["categories"] if not c["total"]]
    for category in data["categories"]:
        text = sentence(document, category["name"])
        if category["total"]:
            assert_counts_read_right(text, category)
        else:
            assert "未安排" in text
            assert not re.search(r"\d", text)
    overview = next(p for p in body if p.startswith("截至"))
    assert overview.count("未安排") == (1 if empty else 0)
    assert sentence(document, f"截至{when}").startswith(f"截至{when}，")
    assert_counts_read_right(sentence(document, "总体来看"), data["overall"])

    for category in data["categories"]:
        headed = [i for i, p in enumerate(body) if re.fullmatch(rf"（.+）{category['name']}", p)]
        if not category["total"]:
            assert not headed
            continue
        paragraph = body[headed[0] + 1]
        rows = [t for t in data["tasks"] if t["category"] == category["name"]]
        for row in rows:
            if row["status"] != "on_track":
                assert row["title"] in paragraph, (row["title"], paragraph)
        lagging = [
            f"{t['title']}（{t['office']}）" if data["streets"] else t["title"]
            for t in rows
            if t["status"] == "lagging"
        ]
        if len(lagging) > 2:
            assert f"等{len(lagging)}项工作推进滞后" in paragraph
        elif lagging:
            assert f"{'、'.join(lagging)}推进滞后" in paragraph
        else:
            assert "推进滞后" not in paragraph

    start = body.index("二、滞后事项原因分析")
    analysis = body[start + 1 : body.index("三、相关工作建议")]
    for text in analysis:
        assert "/" not in text and "（疫情" not in text, text
    points = [p for p in analysis if re.match(r"^[一二三四五六七八九十]+是", p)]
    assert len(points) != 1
    for i, text in enumerate(points, start=1):
        assert text.startswith(f"{chinese_numeral(i)}是")
    unexplained = [
        i["title"]
        for i in data["lagging_items"]
        if i["reason_category"] == figures.NO_REASON and not i["reason"]
    ]
    if unexplained and len(unexplained) < len(data["lagging_items"]):
        assert f"另有{len(unexplained)}项未说明原因" in analysis[-1]
        assert all(title in analysis[-1] for title in unexplained)
    if not data["reasons"]:
        assert any("均未出现推进滞后" in p for p in body)

    office = data["office"]["name"]
    assert f"{office}党政办公室" in body
    assert chinese_date(data["report_date"]) in body

    items = data["lagging_items"]
    if items:
        assert "附件：推进滞后事项明细表" in body
        table = document.tables[-1]
        header, *rows = [[cell.text for cell in row.cells] for row in table.rows]
        assert header == ATTACHMENT_COLUMNS
        assert len(rows) == len(items)
        for i, (row, item) in enumerate(zip(rows, items, strict=True), start=1):
            assert row[0] == str(i)
            assert row[1] == item["category"]
            assert row[2] == item["title"]
            assert item["lead_unit"] in row[3]
            assert row[6].startswith(item["reason_category"])
            assert item["reason"] in row[6]
            assert row[5] == progress_cell(item, data["month"])
            assert item["progress"] in row[5]
    else:
        assert not any(p.startswith("附件") for p in body)

    street_tables = document.tables[: len(data["streets"])]
    for table, street in zip(street_tables, data["streets"], strict=True):
        header, *rows = [[cell.text for cell in row.cells] for row in table.rows]
        assert header == STREET_COLUMNS
        expected = [*street["categories"], {"name": "合计", **street["overall"]}]
        assert len(rows) == len(expected)
        for row, counts in zip(rows, expected, strict=True):
            keys = ("total", "completed", "on_track", "lagging")
            assert row == [counts["name"], *(str(counts[k]) for k in keys), pct(counts["lag_rate"])]
    return document


# --- tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["mixed", "undated", "no_lagging", "district"])
def test_every_figure_in_the_document_matches_the_json(request, dataset):
    assert_report_matches(request.getfixturevalue(dataset))


def test_the_mixed_data_set_covers_the_cases_the_wording_must_handle(mixed):
    by_name = {c["name"]: c for c in mixed["categories"]}
    assert by_name["专班推进项目"]["total"] == 0
    assert by_name["市委市政府重点工作"]["completed"] == 3 == by_name["市委市政府重点工作"]["total"]
    assert mixed["overall"]["lag_rate"] == 36.4


def test_a_category_without_tasks_says_there_is_none_this_period(mixed):
    text = sentence(read(mixed), "专班推进项目")
    assert text == "专班推进项目本年度未安排重点工作。"


def test_a_fully_completed_category_reads_as_all_completed_without_a_zero_rate(mixed):
    text = sentence(read(mixed), "市委市政府重点工作")
    assert text == "市委市政府重点工作3项已全部完成。"


def test_a_mixed_category_gives_each_count_and_the_lag_rate(mixed):
    text = sentence(read(mixed), "民生实事项目")
    assert text == ("民生实事项目共5项，其中已完成2项、推进正常1项、推进滞后2项，滞后项目占比40%。")
    assert sentence(read(mixed), "总体来看") == (
        "总体来看，重点工作共11项，其中已完成5项、推进正常2项、推进滞后4项，滞后项目占比36.4%。"
    )


def test_without_lagging_tasks_there_is_no_attachment_and_the_analysis_says_so(no_lagging):
    document = read(no_lagging)
    body = [p.text for p in document.paragraphs]
    assert not document.tables
    assert not any("附件" in p for p in body)
    assert any("均未出现推进滞后" in p for p in body)
    assert len(document.sections) == 1


def test_attachment_shows_deadline_overdue_progress_and_reason_of_each_lagging_item(undated):
    table = read(undated).tables[-1]
    rows = {row.cells[2].text: [c.text for c in row.cells] for row in table.rows[1:]}
    assert rows["既有多层住宅加装电梯"][4] == "12月31日"
    assert rows["既有多层住宅加装电梯"][5] == "已完成方案设计，正在办理规划许可。"
    assert rows["既有多层住宅加装电梯"][6] == "前期手续与审批：规划许可尚未取得批复。"
    assert rows["违法建筑治理"][4] == "6月30日"
    assert rows["毗邻地区协同治理"][4] == "未定"
    assert rows["实有人口信息采集"][6] == figures.NO_REASON
    assert rows["实有人口信息采集"][5] == "未报送"


def test_attachment_starts_on_a_new_page(mixed):
    document = read(mixed)
    body = list(document.element.body)
    label = next(p._p for p in document.paragraphs if p.text == "附件")
    previous = body[body.index(label) - 1]
    section_break = previous.find(f"{W}pPr/{W}sectPr")
    starts_page = section_break is not None and (
        section_break.find(qn("w:type")) is None
        or section_break.find(qn("w:type")).get(qn("w:val")) in ("nextPage", "oddPage", "evenPage")
    )
    page_break = previous.find(f".//{W}br[@{W}type='page']") is not None
    break_before = label.find(f"{W}pPr/{W}pageBreakBefore") is not None
    assert starts_page or page_break or break_before


def test_district_report_has_a_table_per_street_before_the_attachment(district):
    document = read(district)
    assert [s["name"] for s in district["streets"]] == ["北街道", "南街道"]
    body = [p.text for p in document.paragraphs]
    assert "（一）各街道推进情况" in body
    assert "1.北街道" in body and "2.南街道" in body
    assert len(document.tables) == 3  # two streets and the attachment
    attachment = document.tables[-1]
    leads = [row.cells[3].text for row in attachment.rows[1:]]
    assert leads == ["北街道\n北街道城建中心", "南街道\n南街道城建中心", "南街道\n南街道城建中心"]


@pytest.mark.parametrize("dataset", ["mixed", "no_lagging", "district"])
def test_every_run_names_its_east_asian_font(request, dataset):
    document = read(request.getfixturevalue(dataset))
    parts = [document.element.body]
    for section in document.sections:
        parts += [section.footer._element, section.even_page_footer._element]
    for part in parts:
        for run in part.iter(qn("w:r")):
            rfonts = run.find(f"{W}rPr/{W}rFonts")
            assert rfonts is not None and rfonts.get(qn("w:eastAsia")), run.xml
            assert rfonts.get(qn("w:ascii")) and rfonts.get(qn("w:hAnsi"))


@pytest.mark.parametrize("dataset", ["mixed", "undated", "no_lagging", "district"])
def test_no_percent_sign_without_a_number_and_no_none_or_null(request, dataset):
    for text in texts(read(request.getfixturevalue(dataset))):
        assert not re.search(r"(?<!\d)%", text), text
        assert "None" not in text and "null" not in text, text


def test_edited_suggestions_keep_their_paragraphs(mixed, office):
    edited = figures.monthly(
        office, "2022-07", suggestions={"前期手续与审批": "第一条建议。\n\n第二条建议。"}
    )
    body = [p.text for p in read(edited).paragraphs]
    assert any(re.fullmatch(r"[一二三四五]是第一条建议。", p) for p in body)
    assert "第二条建议。" in body


def test_signature_is_the_party_office_and_the_end_of_a_past_period(mixed):
    # made on 1 August 2022 (NOW): the July report is dated 31 July, not the day it was made
    body = [p.text for p in read(mixed).paragraphs]
    organ = body.index(f"{mixed['office']['name']}党政办公室")
    assert body[organ + 1] == "2022年7月31日"


def test_signature_takes_the_chosen_date(office, mixed):
    chosen = figures.monthly(office, "2022-07", date=dt.date(2022, 8, 5))
    body = [p.text for p in read(chosen).paragraphs]
    organ = body.index(f"{office.name}党政办公室")
    assert body[organ + 1] == "2022年8月5日"
