"""reports/0002: the seeded 工作建议 get their new wording; an office's own text stays."""

import importlib

from django.apps import apps

from duban.progress.advice import DEFAULT_ADVICE
from duban.progress.models import ReasonCategory

migration = importlib.import_module("duban.reports.migrations.0002_advice_wording")


def test_old_defaults_are_reworded_and_edited_advice_is_kept(office):
    funds = ReasonCategory.objects.get(name="资金与要素保障")
    funds.advice = migration.OLD_ADVICE["资金与要素保障"]
    funds.save()
    papers = ReasonCategory.objects.get(name="前期手续与审批")
    papers.advice = "本街道自拟的建议。"
    papers.save()

    migration.reword(apps, None)

    funds.refresh_from_db()
    papers.refresh_from_db()
    assert funds.advice == DEFAULT_ADVICE["资金与要素保障"]
    assert papers.advice == "本街道自拟的建议。"
    migration.back(apps, None)
    funds.refresh_from_db()
    assert funds.advice == migration.OLD_ADVICE["资金与要素保障"]


def test_new_defaults_open_differently_and_never_with_dui():
    openings = [text.split("。")[0] for text in DEFAULT_ADVICE.values()]
    assert len(set(openings)) == len(openings)
    assert not any(text.startswith("对") for text in DEFAULT_ADVICE.values())
    assert set(DEFAULT_ADVICE) == set(migration.OLD_ADVICE)


def test_a_fresh_database_has_the_new_wording(office):
    for name, text in DEFAULT_ADVICE.items():
        assert ReasonCategory.objects.get(name=name).advice == text
