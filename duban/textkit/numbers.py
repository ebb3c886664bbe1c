"""数字核对: the numbers of a piece of office prose, checked against each other.

Pure functions of text; no database, no network. `check(paragraphs)` returns findings:

- 空缺数字 (blank): a figure left out — a percent sign with no number before it
  (滞后项目占比%), a placeholder where a count belongs (XX件, ××人, __户);
- 分项合计不符 (sum): parts that do not add up to their whole — "35个项目中，28项推进
  正常……7项推进滞后", "共N项，其中…", "受理5011件，办结…，退单…，办理中…",
  "a、b、c，共计N"; Arabic and Chinese numerals (二十八项), 万/亿 multipliers;
- 百分比不符 (percent): a percentage that disagrees with the counts it comes from, at
  the precision it is printed with (5 of 10 lagging, 滞后项目占比40%; 647/600 → 107.83%);
- 增幅不符 (growth): a growth rate that disagrees with the two values it is given with.

A rule only speaks when the text is unambiguous: approximate values (余、多、近、约、
左右、以上), mixed units and lists that need not be exhaustive are left alone, since a
false alarm costs the reader as much as a missed error. Parts that fall short of their
whole are flagged only when the text says the list is complete (statuses that partition
the whole — 已完成/推进正常/推进滞后, 办结/退单/办理中 —, 分别, 其余/另有, 共计 after
the list); parts that exceed it always are.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from duban.core.quantities import (  # noqa: F401  (the checker's names, moved down)
    APPROX_AFTER,
    APPROX_BEFORE,
    CN_DIGITS,
    NOT_A_UNIT,
    NUMBER,
    UNITS,
    Quantity,
    narrow,
    quantities,
    to_decimal,
    unit_continues,
)

KINDS = {
    "blank": "空缺数字",
    "sum": "分项合计不符",
    "percent": "百分比不符",
    "growth": "增幅不符",
    "data": "与系统数据不符",
}


@dataclass
class Finding:
    kind: str
    paragraph: int  # 1-based, among the non-empty paragraphs
    sentence: int  # 1-based, within the paragraph
    quote: str  # the offending text exactly as written
    expected: str
    why: str

    @property
    def label(self):
        return KINDS[self.kind]

    def as_dict(self):
        return {**asdict(self), "label": self.label}

    def line(self):
        return (
            f"第{self.paragraph}段第{self.sentence}句 [{self.label}] “{self.quote}”："
            f"{self.why}" + (f"；应为 {self.expected}" if self.expected else "")
        )


# --- text ---------------------------------------------------------------------------------

SENTENCE_END = "。！？!?"
CLAUSE_BREAK = "，,；;：:。！？!?"


@dataclass
class Sentence:
    paragraph: int
    number: int
    text: str  # the original text
    plain: str = field(repr=False, default="")  # narrowed, same length

    def __post_init__(self):
        self.plain = narrow(self.text)


def sentences_of(paragraph_text, paragraph_number):
    out, start = [], 0
    for i, ch in enumerate(paragraph_text):
        if ch in SENTENCE_END:
            # a closing quote or bracket right after the stop belongs to the sentence
            out.append(paragraph_text[start : i + 1])
            start = i + 1
    if paragraph_text[start:].strip():
        out.append(paragraph_text[start:])
    return [
        Sentence(paragraph_number, n, text) for n, text in enumerate(out, start=1) if text.strip()
    ]


def paragraphs_of(text):
    """The non-empty lines of a text, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


PERCENT = re.compile(r"(?P<num>(?<![\d.])\d+(?:\.\d+)?)\s*%")


def decimals(text):
    return len(text.split(".")[1]) if "." in text else 0


def agrees(printed, exact):
    """Does a printed percentage (text such as "107.83") agree with `exact` (a Decimal),
    at the precision it is printed with? Rounded half up, or cut, or half-even all pass."""
    places = decimals(printed)
    step = Decimal(1).scaleb(-places)
    value = Decimal(printed)
    half = step / 2
    return abs(value - exact) <= half + Decimal("1e-9") or (
        value == exact.quantize(step, rounding=ROUND_DOWN)
    )


