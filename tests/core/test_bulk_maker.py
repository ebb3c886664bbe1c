"""core.bulk.maker: instances made without Model.__init__ are the same as made with it."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from duban.core.bulk import maker
from duban.progress.models import Judgement, Submission
from tests.factories import KeyTaskFactory


def test_same_values_as_the_model_makes():
    make = maker(Judgement, period="2022-07", source=Judgement.Source.ENGINE)
    fast = make(task_id=7, status="lagging", light="red")
    slow = Judgement(
        period="2022-07", source=Judgement.Source.ENGINE, task_id=7, status="lagging", light="red"
    )
    assert model_to_dict(fast) == model_to_dict(slow)
    assert fast.pk is None and fast._state.adding and fast._state.db is None


def test_a_callable_default_is_fresh_for_each_instance():
    make = maker(Judgement, period="2022-07")
    first, second = make(task_id=1), make(task_id=2)
    assert first.flags == {} and first.flags is not second.flags
    first.flags["overdue"] = {"days": 3}
    assert second.flags == {}


def test_field_names_instead_of_attnames_are_refused():
    with pytest.raises(TypeError, match="attnames"):
        maker(Judgement, task=None)
    make = maker(Judgement)
    with pytest.raises(TypeError, match="task"):
        make(task=None)


@pytest.mark.django_db
def test_a_made_instance_saves():
    task = KeyTaskFactory()
    make = maker(Submission, period="2022-07", version=0)
    submission = make(task_id=task.pk, unit_id=task.lead_unit_id, progress="按计划推进")
    submission.submitted_at = dt.datetime(2022, 7, 20, tzinfo=dt.UTC)
    submission.save()
    stored = Submission.objects.get(pk=submission.pk)
    assert (stored.task_id, stored.period, stored.progress) == (task.pk, "2022-07", "按计划推进")
    assert stored.state == Submission._meta.get_field("state").default
