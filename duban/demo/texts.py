"""The demo's words: monthly progress, 滞后原因 and 下步措施 in varied phrasing, each
consistent with the report's status (a lagging report never says it keeps to plan, a
completed one never asks for more time). Plain functions, no database.

Choices are made from the task code and the month with a stable checksum, so the same
demo is written on every run and on every machine.
"""

import zlib


def pick(options, *keys):
    """One of `options`, the same for the same keys on every run."""
    seed = zlib.crc32("|".join(str(k) for k in keys).encode())
    return options[seed % len(options)]


# ----- 进展情况 -----

_ON_TRACK_OPENINGS = [
    "{m}月，{t}按节点计划有序推进",
    "本月{t}进展顺利",
    "{t}本月按计划推进",
    "{m}月份，{t}各项工作按时间节点落实",
    "{t}推进情况良好",
]

_ON_TRACK_STEPS = [
    "召开专题推进会，逐项对账销号",
    "牵头单位会同协同单位开展现场踏勘，细化实施方案",
    "对照节点计划梳理完成情况，未发现明显偏差",
    "组织居民区书记和相关科室座谈，听取意见后优化了实施细节",
    "分管领导带队实地督导，协调解决了两处具体问题",
    "完成阶段性任务并形成工作台账，佐证材料已归档",
    "建立周例会制度，每周通报进度",
    "与区级职能部门对接，相关政策和标准已明确",
]

_QUANTITY = [
    "截至{m}月底，累计完成{v}{u}，占年度目标的{p}",
    "累计完成{v}{u}（年度目标{g}{u}），完成率{p}",
    "已完成{v}{u}，达到年度目标的{p}",
]

_LAGGING_OPENINGS = [
    "{m}月，{t}进度慢于计划",
    "{t}本月推进不及预期",
    "{t}未能按节点完成本月任务",
    "本月{t}推进受阻",
]

_LAGGING_DETAIL = [
    "当前仍在协调解决，已报分管领导",
    "较节点计划滞后约一个月",
    "部分节点任务尚未完成",
    "本月计划启动的几项工作未能按期落地",
    "阶段性目标未能如期实现",
]

_COMPLETED = [
    "{t}已全面完成，经验收合格并投入使用。",
    "{t}年度任务已完成，相关资料已整理归档。",
    "本月{t}完成全部建设内容，通过相关部门验收。",
    "{t}各项目标已达成，转入日常管理和长效维护。",
]


def _percent(value, target):
    if not target:
        return ""
    share = float(value) / float(target) * 100
    return f"{share:.0f}%"


def _number(value):
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def progress(code, title, month, status, value=None, target=None, unit=""):
    """进展情况 of one monthly report; `status` is completed, on_track or lagging."""
    if status == "completed":
        return pick(_COMPLETED, code, month).format(t=title)
    quantity = ""
    if value is not None and target and unit == "%":
        # a rate: where it stands against the target rate, not a share of it
        quantity = f"截至{month}月底达到{_number(value)}%（年度目标{_number(target)}%）。"
    elif value is not None and target:
        quantity = (
            pick(_QUANTITY, code, month, "q").format(
                m=month, v=_number(value), u=unit, g=_number(target), p=_percent(value, target)
            )
            + "。"
        )
    if status == "lagging":
        opening = pick(_openings(_LAGGING_OPENINGS, title), code, month).format(m=month, t=title)
        detail = pick(_LAGGING_DETAIL, code, month, "d")
        return f"{opening}，{detail}。{quantity}"
    opening = pick(_openings(_ON_TRACK_OPENINGS, title), code, month).format(m=month, t=title)
    step = pick(_ON_TRACK_STEPS, code, month, "s")
    return f"{opening}：{step}。{quantity}"


def _openings(options, title):
    """The openings that do not say 推进 again after a title that starts with it
    (“推进中小企业数字化转型推进情况良好” is no one's sentence)."""
    if not title.startswith("推进"):
        return options
    return [o for o in options if "推进" not in o.replace("{t}", "")] or options


# ----- 滞后原因: concrete, by reason category (the seeded ReasonCategory names) -----

_REASONS = {
    "客观因素": [
        "上级部门调整了实施标准，新的细则下发前部分工作暂缓推进。",
        "区里调整了相关补贴政策，新标准下发前项目暂缓实施。",
        "承接项目的第三方单位人员调整，进场时间推迟两周。",
    ],
    "前期手续": [
        "规划许可和施工许可仍在区规划资源局审批中，尚未取得批复，无法开工。",
        "项目立项材料被退回补充，重新报送后仍在审核。",
        "招投标因有效投标人不足三家流标，需重新组织招标。",
    ],
    "资金": [
        "区级配套资金尚未拨付到位，设备采购合同未能签订。",
        "项目预算经财政评审核减，实施方案需重新调整。",
        "资金审批流程较长，首笔款项预计下月到位。",
    ],
    "统筹协调": [
        "涉及三个居民区和两家物业公司，协调会议多次改期，实施方案尚未统一。",
        "与区级部门的职责分工尚未明确，牵头单位和协同单位衔接不够。",
        "管线迁改需供电、燃气等多家单位配合，排期未能落实。",
    ],
    "主观攻坚": [
        "部分居民对方案存在分歧，牵头单位入户做工作不够主动，征询进度缓慢。",
        "牵头单位对难点问题研究不深，存在等上级明确再推进的观望情绪。",
        "工作专班力量不足，专人专岗未落实，推进措施不够有力。",
    ],
}

_NEXT_ON_TRACK = [
    "下月按节点计划继续推进，做好阶段性验收准备。",
    "继续加强与协同单位的沟通，确保下一节点按时完成。",
    "下步将做好过程资料归档，每两周向分管领导报告一次进展。",
    "按既定方案推进实施，同步做好居民告知和意见收集。",
]

_NEXT_LAGGING = [
    "倒排工期、挂图作战，每周调度一次，力争下月追回进度。",
    "已提请分管领导召开专题协调会，明确各方责任和完成时限。",
    "增派专人专班跟进，逐项销号，确保下一节点不再延误。",
    "主动对接区级部门加快审批，同步做好开工前各项准备。",
]


def lag_reason(category_name, code):
    """A concrete 滞后原因 for a report in this reason category; a task keeps its reason
    from month to month, as units do."""
    for key, texts in _REASONS.items():
        if key in category_name:
            return pick(texts, code, "r")
    return "推进中出现新的情况，正在研究解决办法。"


def next_steps(status, code, month):
    if status == "completed":
        return ""
    options = _NEXT_LAGGING if status == "lagging" else _NEXT_ON_TRACK
    return pick(options, code, month, "n")