def percent_of(part, whole, printed):
    exact = Decimal(part) * 100 / Decimal(whole)
    places = decimals(printed)
    step = Decimal(1).scaleb(-places)
    shown = exact.quantize(step, rounding=ROUND_HALF_UP)
    text = f"{shown:f}"
    return exact, f"{text}%"


def fmt(value):
    text = f"{Decimal(value).normalize():f}"
    return text


# --- blanks -------------------------------------------------------------------------------

PLACEHOLDER = r"(?:[XxＸｘ]{2,}|[×＊*]{2,}|_{2,}|＿{2,}|（\s*）|\(\s*\)|[□○]+)"
BLANK_FIGURE = re.compile(PLACEHOLDER + r"(?P<unit>%|" + UNITS + r")")
BLANK_PERCENT = re.compile(r"(?<![\dXx×*_\s])\s*%")
BARE_CROSSES = re.compile(r"[×＊]{2,}")


def blanks(sentence):
    found = []
    plain = sentence.plain
    taken = set()
    for m in BLANK_FIGURE.finditer(plain):
        if m.group("unit") != "%" and unit_continues(plain, m.start("unit")):
            continue
        found.append((m.start(), m.end(), "此处应为具体数字，却留着占位符"))
        taken.update(range(m.start(), m.end()))
    for m in BLANK_PERCENT.finditer(plain):
        if m.end() - 1 in taken:
            continue
        start = max(0, m.start() - 14)
        # from the start of the clause, at most fourteen characters before the sign
        clause_start = max(
            (plain.rfind(ch, 0, m.start()) for ch in CLAUSE_BREAK + "、"), default=-1
        )
        start = max(start, clause_start + 1)
        found.append((start, m.end(), "百分号前缺少数字"))
        taken.update(range(start, m.end()))
    for m in BARE_CROSSES.finditer(plain):
        if m.start() in taken:
            continue
        found.append((m.start(), m.end(), "文中留有“××”占位符，数字未填"))
    return [
        Finding("blank", sentence.paragraph, sentence.number, sentence.text[a:b], "具体数字", why)
        for a, b, why in sorted(found)
    ]


# --- sums ---------------------------------------------------------------------------------

DONE = ("已完成", "完成", "已竣工", "已建成", "已办结")
NORMAL = ("推进正常", "正常推进", "推进顺利", "顺利推进", "有序推进", "进展顺利", "按计划推进")
LAGGING = ("推进滞后", "滞后", "进展缓慢", "未按期", "尚未启动", "未启动")
TICKET_WHOLE = ("受理", "接收", "接到", "收到", "共受理", "累计受理")
TICKET_DONE = ("办结", "已办结", "解决")
TICKET_OTHER = ("退单", "退回", "不予受理", "转办")
TICKET_OPEN = (
    "办理中",
    "办处中",
    "在办",
    "处理中",
    "处置中",
    "正在",
    "正办理",
    "未办结",
    "待办",
    "待分派",
    "待分单",
    "待审单",
)
TICKET_SUBSET = ("按时", "按期", "如期", "超期", "逾期", "提前", "满意", "回访")
TRIGGERS = ("其中", "包括", "包含", "分别为", "分别是", "分别")
COMPLETE_WORDS = ("其余", "剩余", "另有", "其他", "其它", "分别")
COMPLEMENTS = (
    ("男", "女"),
    ("常住", "流动"),
    ("城镇", "农村"),
    ("城市", "农村"),
    ("已", "未"),
    ("户籍", "非户籍"),
    ("在职", "退休"),
    ("新增", "续"),
)
TOTAL_WORDS = ("共计", "合计", "总计", "总共", "共有", "共")


def _status(label):
    if any(w in label for w in LAGGING):
        return "lagging"
    if any(w in label for w in NORMAL):
        return "normal"
    if any(w in label for w in DONE):
        return "done"
    return None


def _clause_around(plain, start, end):
    left = max(plain.rfind(ch, 0, start) for ch in CLAUSE_BREAK + "、")
    rights = [i for i in (plain.find(ch, end) for ch in CLAUSE_BREAK + "、") if i != -1]
    return plain[left + 1 : min(rights) if rights else len(plain)]


