"""The ledger's one filter (ledger/filters.py), directly: what it narrows, what it ignores,
and what extensions add without the ledger knowing them."""

from django.http import QueryDict

from duban.ledger import extensions
from duban.ledger.filters import LedgerFilter
from duban.ledger.models import Category, KeyTask
from duban.org.scope import offices_in_scope
from tests.factories import KeyTaskFactory, OfficeFactory


def codes(ledger):
    return sorted(ledger.queryset.values_list("code", flat=True))


def test_it_narrows_by_category_lead_unit_kind_and_keyword(people, tasks, units):
    second = Category.objects.for_year(2022).order_by("order")[1]
    KeyTaskFactory(code="JB-1", title="上级交办清理", lead_unit=units["west"], kind="assigned")
    KeyTaskFactory(code="ZB-9", title="专班事项", lead_unit=units["east"], category=second)
    alice = people["alice"]
    assert codes(LedgerFilter(QueryDict(f"category={second.pk}"), alice)) == ["ZB-9"]
    assert codes(LedgerFilter(QueryDict(f"lead_unit={units['west'].pk}"), alice)) == [
        "JB-1",
        "ZB-01",
    ]
    assert codes(LedgerFilter(QueryDict("kind=assigned"), alice)) == ["JB-1"]
    assert codes(LedgerFilter(QueryDict("q=食堂"), alice)) == ["MS-02"]


def test_values_that_do_not_parse_are_ignored_not_errors(people, tasks):
    ledger = LedgerFilter(
        QueryDict("year=%C2%B2&category=abc&lead_unit=99999&kind=x"), people["alice"]
    )
    assert ledger.year == 2022
    assert codes(ledger) == ["MS-01", "MS-02", "ZB-01"]


def test_a_unit_sees_only_its_tasks_and_only_their_lead_units(people, tasks, units):
    ledger = LedgerFilter(QueryDict(""), people["carol"])  # 东苑居民区
    assert codes(ledger) == ["MS-02"]
    assert list(ledger.form.fields["lead_unit"].queryset) == [units["east"]]


def test_category_counts_cover_every_category_of_the_year(people, tasks):
    counts = LedgerFilter(QueryDict(""), people["alice"]).category_counts()
    assert [c.name for c, _n in counts] == list(
        Category.objects.filter(year=2022).order_by("order", "id").values_list("name", flat=True)
    )
    assert sum(n for _c, n in counts) == KeyTask.objects.count()


def test_extensions_add_fields_and_narrow_the_rows(people, tasks, monkeypatch):
    from django import forms

    class OnlyMs(extensions.LedgerExtension):
        def filter_fields(self, year):
            return {"ms": forms.BooleanField(required=False, label="只看民生")}

        def setup(self, ledger, cleaned):
            ledger.only_ms = cleaned.get("ms")

        def filter(self, ledger, tasks):
            return tasks.filter(code__startswith="MS") if ledger.only_ms else tasks

    monkeypatch.setattr(extensions._registry, "_items", [*extensions.extensions(), OnlyMs()])
    ledger = LedgerFilter(QueryDict("ms=on"), people["alice"])
    assert list(ledger.form.fields)[-2:] == ["ms", "q"]  # before 关键词
    assert codes(ledger) == ["MS-01", "MS-02"]


def test_offices_in_scope_span_a_districts_streets(people, office):
    district = OfficeFactory(name="示范区", kind="district")
    office.parent = district
    office.save()
    other = OfficeFactory(name="乙街道")
    assert list(offices_in_scope(people["alice"])) == [office]
    people["alice"].profile.office = district
    people["alice"].profile.save()
    assert set(offices_in_scope(people["alice"])) == {district, office}
    assert other not in offices_in_scope(people["alice"])


def test_the_count_is_the_rows_of_the_filter_whatever_narrows_them(people, tasks, units):
    """The page count comes from the year's tally when only the year (and street) filter,
    else from the rows: either way it is the number of rows the filter gives."""
    second = Category.objects.for_year(2022).order_by("order")[1]
    KeyTaskFactory(code="ZB-9", title="专班事项", lead_unit=units["east"], category=second)
    KeyTaskFactory(code="QN-1", year=2021, lead_unit=units["east"])  # another year
    street = OfficeFactory(name="乙街道")
    KeyTaskFactory(code="YJ-1", office=street, lead_unit=units["east"])  # out of scope
    alice, carol = people["alice"], people["carol"]
    for query, user in [
        ("", alice),
        ("year=2021", alice),
        (f"category={second.pk}", alice),
        ("q=食堂", alice),
        ("status=lagging", alice),
        ("", carol),
    ]:
        ledger = LedgerFilter(QueryDict(query), user)
        assert ledger.count() == ledger.queryset.count() == len(codes(ledger)), query
    assert LedgerFilter(QueryDict(""), alice).years == [2022, 2021]
