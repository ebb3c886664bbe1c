"""设置 › 诉求类别 and 诉求设置 (issue 10 point 9): what 督查管理员 maintains for the
resident-request loop, once reachable only through the admin. Shared by every office, so
only a supervisor whose scope holds them all changes them."""

from decimal import Decimal

import pytest

from duban.org import roles as R
from duban.org.models import Office
from duban.tickets.importer import columns_with_aliases
from duban.tickets.models import HeaderAlias, TicketCategory, TicketSettings
from tests.factories import OfficeFactory, UnitFactory, make_user

CATEGORIES = "/settings/tickets/categories/"
SETTINGS = "/settings/tickets/"


@pytest.fixture
def chief(people):
    district = OfficeFactory(name="示范区", kind=Office.Kind.DISTRICT)
    Office.objects.exclude(pk=district.pk).update(parent=district)
    return make_user("dora", R.SUPERVISOR, office=district)


@pytest.fixture
def neighbour(people):
    street = OfficeFactory(name="乙街道")
    unit = UnitFactory(office=street, name="乙街道城建科", kind="department")
    return make_user("yi_admin", R.SUPERVISOR, unit=unit)


@pytest.fixture
def dora(client, chief):
    client.force_login(chief)
    return client


@pytest.fixture
def tree(db):
    city = TicketCategory.objects.create(name="市容环境", order=1)
    return {
        "city": city,
        "rubbish": TicketCategory.objects.create(name="垃圾清运", parent=city, order=1),
        "road": TicketCategory.objects.create(name="道路交通", order=2),
    }


def categories_data(rows, extra=None, new=None):
    rows = sorted(rows, key=lambda c: c.pk)
    data = {
        "form-TOTAL_FORMS": len(rows) + 1,
        "form-INITIAL_FORMS": len(rows),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for i, c in enumerate(rows):
        data.update(
            {
                f"form-{i}-id": c.pk,
                f"form-{i}-name": c.name,
                f"form-{i}-parent": c.parent_id or "",
                f"form-{i}-normal_workdays": c.normal_workdays or "",
                f"form-{i}-order": c.order,
            }
        )
        if c.active:
            data[f"form-{i}-active"] = "on"
        if c.needs_review:
            data[f"form-{i}-needs_review"] = "on"
    last = len(rows)
    new = new or {}
    data.update(
        {
            f"form-{last}-name": new.get("name", ""),
            f"form-{last}-parent": new.get("parent", ""),
            f"form-{last}-normal_workdays": new.get("normal_workdays", ""),
            f"form-{last}-order": new.get("order", 0),
        }
    )
    if new.get("active"):
        data[f"form-{last}-active"] = "on"
    data.update(extra or {})
    return data


def index_of(tree, key):
    return sorted(tree.values(), key=lambda c: c.pk).index(tree[key])


def test_two_rows_naming_one_category_are_refused_in_chinese(dora, tree):
    i = index_of(tree, "road")
    data = categories_data(tree.values(), {f"form-{i}-name": "噪声"}, new={"name": "噪声"})
    response = dora.post(CATEGORIES, data)
    assert response.status_code == 200
    assert "同一上级下的类别名称填写了两次" in response.content.decode()
    assert not TicketCategory.objects.filter(name="噪声").exists()


def test_supervisor_edits_the_category_tree(dora, tree):
    page = dora.get(CATEGORIES).content.decode()
    assert page.index("市容环境") < page.index("垃圾清运") < page.index("道路交通")
    i = index_of(tree, "rubbish")
    data = categories_data(
        tree.values(),
        {f"form-{i}-needs_review": "on", f"form-{i}-normal_workdays": 3},
        new={"name": "占道经营", "parent": tree["road"].pk, "active": True, "order": 1},
    )
    data.pop(f"form-{index_of(tree, 'road')}-active")
    response = dora.post(CATEGORIES, data)
    assert response.status_code == 302
    rubbish = TicketCategory.objects.get(pk=tree["rubbish"].pk)
    assert rubbish.needs_review and rubbish.normal_workdays == 3
    assert TicketSettings.load().rules(rubbish).normal_workdays == 3
    assert not TicketCategory.objects.get(pk=tree["road"].pk).active
    assert TicketCategory.objects.get(name="占道经营").full_name == "道路交通 › 占道经营"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"new": {"name": "道路交通"}}, "大类中已有同名类别“道路交通”"),
        ({"new": {"name": "垃圾清运", "parent": "city"}}, "“市容环境”下已有同名类别“垃圾清运”"),
        ({"new": {"name": "噪声", "normal_workdays": 0}}, "办理时限应在 1 至 250 个工作日之间"),
        ({"new": {"name": "噪声", "parent": 99999}}, "上级类别不存在"),
        ({"row": ("city", "parent", "rubbish")}, "上级类别不能是它自己或它的下级"),
        ({"row": ("city", "name", "")}, "请填写类别名称"),
    ],
)
def test_bad_categories_are_refused_in_chinese(dora, tree, change, message):
    new = dict(change.get("new", {}))
    if new.get("parent") in tree:
        new["parent"] = tree[new["parent"]].pk
    extra = {}
    if "row" in change:
        key, field, value = change["row"]
        extra[f"form-{index_of(tree, key)}-{field}"] = tree[value].pk if value in tree else value
    before = list(TicketCategory.objects.order_by("pk").values_list("name", "parent_id"))
    response = dora.post(CATEGORIES, categories_data(tree.values(), extra, new))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(TicketCategory.objects.order_by("pk").values_list("name", "parent_id")) == before