def _top_level(plain):
    """The positions of `plain` outside brackets: a bracket's content explains the figure
    before it (50件（已办结46件、正办理中4件）) and is a sum of its own."""
    depth, keep, groups, opened = 0, [], [], None
    for i, ch in enumerate(plain):
        if ch in "（(":
            if depth == 0:
                opened = i
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
            if depth == 0:
                groups.append((opened, i))
            continue
        if depth == 0 and ch not in "（(":
            keep.append(i)
    return set(keep), groups


@dataclass
class Group:
    whole: Quantity
    parts: list
    complete: bool
    sentence: Sentence
    end_sentence: Sentence
    why: str
    statuses: dict = field(default_factory=dict)  # status → sum, for status partitions
    label: str = ""  # the words around the whole (for comparing with duban's data)


def _sum_finding(group):
    total = sum((p.value for p in group.parts), Decimal(0))
    whole = group.whole.value
    if total == whole:
        return None
    if total < whole and not group.complete:
        return None
    s = group.sentence
    last = group.parts[-1]
    begin = min(group.whole.start, group.parts[0].start)
    for word in TOTAL_WORDS:
        if s.plain[:begin].endswith(word):
            begin -= len(word)
            break
    if group.end_sentence is s:
        end = max(last.end, group.whole.end)
        quote = s.text[begin:end]
    else:
        quote = s.text[begin:] + "……" + group.end_sentence.text[: last.end]
    parts = "+".join(fmt(p.value) for p in group.parts)
    unit = group.whole.unit
    return Finding(
        "sum",
        s.paragraph,
        s.number,
        quote,
        f"各分项之和 {parts}={fmt(total)}{unit}，应等于总数 {fmt(whole)}{unit}",
        f"{group.why}，分项合计{fmt(total)}{unit}，与总数{fmt(whole)}{unit}不符"
        + ("（分项超过总数）" if total > whole else "（分项少于总数）"),
    )


def _same_unit(a, b):
    families = ({"项", "个"}, {"人", "名", "位"})
    if a == b:
        return True
    return any(a in f and b in f for f in families)


def _status_groups(sentences):
    """ "N项XX中，a项已完成，b项推进正常，c项推进滞后" — the parts may run on to the end
    of the paragraph (35个项目中，28项推进正常。……等7项工作推进滞后)."""
    groups = []
    whole_re = re.compile(r"中[，,：:]")
    by_paragraph = {}
    for s in sentences:
        by_paragraph.setdefault(s.paragraph, []).append(s)
    for para in by_paragraph.values():
        current = None
        for s in para:
            plain = s.plain
            qs = quantities(plain)
            wholes = {}
            for q in qs:
                if q.unit not in ("项", "个") or q.approx:
                    continue
                rest = plain[q.end : q.end + 60]
                m = whole_re.search(rest)
                if m and not any(ch in rest[: m.start()] for ch in "，,。；;"):
                    wholes[q.start] = (q, rest[: m.start()])
            for q in qs:
                if q.start in wholes:
                    current = Group(
                        q, [], True, s, s, "“N项……中”所列各项", label=wholes[q.start][1]
                    )
                    groups.append(current)
                    continue
                if current is None or not _same_unit(q.unit, current.whole.unit) or q.approx:
                    continue
                clause = _clause_around(plain, q.start, q.end)
                if "均" in clause or "全部" in clause:
                    current = None  # "3项……均正常推进": a whole of its own
                    continue
                status = _status(clause)
                if status is None:
                    continue
                current.parts.append(q)
                current.end_sentence = s
                current.statuses[status] = current.statuses.get(status, 0) + q.value
    return [g for g in groups if g.parts]


