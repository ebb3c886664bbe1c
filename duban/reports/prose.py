"""The small rules of the report's sentences, written once: how a count reads (1项 has
no 均, a category all done needs no 0%), how a list of names is joined, how points are
numbered (一是 only when a 二是 follows), how a reason category's label becomes words
(no slash or bracket of a label in prose), how a unit's own text is quoted, how a
period is spoken of (1-6月, 截至6月底, 全年).

Pure functions of plain values; reports/monthly_text.py builds the report from them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zlib
from decimal import Decimal, InvalidOperation

from duban.core.numfmt import month_span, pct
from duban.core.official_docx import chinese_numeral

# --- counts -----------------------------------------------------------------------------

BUCKETS = (("completed", "已完成"), ("on_track", "推进正常"), ("lagging", "推进滞后"))


def breakdown(counts):
    """A category's (or the whole's) counts as one clause, without seams:

    5 mixed      → 共5项，其中已完成2项、推进正常1项、推进滞后2项，滞后项目占比40%
    none lagging → 共5项，其中已完成2项、推进正常3项，无滞后项目
    all done     → 3项已全部完成
    all on track → 4项均推进正常
    all lagging  → 2项均推进滞后，滞后项目占比100%
    one task     → 1项，已完成 / 1项，推进滞后
    """
    total = counts["total"]
    if total == 1:
        label = next(label for key, label in BUCKETS if counts[key])
        return f"1项，{label}"
    if counts["completed"] == total:
        return f"{total}项已全部完成"
    if counts["on_track"] == total:
        return f"{total}项均推进正常"
    if counts["lagging"] == total:
        return f"{total}项均推进滞后，滞后项目占比{pct(counts['lag_rate'])}"
    parts = "、".join(f"{label}{counts[key]}项" for key, label in BUCKETS if counts[key])
    tail = f"滞后项目占比{pct(counts['lag_rate'])}" if counts["lagging"] else "无滞后项目"
    return f"共{total}项，其中{parts}，{tail}"


def none_of_these(names):
    """Categories without a task this year, said once: "A本年度未安排重点工作" /
    "A、B两类本年度均未安排重点工作"."""
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]}本年度未安排重点工作。"
    return f"{join(names)}{_count_word(len(names))}类本年度均未安排重点工作。"


def _count_word(n):
    return "两" if n == 2 else chinese_numeral(n) if n < 100 else str(n)


def all_or_the_one(n):
    """ "均" for several, "" for one: "3项均未说明原因" / "1项未说明原因"."""
    return "均" if n > 1 else ""


# --- lists of names ---------------------------------------------------------------------


def join(names):
    """ "A" / "A和B" / "A、B和C"."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return "、".join(names[:-1]) + "和" + names[-1]


def named(names, limit=None):
    """ "A" / "A、B" / "A、B等5项工作" (with `limit`, only the first few are named)."""
    shown = names[:limit] if limit else names
    if len(names) == 1:
        return names[0]
    if len(shown) < len(names) or len(names) > 2:
        return f"{'、'.join(shown)}等{len(names)}项工作"
    return "、".join(shown)


# --- numbered points --------------------------------------------------------------------


def numbered(texts):
    """Points as the office numbers them: 一是…、二是… when there are several; a single
    point stands unnumbered (no 一是 without a 二是)."""
    texts = [t for t in texts if t]
    if len(texts) < 2:
        return texts
    return [f"{chinese_numeral(i)}是{t}" for i, t in enumerate(texts, start=1)]


# --- the units' own words ---------------------------------------------------------------

_END = "。；;，,、 \t\r\n"


def clause(text):
    """A unit's text as a clause inside a sentence: one line, no closing punctuation."""
    text = re.sub(r"\s*\n\s*", "，", (text or "").strip())
    return text.rstrip(_END).strip()


def sentence(text):
    """A unit's text as a sentence of its own, ending with 。"""
    text = clause(text)
    return f"{text}。" if text else ""


# A progress text that starts with one of these reads on from the task's name:
# "加装电梯" + "已完成方案设计" → "加装电梯已完成方案设计".
_CONTINUES = tuple("已正在完共累按目基均逐全于开有")


def progress_of(title, progress):
    """A task's reported progress as a sentence that names the task once."""
    text = clause(progress)
    if not text:
        return ""
    text = re.sub(r"^(\d{1,2}月(份)?|本月|今年以来)[，,]\s*", "", text)
    if title and title in text:
        return f"{text}。"
    if text.startswith(_CONTINUES):
        return f"{title}{text}。"
    return f"{title}方面，{text}。"


# --- quantities -------------------------------------------------------------------------


def number(value):
    """A quantity as written: 1857, 12.5, 0.3 (no trailing zeros, no 1857.00)."""
    if value is None or value == "":
        return ""
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def share(completed, target, unit):
    """How far a reported 完成值 is toward the 量化指标, for a text that already gives the
    value: "占年度目标350户的61.4%" / "达到年度目标2个"; "" without a target."""
    if completed in (None, "") or target in (None, "") or not Decimal(str(target)):
        return ""
    done, goal = Decimal(str(completed)), Decimal(str(target))
    if done >= goal:
        return f"达到年度目标{number(target)}{unit}"
    if unit == "%":  # a rate is not a share of its target rate (93% is not 94% of 99%)
        return f"年度目标{number(target)}%"
    return f"占年度目标{number(target)}{unit}的{pct(float(done * 100 / goal))}"