RULES = {
    "rules-normal_workdays": 5,
    "rules-urgent_workdays": 1,
    "rules-critical_hours": 4,
    "rules-return_limit_workdays": 2,
    "rules-basic_weight": "0.8",
}


def settings_data(aliases=(), extra=None, new=None):
    data = {
        **RULES,
        "alias-TOTAL_FORMS": len(aliases) + 1,
        "alias-INITIAL_FORMS": len(aliases),
        "alias-MIN_NUM_FORMS": 0,
        "alias-MAX_NUM_FORMS": 1000,
    }
    for i, a in enumerate(aliases):
        data.update(
            {f"alias-{i}-id": a.pk, f"alias-{i}-alias": a.alias, f"alias-{i}-column": a.column}
        )
    last = len(aliases)
    new = new or {}
    data.update(
        {f"alias-{last}-alias": new.get("alias", ""), f"alias-{last}-column": new.get("column", "")}
    )
    data.update(extra or {})
    return data


def test_supervisor_changes_time_limits_and_adds_a_header_alias(dora):
    response = dora.post(SETTINGS, settings_data(new={"alias": "受理编号", "column": "number"}))
    assert response.status_code == 302
    rules = TicketSettings.load()
    assert rules.normal_workdays == 5 and rules.critical_hours == 4
    assert rules.basic_weight == Decimal("0.80")
    number = next(c for c in columns_with_aliases() if c.key == "number")
    assert "受理编号" in number.aliases  # the import now reads it


def test_a_header_alias_is_deleted(dora):
    alias = HeaderAlias.objects.create(alias="受理编号", column="number")
    response = dora.post(SETTINGS, settings_data([alias], {"alias-0-DELETE": "on"}))
    assert response.status_code == 302
    assert not HeaderAlias.objects.exists()


@pytest.mark.parametrize(
    ("extra", "new", "message"),
    [
        ({"rules-basic_weight": "1.5"}, None, "权重应在 0 至 1 之间"),
        ({"rules-normal_workdays": 0}, None, "一般诉求办理时限应在 1 至 250 个工作日之间"),
        ({"rules-urgent_workdays": 9}, None, "紧急诉求的办理时限不能长于一般诉求"),
        ({"rules-critical_hours": 0}, None, "1 至 72 小时"),
        ({}, {"alias": "工单号", "column": "unit"}, "“工单号”已是“工单编号”列认得的表头"),
        ({}, {"alias": "受理编号", "column": ""}, "请选择对应列"),
        ({}, {"alias": "受理编号", "column": "nope"}, "请选择对应列"),
    ],
)
def test_bad_ticket_settings_are_refused_in_chinese(dora, extra, new, message):
    before = TicketSettings.load().normal_workdays
    response = dora.post(SETTINGS, settings_data(extra=extra, new=new))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert TicketSettings.load().normal_workdays == before
    assert not HeaderAlias.objects.exists()


def test_a_duplicate_alias_is_refused(dora):
    alias = HeaderAlias.objects.create(alias="受理编号", column="number")
    data = settings_data([alias], new={"alias": "受理编号", "column": "unit"})
    response = dora.post(SETTINGS, data)
    assert response.status_code == 200 and "已有这个表头别名" in response.content.decode()
    data = settings_data([alias], {"alias-0-alias": "甲"}, new={"alias": "甲", "column": "unit"})
    response = dora.post(SETTINGS, data)
    assert response.status_code == 200 and "同一表头别名填写了两次" in response.content.decode()
    assert list(HeaderAlias.objects.values_list("alias", flat=True)) == ["受理编号"]


@pytest.mark.parametrize("who", ["lily", "bob", "hank", "rita", "gina"])
def test_only_the_supervisor_opens_the_ticket_settings(client, people, tree, who):
    client.force_login(people[who])
    for url in [CATEGORIES, SETTINGS]:
        assert client.get(url).status_code == 403
    assert client.post(SETTINGS, settings_data()).status_code == 403
    assert (
        client.post(CATEGORIES, categories_data(tree.values(), new={"name": "x"})).status_code
        == 403
    )
    assert TicketCategory.objects.count() == 3 and TicketSettings.load().normal_workdays == 7


def test_a_street_sees_the_shared_ticket_settings_read_only(client, people, neighbour, tree):
    for person in [people["alice"], neighbour]:
        client.force_login(person)
        for url in [CATEGORIES, SETTINGS]:
            page = client.get(url).content.decode()
            assert "各街道共用" in page and "保存</button>" not in page and "disabled" in page
        assert client.post(SETTINGS, settings_data()).status_code == 403
        response = client.post(CATEGORIES, categories_data(tree.values(), new={"name": "x"}))
        assert response.status_code == 403
    assert TicketCategory.objects.count() == 3 and TicketSettings.load().normal_workdays == 7