def _trigger_groups(sentence, previous):
    """共N项，其中a项…、b项… / 70户100人，其中失独37户52人，伤残33户48人 /
    受理5011件，办结2013件，退单1808件，办处中1190件 / a、b、c，共计N."""
    plain = sentence.plain
    keep, brackets = _top_level(plain)
    qs = quantities(plain)
    top = [q for q in qs if q.start in keep]
    groups = []

    # brackets: a figure followed by （a、b） explaining it
    for opened, closed in brackets:
        inner = [q for q in qs if opened < q.start < closed]
        before = [q for q in top if q.end <= opened and plain[q.end : opened].strip() == ""]
        if before and len(inner) >= 2 and all(_same_unit(q.unit, before[-1].unit) for q in inner):
            whole = before[-1]
            inner_text = plain[opened:closed]
            complete = any(w in inner_text for w in TICKET_OPEN + COMPLETE_WORDS) or (
                _complementary(plain, inner)
            )
            groups.append(Group(whole, inner, complete, sentence, sentence, "括号内各分项"))

    # 其中 / 包括 / 分别
    for trigger in TRIGGERS:
        at = plain.find(trigger)
        if at == -1:
            continue
        if trigger == "分别" and plain.startswith(("分别为", "分别是"), at):
            continue
        if trigger in ("包括", "包含") and at != plain.find(trigger):
            continue
        before = [q for q in top if q.end <= at]
        after = [q for q in top if q.start >= at + len(trigger)]
        stop = _subtotal_at(plain, at)
        if stop is not None:
            after = [q for q in after if q.start < stop]
        if not before and previous is not None and plain[:at].strip(" ，,") == "":
            before = [q for q in quantities(previous.plain)]
            whole_sentence = previous
        else:
            whole_sentence = sentence
        if not before or not after:
            continue
        # the whole, for each unit of the parts: the last figure in that unit before the
        # trigger (70户100人，其中失独37户52人……: 70户 and 100人)
        wholes = []
        for part in after:
            if any(_same_unit(part.unit, w.unit) for w in wholes):
                continue
            same = [q for q in before if _same_unit(q.unit, part.unit)]
            if not same:
                wholes = []
                break  # a part in a unit with no whole: a list of a different kind
            wholes.append(same[-1])
        if not wholes or any(q.approx for q in wholes + after):
            continue
        text_after = plain[at:]
        complete = (
            trigger.startswith("分别")
            or any(w in text_after for w in COMPLETE_WORDS)
            or _status_partition(plain, after)
            or _complementary(plain, after)
        )
        for whole in wholes:
            parts = [p for p in after if _same_unit(p.unit, whole.unit)]
            if len(parts) < 2 and not trigger.startswith("分别"):
                # one part: only "more than the whole" can be wrong
                groups.append(
                    Group(whole, parts, False, whole_sentence, sentence, f"“{trigger}”后的分项")
                )
                continue
            group = Group(
                whole, parts, complete, whole_sentence, sentence, f"“{trigger}”后的各分项"
            )
            for p in parts:
                status = _status(_clause_around(plain, p.start, p.end))
                if status:
                    group.statuses[status] = group.statuses.get(status, 0) + p.value
            groups.append(group)
        break

    # 受理N件，办结a件，退单b件，办理中c件 (no 其中)
    for i, q in enumerate(top):
        clause = _clause_around(plain, q.start, q.end)
        if not any(w in clause for w in TICKET_WHOLE) or q.approx:
            continue
        parts = []
        open_seen = False
        for p in top[i + 1 :]:
            if not _same_unit(p.unit, q.unit):
                break
            c = _clause_around(plain, p.start, p.end)
            if any(w in c for w in TICKET_SUBSET):
                break  # 按时办结141件: a part of 办结, not another bucket
            if any(w in c for w in TICKET_OPEN):
                open_seen = True
            elif not any(w in c for w in TICKET_DONE + TICKET_OTHER):
                break
            if p.approx:
                parts = []
                break
            parts.append(p)
        if len(parts) >= 2:
            groups.append(Group(q, parts, open_seen, sentence, sentence, "受理量的各去向"))

    # 共N项，已完成a项，推进正常b项，推进滞后c项 / 目标18宗，已完成11宗，待完成7宗 (no 其中)
    for i, q in enumerate(top):
        head = plain[max(0, q.start - 6) : q.start]
        total = any(head.endswith(w) for w in TOTAL_WORDS)
        target = TARGET_HEAD.search(head) is not None
        if not (total or target) or q.approx or plain[q.end : q.end + 1] not in "，,：:":
            continue
        parts, kinds = [], {}
        for p in top[i + 1 :]:
            if not _same_unit(p.unit, q.unit) or p.approx:
                break
            c = _clause_around(plain, p.start, p.end)
            kind = _status(c) if total else _plan_kind(c)
            if kind is None:
                break
            parts.append(p)
            kinds[kind] = kinds.get(kind, 0) + p.value
        if len(parts) < 2:
            continue
        if total:
            complete = _status_partition(plain, parts)
            group = Group(q, parts, complete, sentence, sentence, "总数后所列各状态", kinds)
        else:
            complete = set(kinds) == {"done", "pending"}
            group = Group(q, parts, complete, sentence, sentence, "目标数的已完成与待完成")
        groups.append(group)

    # a、b、c，共计N
    for q in top:
        head = plain[max(0, q.start - 4) : q.start]
        if not any(head.endswith(w) or head.endswith(w + "为") for w in TOTAL_WORDS[:4]):
            continue
        if q.approx:
            continue
        list_start = max(
            plain.rfind(t, 0, q.start) for t in ("其中", "包括", "包含", "分别", "；", ";")
        )
        before = [p for p in top if list_start < p.start and p.end <= q.start - 2]
        if len(before) < 2 or any(p.approx for p in before):
            continue
        if not all(_same_unit(p.unit, q.unit) for p in before):
            continue
        groups.append(Group(q, before, True, sentence, sentence, "所列各项与“共计”"))
    return groups


