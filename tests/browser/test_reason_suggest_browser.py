"""Typing a 滞后原因 on the batch page suggests its 原因类别; 采用 chooses it."""

import pytest

from duban.progress.models import ReasonCategory
from tests.browser.conftest import login
from tests.factories import KeyTaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BATCH = "/progress/batch/?period=2022-07"


def test_typing_a_reason_suggests_its_category(page, live_server, people, units):
    task = KeyTaskFactory(code="MS-31", lead_unit=units["build"])
    login(page, live_server, "bob")
    page.goto(live_server.url + BATCH)
    page.select_option(f"select[name=t{task.pk}-self_status]", "lagging")
    page.fill(f"textarea[name=t{task.pk}-reason]", "规划许可尚未取得批复，无法开工")
    hint = page.locator(f"#row-{task.pk} .reason-suggestion")
    hint.get_by_text("采用").wait_for()
    assert "建议：前期手续与审批" in hint.inner_text()
    hint.get_by_text("采用").click()
    chosen = ReasonCategory.objects.get(name="前期手续与审批")
    assert page.input_value(f"select[name=t{task.pk}-reason_category]") == str(chosen.pk)
    assert hint.inner_text() == ""
