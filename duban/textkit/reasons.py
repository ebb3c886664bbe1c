"""滞后原因 → 原因类别: keyword rules that suggest the reason category while a unit types.

Pure: `suggest(text, rules)` with rules as {category name: [(keyword, weight)]}. The rules
come from the admin (textkit.ReasonKeyword) when the deployment has any, else from
DEFAULT_KEYWORDS, written for the seeded categories (progress/migrations/0002_seed.py).
A keyword counts once, weighted by its length unless the admin set a weight; a keyword
followed by 已到位/已解决… ("资金已到位，但审批未完成") does not count. Nothing matched →
no suggestion (the unit chooses, or 其他)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_KEYWORDS = {
    "客观因素（疫情、天气、政策调整等）": [
        "疫情",
        "天气",
        "降雨",
        "雨季",
        "汛期",
        "防汛",
        "台风",
        "高温",
        "寒潮",
        "冰冻",
        "冬季",
        "政策调整",
        "政策变化",
        "政策变动",
        "上级调整",
        "封控",
        "静默",
        "不可抗力",
        "停工令",
        "暂停施工",
        "停工",
        "延期开学",
        "节假日",
        "春节",
    ],
    "前期手续与审批": [
        "审批",
        "手续",
        "立项",
        "规划许可",
        "施工许可",
        "批复",
        "备案",
        "招标",
        "招投标",
        "采购",
        "评审",
        "论证",
        "方案审定",
        "方案未定",
        "环评",
        "核准",
        "报批",
        "公示",
        "审核",
        "审定",
        "验收手续",
        "许可证",
        "权证",
        "前期",
        "设计方案",
        "图纸",
    ],
    "资金与要素保障": [
        "资金",
        "经费",
        "预算",
        "拨付",
        "财政",
        "款项",
        "融资",
        "劳动力",
        "招工",
        "用工",
        "人手",
        "材料",
        "原材料",
        "设备",
        "场地",
        "用地指标",
        "电力",
        "缺口",
        "到位",
        "人员不足",
        "工作力量",
        "运营主体",
        "房源",
    ],
    "统筹协调不足/工作合力不够": [
        "协调",
        "协同",
        "配合",
        "对接",
        "沟通",
        "多部门",
        "权属",
        "产权",
        "意见不一",
        "分歧",
        "居民意见",
        "业主意见",
        "同意率",
        "签约率",
        "职责不清",
        "推诿",
        "合力",
        "统筹",
        "反对",
        "不同意",
        "矛盾",
        "诉求",
        "多方",
        "牵头",
        "衔接",
    ],
    "主观攻坚意识不强/观望畏难": [
        "畏难",
        "观望",
        "等待",
        "等靠",
        "重视不够",
        "重视不足",
        "力度不够",
        "不够有力",
        "积极性不高",
        "主动性不强",
        "主动性不足",
        "拖延",
        "懈怠",
        "精力不足",
        "思想",
        "担当",
        "不够主动",
        "办法不多",
        "抓得不紧",
        "松懈",
        "措施不够",
        "推进不力",
    ],
}
NEGATED = (
    "已到位",
    "已落实",
    "已拨付",
    "已解决",
    "已取得",
    "已完成",
    "已办结",
    "已批复",
    "充足",
    "不是问题",
)


@dataclass
class Suggestion:
    category: str
    keywords: list
    score: int


def default_rules():
    return {name: [(kw, len(kw)) for kw in words] for name, words in DEFAULT_KEYWORDS.items()}


def _counts(text, keyword):
    at = text.find(keyword)
    while at != -1:
        tail = text[at + len(keyword) : at + len(keyword) + 5]
        if not any(tail.lstrip("均都尚已，, ").startswith(n) or n in tail for n in NEGATED):
            return True
        at = text.find(keyword, at + 1)
    return False


def suggest(text, rules=None, order=None):
    """The best-scoring category for `text`, or None. `order` (category names) breaks ties."""
    text = (text or "").strip()
    if len(text) < 2:
        return None
    rules = rules if rules is not None else default_rules()
    order = order or list(rules)
    best = None
    for name, words in rules.items():
        matched = [(kw, weight) for kw, weight in words if kw and _counts(text, kw)]
        # a keyword inside a longer matched one counts once (前期 in 前期手续)
        kept = [
            (kw, w)
            for kw, w in matched
            if not any(kw != other and kw in other for other, _ in matched)
        ]
        score = sum(w for _kw, w in kept)
        if not score:
            continue
        rank = (score, -order.index(name) if name in order else -len(order))
        if best is None or rank > best[0]:
            best = (rank, Suggestion(name, [kw for kw, _w in kept], score))
    return best[1] if best else None