TARGET_HEAD = re.compile(r"(?:目标|计划|任务)(?:任务|数)?(?:为|是)?$")
PENDING = ("待", "未", "剩余", "尚有", "还有", "还剩")


def _plan_kind(clause):
    """Of a target's parts: done (已完成11宗, 已上市11宗) or pending (待完成7宗, 未完成)."""
    if any(w in clause for w in PENDING):
        return "pending"
    if "完成" in clause or "已" in clause:
        return "done"
    return None


def _subtotal_at(plain, at):
    for w in TOTAL_WORDS[:4]:
        i = plain.find(w, at)
        if i != -1:
            return i
    return None


def _status_partition(plain, parts):
    statuses = set()
    for p in parts:
        label = _clause_around(plain, p.start, p.end)
        status = _status(label)
        if status is None:
            if any(w in label for w in TICKET_OPEN):
                status = "open"
            elif any(w in label for w in TICKET_DONE) or "已" in label:
                status = "closed"
            elif any(w in label for w in TICKET_OTHER):
                status = "other"
            else:
                return False
        statuses.add(status)
    return len(statuses) >= 2 and ("lagging" in statuses or "open" in statuses)


def _complementary(plain, parts):
    labels = [_clause_around(plain, p.start, p.end) for p in parts]
    for a, b in COMPLEMENTS:
        if any(a in label and b not in label for label in labels) and any(
            b in label for label in labels
        ):
            return True
    return False


# --- percentages --------------------------------------------------------------------------

LAG_RATE_WORDS = ("滞后项目占比", "滞后率", "滞后占比", "滞后比例")


def _group_percents(group, sentences):
    """滞后项目占比p% after a status group: p = lagging / whole."""
    out = []
    if "lagging" not in group.statuses:
        return out
    lag = group.statuses["lagging"]
    start = sentences.index(group.sentence)
    end = sentences.index(group.end_sentence)
    for s in sentences[start : end + 1]:
        plain = s.plain
        begin = group.whole.end if s is group.sentence else 0
        limit = len(plain)
        for m in PERCENT.finditer(plain, begin):
            if m.start() > limit:
                break
            clause = _clause_around(plain, m.start(), m.end())
            if not any(w in clause for w in LAG_RATE_WORDS):
                continue
            exact, shown = percent_of(lag, group.whole.value, m.group("num"))
            if not agrees(m.group("num"), exact):
                out.append(
                    Finding(
                        "percent",
                        s.paragraph,
                        s.number,
                        s.text[max(0, m.start() - 6) : m.end()].lstrip("，,"),
                        shown,
                        f"滞后{fmt(lag)}项÷总数{fmt(group.whole.value)}项={exact:.2f}%，"
                        f"按所印精度应为{shown}",
                    )
                )
            return out
    return out


