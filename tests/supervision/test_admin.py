"""The supervision settings in the admin: pages open, a scheme whose weights do not add
up is refused with the reason, notices are read only."""

from django.contrib.auth import get_user_model

from duban.supervision.models import ScoringScheme


def test_admin_pages_open_and_a_bad_scheme_is_refused(client, office):
    root = get_user_model().objects.create_superuser("root", "r@example.cn", "pass12345")
    client.force_login(root)
    for url in (
        "/admin/supervision/notice/",
        "/admin/supervision/ladderrule/1/change/",
        "/admin/supervision/accountabilitylevel/",
        "/admin/supervision/topic/add/",
        "/admin/supervision/scoringscheme/add/",
        "/admin/supervision/accountabilityrecord/",
    ):
        assert client.get(url).status_code == 200, url
    form = {
        "office": office.pk,
        "year": 2022,
        "weight_on_time": "60",
        "weight_on_track": "30",
        "weight_requests_on_time": "0",
        "weight_requests_satisfaction": "0",
        "per_lagging_month": "0.5",
        "per_blue": "1",
        "per_yellow": "2",
        "per_red": "3",
        "per_accountability": "5",
        "partner_share": "0",
        "bonuses-TOTAL_FORMS": "0",
        "bonuses-INITIAL_FORMS": "0",
        "bonuses-MIN_NUM_FORMS": "0",
        "bonuses-MAX_NUM_FORMS": "1000",
    }
    answer = client.post("/admin/supervision/scoringscheme/add/", form)
    assert "各考核项目的权重之和应为 100，现为 90" in answer.content.decode()
    assert not ScoringScheme.objects.exists()
    form["weight_on_track"] = "40"
    client.post("/admin/supervision/scoringscheme/add/", form)
    assert ScoringScheme.objects.get().weight_on_track == 40
    assert client.get("/admin/supervision/notice/add/").status_code == 403
