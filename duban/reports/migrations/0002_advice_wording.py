"""The default 工作建议 of the seeded reason categories, reworded so that each opens
with its own lead sentence: a category whose advice is still the old default text gets
the new one; advice the office has edited is left alone."""

from django.db import migrations

from duban.progress.advice import DEFAULT_ADVICE

# The defaults as progress/migrations/0004 seeded them.
OLD_ADVICE = {
    "客观因素（疫情、天气、政策调整等）": (
        "对受外部条件影响的事项，建议责任单位在条件允许时第一时间恢复推进，重新排定节点计"
        "划并倒排工期，能提前准备的工作提前做、能并行推进的环节并行推进，把耽误的进度尽快"
        "追回来。"
    ),
    "前期手续与审批": (
        "对卡在前期手续的事项，建议牵头单位梳理审批清单和办理时限，逐项明确责任人，主动对"
        "接区级职能部门，能并联办理的并联办理，确需协调的及时提请街道领导出面协调。"
    ),
    "资金与要素保障": (
        "对资金、场地、人员等要素不到位的事项，建议牵头单位尽快提出保障需求和解决方案，财"
        "务、规划等相关科室提前介入，统筹调剂资源，确保要素跟上进度。"
    ),
    "统筹协调不足/工作合力不够": (
        "对协同配合不够的事项，建议由责任领导牵头召开专题协调会，明确牵头单位与协同单位的"
        "分工和时间节点，协同单位按月反馈配合情况，形成上下联动、横向协作的工作合力。"
    ),
    "主观攻坚意识不强/观望畏难": (
        "对主观努力不够的事项，建议压紧压实责任，责任单位主要负责人亲自研究、亲自推动，党"
        "政办公室加大跟踪督办和通报力度，对持续滞后的按规定启动效能问责。"
    ),
    "其他": (
        "对其他原因滞后的事项，建议责任单位逐项分析症结，制定有针对性的赶超措施，在下月报"
        "送进展时一并说明整改成效。"
    ),
}


def reword(apps, schema_editor):
    ReasonCategory = apps.get_model("progress", "ReasonCategory")
    for name, old in OLD_ADVICE.items():
        new = DEFAULT_ADVICE.get(name)
        if new:
            ReasonCategory.objects.filter(name=name, advice=old).update(advice=new)


def back(apps, schema_editor):
    ReasonCategory = apps.get_model("progress", "ReasonCategory")
    for name, old in OLD_ADVICE.items():
        new = DEFAULT_ADVICE.get(name)
        if new:
            ReasonCategory.objects.filter(name=name, advice=new).update(advice=old)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("progress", "0004_reasoncategory_advice")]
    operations = [migrations.RunPython(reword, back)]