FRACTION = re.compile(r"(?P<a>\d+(?:\.\d+)?)\s*/\s*(?P<b>\d+(?:\.\d+)?)")
TARGET = re.compile(
    r"(?:目标|计划|任务)(?:任务|数)?(?:为|是|数为)?(?P<num>\d+(?:\.\d+)?)(?P<mult>万|亿)?(?P<unit>"
    + UNITS
    + r")"
)
DONE_VALUE = re.compile(
    r"(?:完成|完成数|已完成|实际完成)(?:数)?(?:为|了|达)?(?P<num>\d+(?:\.\d+)?)(?P<mult>万|亿)?(?P<unit>"
    + UNITS
    + r")"
)
RATE_AFTER = re.compile(
    r"(?:完成率|占[^，,。；;%]{0,12}的|达到目标的)(?:为|达|达到)?(?P<pct>\d+(?:\.\d+)?)%"
)


def _mult(m):
    value = Decimal(m.group("num"))
    return (
        value
        * (10000 if m.group("mult") == "万" else 1)
        * (100000000 if m.group("mult") == "亿" else 1)
    )


def sentence_percents(s):
    """647/600 → 107.83%; 目标600人，完成647人，完成率107.83%; 完成1200户，年度目标1500户（80%）."""
    out = []
    plain = s.plain
    for m in PERCENT.finditer(plain):
        near = plain[max(0, m.start() - 24) : m.start()] + plain[m.end() : m.end() + 16]
        frac = FRACTION.search(near)
        part = whole = None
        if frac and Decimal(frac.group("b")):
            part, whole = Decimal(frac.group("a")), Decimal(frac.group("b"))
            how = f"{fmt(part)}/{fmt(whole)}"
        else:
            clause_start = max(plain.rfind(ch, 0, m.start()) for ch in "。；;")
            span = plain[clause_start + 1 : m.end()]
            target = list(TARGET.finditer(span))
            done = list(DONE_VALUE.finditer(span))
            rate_here = RATE_AFTER.search(span) or span.rstrip("%0123456789.").endswith(("（", "("))
            if len(target) == 1 and len(done) == 1 and rate_here:
                if target[0].group("unit") == done[0].group("unit") and PERCENT.search(
                    span
                ).start() == len(span) - len(m.group(0)):
                    part, whole = _mult(done[0]), _mult(target[0])
                    how = f"完成{fmt(part)}÷目标{fmt(whole)}"
            elif rate_here:
                part, whole, how = _by_clauses(span[: -len(m.group(0))])
            if part is None:
                part, whole, how = _named_rate(span[: -len(m.group(0))])
        if part is None or not whole:
            continue
        exact, shown = percent_of(part, whole, m.group("num"))
        if not agrees(m.group("num"), exact):
            out.append(
                Finding(
                    "percent",
                    s.paragraph,
                    s.number,
                    s.text[max(0, m.start() - 8) : m.end()].lstrip("，,"),
                    shown,
                    f"{how}={exact:.4f}%，按所印精度应为{shown}",
                )
            )
    return out


def _by_clauses(span):
    """年内计划新增泊位500个，已建成326个，完成率65.2%: the target and the done figure
    from the clauses before the rate, one figure each, in the same unit."""
    clauses = re.split(r"[，,：:]", span)
    target = done = None
    for clause in clauses:
        qs = quantities(clause)
        if len(qs) != 1 or qs[0].approx:
            continue
        if any(w in clause for w in ("计划", "目标", "任务")):
            target = qs[0]
        elif any(w in clause for w in ("完成", "建成", "已")):
            done = qs[0]
    if target is None or done is None or not _same_unit(target.unit, done.unit):
        return None, None, ""
    return done.value, target.value, f"完成{fmt(done.value)}÷目标{fmt(target.value)}"


NAMED_RATE = re.compile(r"(?P<key>[\u4e00-\u9fff]{2,4})率(?:为|达|达到)?$")
TARGET_SHARE = re.compile(r"(?:占|完成|达到)[^，,。；;]{0,6}目标(?P<q>[^，,。；;]{1,12})的$")


def _clause_quantities(clause):
    qs = [q for q in quantities(clause) if not q.approx]
    return qs if len(qs) == len(quantities(clause)) else []


