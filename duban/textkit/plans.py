"""计划 → 台账: a work plan's prose into candidate key tasks, one per concrete commitment.

Pure functions of text. The plan is cut into its points (sentences, 一是/二是…, ；), and a
point is a candidate when it commits to something that can be checked later: a figure
(9个小区, 22.44万平方米), a deadline (6月底前, 年内, 2024年9月30日) or a concrete thing to
build, complete or open (项目, 工程, 改造, 中心, 食堂…) with a verb that does it. Slogans
and ways of working (坚持……、深化……理念) are left out.

Each candidate keeps its whole source sentence, its quantities with their units, the date
its deadline phrase means, a guessed category (from the year's category names) and lead
unit (when the text names one); `rows()` lays them out in the ledger import's own columns
(duban.ledger.importer.HEADERS) plus 来源原文 and 数量指标.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from duban.core.dates import DateParseError, parse_date
from duban.textkit.numbers import fmt, narrow, quantities

SOURCE_COLUMN = "来源原文"
QUANTITY_COLUMN = "数量指标"

PLAN_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]\s*)?(?:\d{4}年)?(?:重点工作|工作计划|下步工作计划|下一步工作打算|工作打算)"
    r"|^(?:[一二三四五六七八九十]+[、.．]\s*)?\d{4}年(?:重点工作|工作计划|工作思路)"
)
POINT = re.compile(r"(?:[一二三四五六七八九十]是|其[一二三四五六七八九十])")
HEADING_MARK = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])\s*"
)

DO = (
    "完成",
    "建成",
    "建设",
    "新建",
    "改造",
    "实施",
    "推进",
    "启动",
    "开工",
    "竣工",
    "打造",
    "创建",
    "创成",
    "举办",
    "开展",
    "组织",
    "新增",
    "引进",
    "出让",
    "结算",
    "安置",
    "培训",
    "整治",
    "提升",
    "加装",
    "投用",
    "计划",
    "确保",
    "建立",
)
# things that are built, completed or handed over — concrete enough to check later
THINGS = (
    "项目",
    "工程",
    "改造",
    "小区",
    "中心",
    "食堂",
    "幼儿园",
    "安置房",
    "营业房",
    "场景",
    "结算",
    "出让",
    "电梯",
    "道路",
    "管网",
    "泊位",
)
# acts that finish something
FINISH = ("完成", "启动", "建成", "开工", "竣工", "投用", "出让", "交付")
CODE = re.compile(r"[A-Za-z]+\d+")
VAGUE = ("坚持", "理念", "思路", "为指导", "精神", "贯彻", "意识", "氛围", "风尚", "作用")
LEADING = re.compile(
    r"^(?:[一二三四五六七八九十]是|其[一二三四五六七八九十])?[，,、\s]*"
    r"(?:全力|持续|大力|加快|积极|切实|扎实|深入|全面|着力|继续|进一步|重点|努力|坚决|要|将)*"
)

DEADLINE = re.compile(
    r"(?P<d>\d{4}年\d{1,2}月\d{1,2}[日号]"
    r"|(?:\d{4}年)?\d{1,2}月(?:底|末|上旬|中旬|下旬)?(?=前|之前|以前|内|完成|底前)"
    r"|(?:\d{4}年)?\d{1,2}月(?:底|末|上旬|中旬|下旬)"
    r"|(?:\d{4}年)?(?:年底|年末)|年内|(?:上|下)半年|(?:第)?[一二三四]季度)"
)
QUARTER_END = {"一": (3, 31), "二": (6, 30), "三": (9, 30), "四": (12, 31)}

DEFAULT_LEAD = re.compile(r"由(?P<u>[\u4e00-\u9fff]{2,12}?)(?:牵头|负责)")

MINSHENG = (
    "养老",
    "托育",
    "幼儿园",
    "就业",
    "低保",
    "困难群众",
    "老旧小区",
    "食堂",
    "助餐",
    "医疗",
    "卫生",
    "教育",
    "安置",
    "加装电梯",
    "停车",
    "民生",
    "残疾",
    "救助",
    "社保",
    "小区",
    "雨污",
    "供水",
    "供暖",
    "助餐",
)


@dataclass
class Candidate:
    title: str
    source: str
    quantities: list = field(default_factory=list)  # [(Decimal, unit)]
    deadline_phrase: str = ""
    deadline: dt.date | None = None
    category: str = ""
    lead_unit: str = ""
    paragraph: int = 0

    def quantity_text(self):
        return "；".join(f"{fmt(v)}{u}" for v, u in self.quantities)


def plan_section(paragraphs):
    """The paragraphs after the last plan heading (2024年工作计划, 三、2023年重点工作),
    or all of them when the text has none."""
    start = 0
    for i, text in enumerate(paragraphs):
        if len(text) <= 30 and PLAN_HEADING.search(text.strip()):
            start = i + 1
    return list(enumerate(paragraphs, start=1))[start:]


def points(text):
    """A paragraph's points: its 一是/二是… items whole (a short heading sentence and the
    sentences that spell it out), else its sentences and ；-clauses. What comes before
    the first 一是 is the paragraph's preamble and is not a point."""
    marks = [m.start() for m in POINT.finditer(text)]
    if marks:
        bounds = marks + [len(text)]
        out = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    else:
        out = re.split(r"(?<=[。；;！!])", text)
    return [p.strip() for p in out if p.strip(" 。；;")]


