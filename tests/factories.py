"""Factories with the shapes the office really has (see shared/GLOSSARY.md)."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from duban.core.periods import Period
from duban.ledger.models import Category, KeyTask, Milestone
from duban.org.models import Office, Profile, Role, Unit
from duban.progress.models import Judgement


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"第{n}街道")
    kind = Office.Kind.STREET


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("office", "name")

    office = factory.LazyFunction(lambda: Office.objects.order_by("id").first())
    name = factory.Sequence(lambda n: f"第{n}居民区")
    kind = Unit.Kind.COMMUNITY


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("office", "year", "name")

    office = factory.LazyFunction(lambda: Office.objects.order_by("id").first())
    year = 2022
    name = factory.Sequence(lambda n: f"类别{n}")
    order = factory.Sequence(lambda n: n)


class KeyTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyTask
        skip_postgeneration_save = True

    office = factory.LazyFunction(lambda: Office.objects.order_by("id").first())
    year = 2022
    code = factory.Sequence(lambda n: f"T{n:03d}")
    category = factory.LazyAttribute(
        lambda o: Category.objects.ensure_for(o.office, o.year).first()
    )
    title = factory.Sequence(lambda n: f"重点工作事项{n}")
    goal = "按期完成"
    lead_unit = factory.SubFactory(UnitFactory)
    deadline = dt.date(2022, 12, 31)

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if create and extracted:
            self.partner_units.set(extracted)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    task = factory.SubFactory(KeyTaskFactory)
    due = dt.date(2022, 6, 30)
    description = "完成方案设计"


def make_user(username, *roles, unit=None, office=None, password="pass12345"):
    """A person with a profile and roles (role codes from duban.org.roles)."""
    user = get_user_model().objects.create_user(username=username, password=password)
    profile = Profile.objects.create(
        user=user,
        unit=unit,
        office=office or (unit.office if unit else Office.objects.order_by("id").first()),
    )
    profile.roles.set(Role.objects.filter(code__in=roles))
    return user


def judge(task, status, period="2022-07", light=None, **fields):
    """The office's judgement of a task for a month (red when lagging, else green)."""
    light = light or ("red" if status == "lagging" else "green")
    return Judgement.objects.create(
        task=task,
        period=period,
        as_of=Period.parse(period).end,
        status=status,
        light=light,
        proposed_status=status,
        **fields,
    )