def _named_rate(span):
    """调解纠纷214起，调解成功209起，调解成功率97.7% (the rate's name repeats the verb of
    the clause before it, whose whole is the clause before that); 新增岗位1526个，完成年度
    目标1500个的101.7% (the target in the rate's own clause, the done figure just before)."""
    clauses = re.split(r"[，,：:]", span)
    last = clauses[-1]
    share = TARGET_SHARE.search(last)
    if share:
        target = _clause_quantities(share.group("q"))
        before = [c for c in clauses[:-1] if quantities(c)]
        done = _clause_quantities(last[: share.start()]) or (
            _clause_quantities(before[-1]) if before else []
        )
        if len(target) == 1 and len(done) == 1 and _same_unit(target[0].unit, done[0].unit):
            return (
                done[0].value,
                target[0].value,
                f"{fmt(done[0].value)}÷目标{fmt(target[0].value)}",
            )
        return None, None, ""
    named = NAMED_RATE.search(last)
    if not named or len(clauses) < 3 or quantities(last):
        return None, None, ""
    key = _same_words(named.group("key"))
    verb = key[-2:]
    part_clause = _same_words(clauses[-2])
    if any(w in part_clause for w in ("均", "全部", "都")):
        return None, None, ""  # a subset said of (其中3起……均成功化解), not the rate's count
    if len(key) >= 4 and key in part_clause and any(verb in _same_words(c) for c in clauses[:-2]):
        verb = key  # 按时办结108件，按时办结率: 办结 alone names the whole (办结120件)
    if verb not in part_clause:
        return None, None, ""
    subset = part_clause.lstrip("，, ").startswith("其中")
    part = _clause_quantities(part_clause)
    if len(part) > 1:  # 其中已解决92件、未解决10件，解决率: the one said without 未/不
        said = [
            q
            for q in part
            if verb in (piece := part_clause[: q.start].rsplit("、", 1)[-1])
            and not any(w in piece for w in NEGATIONS)
        ]
        part = said if len(said) == 1 else []
    if len(part) != 1 or part_clause.find(verb) > part[0].start:
        return None, None, ""
    # the whole: the clause right before, when it is the only figure before the part;
    # else the first figure of the sentence, when it says it is a total (共6项，已完成2项，
    # 推进正常1项，推进滞后3项，滞后率50%)
    candidates = [
        c
        for c in clauses[:-2]
        if len(_clause_quantities(c)) == 1
        and _same_unit(_clause_quantities(c)[0].unit, part[0].unit)
    ]
    if verb != key[-2:]:
        # 办结150件……按时办结141件，按时办结率: the whole is the one figure of the
        # bare verb (办结), wherever it stands
        named_whole = [c for c in candidates if key[-2:] in _same_words(c)]
        candidates = named_whole if len(named_whole) == 1 else []
        subset = False
    if not candidates or any(verb in _same_words(c) for c in candidates):
        return None, None, ""
    if len(candidates) == 1 and (candidates[0] == clauses[-3] or verb != key[-2:]):
        whole_clause = candidates[0]
    elif subset:
        return None, None, ""  # 其中 names a part of the figure right before it only
    elif any(w in candidates[0] for w in TOTAL_WORDS + ("全年", "累计", "各类", "受理")):
        whole_clause = candidates[0]
    else:
        return None, None, ""
    whole = _clause_quantities(whole_clause)
    return part[0].value, whole[0].value, f"{fmt(part[0].value)}÷{fmt(whole[0].value)}"


NEGATIONS = ("未", "不", "没")
SAME_WORDS = (("按期", "按时"), ("如期", "按时"))


def _same_words(text):
    """Words a rate's name and its count use for one thing (按期办结 … 按时办结率), made one,
    one character for one, so positions stay those of the text."""
    for word, same in SAME_WORDS:
        text = text.replace(word, same)
    return text


# --- growth -------------------------------------------------------------------------------

GROWTH = re.compile(
    r"(?P<word>同比增长|同比下降|同比减少|环比增长|环比下降|增长|下降|减少|增加|提高|降低|上升)"
    r"(?:了)?(?P<num>\d+(?:\.\d+)?)%"
)
OLD_WORDS = ("去年", "上年", "同期", "上月", "上季度", "上一年", "前年", "基期")
FROM_TO = re.compile(r"由|从")


