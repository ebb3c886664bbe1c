"""Quantities in Chinese office prose: every number with a counting unit (22.44万平方米,
二十八项, 1,200人), with whether it is approximate (余、多、近、约、左右、以上).

Moved down from textkit (the number checker and plan extraction) so that reports can read
the quantities of a unit's progress text too; one parser for both. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import cn2an

# Full-width ASCII → half-width, one character for one, so offsets stay those of the text.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20


def narrow(text):
    return text.translate(_WIDTH)


# --- quantities -------------------------------------------------------------------------

UNITS = (
    "平方米|平米|万元|亿元|人次|场次|户次|批次|件次|公里|千米|立方米|"
    "项|个|件|人|户|家|名|宗|栋|幢|次|场|所|条|处|批|座|套|间|辆|台|吨|元|亩|份|篇|期|支|"
    "起|类|块|张|本|米|株|棵|只|头|位|单|组|盏|根|段|公斤|千克"
)
# A unit character that starts a word rather than counting: 项目, 人员, 家庭, 次要...
NOT_A_UNIT = (
    "项目|人员|人民|人口|人群|人才|人大|家庭|家园|家长|家属|个人|个体|个性|件事|次要|"
    "场所|场地|场景|处理|处置|处室|条件|条例|条线|台账|批示|批复|期间|期限|支持|支部|"
    "起草|起步|类型|块状|间隔|组织|组长|组建|元素|位于|位置|单位|单元|名称|名义|座谈|套餐"
)
APPROX_BEFORE = ("近", "约", "超过", "逾", "将近", "大约", "达到约", "超")
APPROX_AFTER = ("余", "多", "左右", "以上", "以下", "上下", "来")
CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"


def unit_continues(plain, start):
    """True when the unit at `start` begins a word (项目, 人员) rather than counting."""
    for word in NOT_A_UNIT.split("|"):
        if plain.startswith(word, start):
            return True
    return False


NUMBER = re.compile(
    r"(?P<num>(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?|(?<![" + CN_DIGITS + r"第])[" + CN_DIGITS + r"]+)"
    r"(?P<mult>万|亿)?"
    r"(?P<approx>余|多)?"
    r"(?P<unit>" + UNITS + r")"
)


@dataclass
class Quantity:
    value: Decimal
    unit: str
    start: int
    end: int
    approx: bool
    chinese: bool


def to_decimal(digits):
    """ "5011" / "1,200" / "22.44" / "二十八" → Decimal; None when it is not a number."""
    if digits[0].isdigit():
        return Decimal(digits.replace(",", ""))
    try:
        value = cn2an.cn2an(digits.replace("两", "二").replace("〇", "零"), "strict")
    except (ValueError, KeyError, IndexError):
        return None
    return Decimal(str(value)).normalize()


def quantities(plain):
    """Every number with a counting unit in a (narrowed) sentence."""
    out = []
    for m in NUMBER.finditer(plain):
        if unit_continues(plain, m.start("unit")):
            continue
        digits = m.group("num")
        chinese = not digits[0].isdigit()
        if chinese and len(digits) == 1 and digits in "零〇十百千万亿":
            continue
        if chinese and plain[m.start() - 1 : m.start()] in ("第", "是", "周", "星"):
            continue
        if chinese and m.group("unit") in ("次", "期", "类", "个") and len(digits) == 1:
            # 一次性, 二期工程, 三类, 一个: too often not a count in prose
            if plain[m.end() : m.end() + 1] in ("性", "工", "人"):
                continue
        value = to_decimal(digits)
        if value is None:
            continue
        if m.group("mult") == "万":
            value *= 10000
        elif m.group("mult") == "亿":
            value *= 100000000
        before = plain[max(0, m.start() - 4) : m.start()]
        after = plain[m.end() : m.end() + 2]
        approx = bool(
            m.group("approx")
            or any(before.endswith(w) for w in APPROX_BEFORE)
            or any(after.startswith(w) for w in APPROX_AFTER)
        )
        # 各8人: one figure for each of several, not a part of a sum
        if before.endswith("各"):
            approx = True
        out.append(Quantity(value, m.group("unit"), m.start(), m.end(), approx, chinese))
    return out