def quantity(completed, target, unit):
    """The 完成值 of a task against its 量化指标: "完成1200户，年度目标1500户（80%）", a
    rate "达到93%（年度目标99%）"; "" when nothing was reported."""
    if completed in (None, ""):
        return ""
    if unit == "%":
        # a rate reached, against the target rate: "达到93%（年度目标99%）"
        reached = f"达到{number(completed)}%"
        return f"{reached}（年度目标{number(target)}%）" if target not in (None, "") else reached
    done = f"完成{number(completed)}{unit}"
    if target in (None, "") or not Decimal(str(target)):
        return done
    share = Decimal(str(completed)) * 100 / Decimal(str(target))
    return f"{done}，年度目标{number(target)}{unit}（{pct(float(share))}）"


# --- reason categories in words --------------------------------------------------------

# The seeded categories (progress/migrations/0002_seed.py) as a sentence says them: the
# point's heading, and what it means for the work.
CAUSES = {
    "客观因素（疫情、天气、政策调整等）": (
        "受外部客观因素影响较大",
        "疫情、天气、政策调整等外部条件变化，打乱了原定的推进节奏",
    ),
    "前期手续与审批": (
        "前期手续办理耗时较长",
        "立项、规划、审批等环节用时超出预期，项目迟迟不能进入实施阶段",
    ),
    "资金与要素保障": (
        "资金和要素保障跟不上",
        "资金、场地、人员等条件没有及时落实，工作难以按计划展开",
    ),
    "统筹协调不足/工作合力不够": (
        "统筹协调还不够有力",
        "牵头单位与协同单位之间分工衔接不够紧密，工作合力尚未形成",
    ),
    "主观攻坚意识不强/观望畏难": (
        "攻坚克难的意识有待加强",
        "面对难度较大的任务，存在等待观望的心理，推进力度不够、措施不够有效",
    ),
    "其他": ("还有一些个别原因", "各事项情况不一"),
}


def label_words(label):
    """A category label as words: brackets dropped, slashes and 与 read as 、
    ("统筹协调不足/工作合力不够" → "统筹协调不足、工作合力不够")."""
    text = re.sub(r"[（(【\[][^）)】\]]*[）)】\]]", "", label or "")
    text = re.sub(r"\s*[/／|]\s*", "、", text)
    return text.strip("、 ") or "其他原因"


# A category renamed or added by the office is read by its key word.
_KEYWORDS = (
    (("疫情", "天气", "客观"), "客观因素（疫情、天气、政策调整等）"),
    (("手续", "审批"), "前期手续与审批"),
    (("资金", "要素"), "资金与要素保障"),
    (("协调", "合力"), "统筹协调不足/工作合力不够"),
    (("攻坚", "畏难", "观望"), "主观攻坚意识不强/观望畏难"),
)


def cause(label):
    """(heading, meaning) of a reason category: the seeded ones (or one named with their
    key word) in the office's words, any other from its label without slashes or brackets."""
    if label in CAUSES:
        return CAUSES[label]
    for words, seeded in _KEYWORDS:
        if any(word in (label or "") for word in words):
            return CAUSES[seeded]
    return (label_words(label), "")


def without_ordinal(text):
    """A point as written without its own 一是/二是 (the report numbers the points)."""
    return re.sub(r"^[一二三四五六七八九十]+是[，、：:]?", "", text.strip())


# --- periods ----------------------------------------------------------------------------


def as_of_words(as_of):
    """截至 what: 7月底 for a whole month, 7月20日 otherwise, 年底 for 31 December."""
    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if day.month == 12 and day.day == 31:
        return "年底"
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return f"{day.month}月底"
    return f"{day.month}月{day.day}日"


def span_words(kind, last_month, *, whole):
    """The months a report speaks of: 1-7月 (a month or part of a period), 上半年 words as
    1-6月, a whole year as 全年."""
    if kind == "year" and whole and last_month == 12:
        return "全年"
    return month_span(1, last_month)


# --- varied phrasing --------------------------------------------------------------------


class Phrasing:
    """Chooses among several phrasings of one sentence, as a person varies them down a
    page: the choice is seeded by the item (the same document reads the same on every
    run), never the phrasing just used for the same slot, and the least used first — so
    with n phrasings no frame repeats before all n have been used."""

    def __init__(self, seed=""):
        self.seed = seed
        self.used = {}  # (slot, phrasings) → [use count per phrasing]
        self.last = {}  # (slot, phrasings) → index of the phrasing used last

    def pick(self, slot, options, *keys):
        # a slot may offer different phrasings by case (one item done, or several): each
        # list keeps its own counts, an index of one means nothing in the other
        kept = (slot, tuple(options))
        counts = self.used.setdefault(kept, [0] * len(options))
        start = zlib.crc32("|".join(map(str, (self.seed, slot, *keys))).encode()) % len(options)
        order = sorted(
            (i for i in range(len(options)) if len(options) == 1 or i != self.last.get(kept)),
            key=lambda i: (counts[i], (i - start) % len(options)),
        )
        chosen = order[0]
        counts[chosen] += 1
        self.last[kept] = chosen
        return options[chosen]