def growth(s):
    out = []
    plain = s.plain
    for m in GROWTH.finditer(plain):
        clause_start = max(plain.rfind(ch, 0, m.start()) for ch in "。；;")
        span_start = clause_start + 1
        qs = [
            q
            for q in _money(plain)
            if span_start <= q.start and q.end <= m.start() and not q.approx
        ]
        if len(qs) == 1:
            # 总产值4720万元，同比增长8.8%，去年同期为4378万元: the old value said after
            sentence_end = min(
                [i for i in (plain.find(ch, m.end()) for ch in "。；;") if i != -1] or [len(plain)]
            )
            after = [q for q in _money(plain) if m.end() <= q.start and q.end <= sentence_end]
            if after and not after[0].approx:
                head = plain[m.end() : after[0].start]
                if any(w in head for w in OLD_WORDS) and not PERCENT.search(head):
                    qs = [qs[0], after[0]]
        if len(qs) != 2 or qs[0].unit != qs[1].unit:
            continue
        a, b = qs
        between = plain[a.end : b.start]
        head_a = plain[max(span_start, a.start - 10) : a.start]
        head_b = plain[max(a.end, b.start - 10) : b.start]
        if FROM_TO.search(plain[max(span_start, a.start - 3) : a.start]) and re.search(
            r"[增提降减上升]?(?:至|到|为)", between
        ):
            old, new = a, b
        elif any(w in head_a for w in OLD_WORDS) and not any(w in head_b for w in OLD_WORDS):
            old, new = a, b
        elif any(w in head_b for w in OLD_WORDS) and not any(w in head_a for w in OLD_WORDS):
            old, new = b, a
        else:
            continue
        if not old.value:
            continue
        exact = (new.value - old.value) * 100 / old.value
        printed = m.group("num")
        down = any(w in m.group("word") for w in ("下降", "减少", "降低"))
        said = Decimal(printed) * (-1 if down else 1)
        places = decimals(printed)
        step = Decimal(1).scaleb(-places)
        shown = abs(exact).quantize(step, rounding=ROUND_HALF_UP)
        word = ("下降" if exact < 0 else "增长") if exact else "持平"
        if agrees(printed, abs(exact)) and (exact >= 0) == (said >= 0):
            continue
        if said == 0 and exact == 0:
            continue
        out.append(
            Finding(
                "growth",
                s.paragraph,
                s.number,
                s.text[a.start : m.end()],
                f"{word}{shown:f}%",
                f"由{fmt(old.value)}{old.unit}到{fmt(new.value)}{new.unit}，变化率为{exact:.2f}%",
            )
        )
    return out


MONEY_UNITS = re.compile(
    r"(?P<num>(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?)(?P<unit>亿元|万元|元|万人|人|户|件|吨|万吨|亩|"
    r"平方米|万平方米|家|个|项|人次|万人次|辆|台|套)"
)


def _money(plain):
    out = []
    for m in MONEY_UNITS.finditer(plain):
        value = Decimal(m.group("num").replace(",", ""))
        before = plain[max(0, m.start() - 3) : m.start()]
        after = plain[m.end() : m.end() + 2]
        approx = any(before.endswith(w) for w in APPROX_BEFORE) or any(
            after.startswith(w) for w in APPROX_AFTER
        )
        out.append(Quantity(value, m.group("unit"), m.start(), m.end(), approx, False))
    return out


# --- the checker ----------------------------------------------------------------------------


def split(paragraphs):
    out = []
    for n, text in enumerate(paragraphs, start=1):
        out += sentences_of(text, n)
    return out


def groups_of(sentences):
    """Every whole-and-parts construction of the text (status groups first)."""
    found = _status_groups(sentences)
    seen = {(id(g.sentence), g.whole.start) for g in found}
    previous = None
    for s in sentences:
        prev = previous if previous is not None and previous.paragraph == s.paragraph else None
        for g in _trigger_groups(s, prev):
            key = (id(g.sentence), g.whole.start)
            if key in seen:
                continue
            seen.add(key)
            found.append(g)
        previous = s
    return found


def check(paragraphs):
    """Findings of a text given as its paragraphs, in reading order."""
    sentences = split(paragraphs)
    findings = []
    for s in sentences:
        findings += blanks(s)
        findings += sentence_percents(s)
        findings += growth(s)
    for group in groups_of(sentences):
        finding = _sum_finding(group)
        if finding:
            findings.append(finding)
        findings += _group_percents(group, sentences)
    return sorted(findings, key=lambda f: (f.paragraph, f.sentence))


def check_text(text):
    return check(paragraphs_of(text))