def is_commitment(point):
    plain = narrow(point)
    body = HEADING_MARK.sub("", plain)
    if len(body) < 8 or not any(v in body for v in DO):
        return False
    if any(v in body[:12] for v in VAGUE) and not quantities(body):
        return False
    if "总体工作思路" in body or "主要做好以下" in body:
        return False
    if quantities(body) or DEADLINE.search(body):
        return True
    if not any(t in body for t in THINGS):
        return False
    named = re.search(r"[\u4e00-\u9fff]{2,8}、[\u4e00-\u9fff]{2,8}", body) or CODE.search(body)
    return bool(named or any(v in body for v in FINISH))


def deadline_of(phrase, year):
    if not phrase:
        return None
    if phrase in ("年内", "年底", "年末"):
        return dt.date(year, 12, 31)
    if phrase == "上半年":
        return dt.date(year, 6, 30)
    if phrase == "下半年":
        return dt.date(year, 12, 31)
    m = re.fullmatch(r"第?([一二三四])季度", phrase)
    if m:
        month, day = QUARTER_END[m.group(1)]
        return dt.date(year, month, day)
    try:
        return parse_date(phrase, year)
    except DateParseError:
        return None


def title_of(point):
    body = HEADING_MARK.sub("", narrow(point)).strip(" 。；;")
    body = LEADING.sub("", body)
    first = re.split(r"[，,：:。；;]", body)[0]
    if len(first) < 6:
        first = body
    return first[:30]


def guess_category(text, categories):
    if not categories:
        return ""
    if any(w in text for w in MINSHENG):
        for name in categories:
            if "民生" in name:
                return name
    for name in categories:
        if "专班" in name:
            return name
    return categories[0]


def guess_lead(text, units):
    for name in sorted(units or [], key=len, reverse=True):
        if name and name in text:
            return name
    m = DEFAULT_LEAD.search(text)
    return m.group("u") if m else ""


def extract(paragraphs, year, *, categories=(), units=()):
    """The candidate key tasks of a plan given as its paragraphs."""
    out = []
    for number, text in plan_section(paragraphs):
        for point in points(text):
            if not is_commitment(point):
                continue
            plain = narrow(point)
            found = DEADLINE.search(plain)
            phrase = found.group("d") if found else ""
            out.append(
                Candidate(
                    title=title_of(point),
                    source=point.strip(),
                    quantities=[(q.value, q.unit) for q in quantities(plain) if not q.approx],
                    deadline_phrase=phrase,
                    deadline=deadline_of(phrase, year),
                    category=guess_category(plain, list(categories)),
                    lead_unit=guess_lead(plain, units),
                    paragraph=number,
                )
            )
    return out


def _cell_number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def rows(candidates, year, headers):
    """The candidates as rows under `headers` (the ledger import's) + 来源原文, 数量指标."""
    table = []
    for i, c in enumerate(candidates, start=1):
        first = c.quantities[0] if c.quantities else (None, "")
        values = {
            "编号": f"{year}-JH{i:02d}",
            "类别": c.category,
            "事项名称": c.title,
            "工作目标": c.source,
            "量化指标": _cell_number(first[0]),
            "指标单位": first[1],
            "牵头单位": c.lead_unit,
            "完成时限": c.deadline.isoformat() if c.deadline else "",
        }
        row = [values.get(h, "") for h in headers]
        table.append(row + [c.source, c.quantity_text()])
    return [list(headers) + [SOURCE_COLUMN, QUANTITY_COLUMN]] + table
