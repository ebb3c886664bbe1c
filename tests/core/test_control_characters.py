"""Control characters (`core.textchars`) in forms, query strings and documents, and
where a form's `next` may lead (`core.http.back_to`): each once a 500 that
bench/hostile_crawl.py found on PostgreSQL with the demo data."""

import io
import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from docx import Document

from duban.core.http import ControlCharactersMiddleware, back_to
from duban.core.official_docx import OfficialDocument
from duban.core.textchars import without_controls
from duban.progress.models import Judgement


def test_control_characters_are_dropped_and_tab_and_line_breaks_kept():
    assert without_controls("空\x00字\x07\x0b\x1f") == "空字"
    assert without_controls("第一行\n第二行\r\n\t缩进") == "第一行\n第二行\r\n\t缩进"
    assert without_controls(None) is None and without_controls(3) == 3


def _seen(request):
    return HttpResponse(json.dumps({"get": request.GET.getlist("q"), "post": dict(request.POST)}))


def test_forms_and_query_strings_lose_them_and_json_bodies_are_left_to_the_api():
    middleware = ControlCharactersMiddleware(_seen)
    rf = RequestFactory()
    request = rf.post("/x/?q=a%00b&q=c", {"reason": ["理\x00由\x07", "二"], "n": "1"})
    seen = json.loads(middleware(request).content)
    assert seen == {"get": ["ab", "c"], "post": {"reason": ["理由", "二"], "n": ["1"]}}
    clean = rf.post("/x/", {"reason": "理由"})
    middleware(clean)
    assert clean.POST["reason"] == "理由" and not clean.POST._mutable
    api = rf.post("/x/", data='{"content": "a\\u0000b"}', content_type="application/json")
    middleware(api)
    assert json.loads(api.body)["content"] == "a\x00b"  # the API refuses it, naming the field


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/tickets/?stage=returned", "/tickets/?stage=returned"),
        ("zz", "/fallback/"),
        ("?page=2", "/fallback/"),
        ("//evil.example/x", "/fallback/"),
        ("https://evil.example/x", "/fallback/"),
        ("", "/fallback/"),
        (None, "/fallback/"),
    ],
)
def test_next_leads_only_to_a_path_of_this_site(target, expected):
    request = RequestFactory().post("/x/")
    assert back_to(request, target, "/fallback/")["Location"] == expected


def test_a_stored_control_character_does_not_stop_an_official_document():
    document = OfficialDocument()
    document.paragraph("理由：现场\x07核查\x00")
    texts = [p.text for p in Document(io.BytesIO(document.to_bytes())).paragraphs]
    assert "理由：现场核查" in texts


@pytest.mark.django_db
def test_a_nul_typed_into_an_override_reason_is_dropped_not_a_500(client, people, tasks):
    client.force_login(people["alice"])
    response = client.post(
        reverse("progress:override", args=[tasks["build"].pk]),
        {"period": "2022-07", "status": "lagging", "reason": "现场\x00核查", "next": "zz"},
    )
    assert response.status_code == 302
    assert Judgement.objects.get(task=tasks["build"]).override_reason == "现场核查"


@pytest.mark.django_db
def test_a_next_that_is_no_path_falls_back_after_a_ticket_action(client, people, units):
    from duban.tickets import services
    from duban.tickets.models import TicketCategory

    ticket = services.receive(
        people["gina"],
        office=units["west"].office,
        content="噪声扰民",
        community=units["west"],
        category=TicketCategory.objects.create(name="市容环境"),
    )
    client.force_login(people["alice"])
    response = client.post(
        reverse("tickets:act", args=[ticket.pk, "dispatch"]),
        {"unit": units["build"].pk, "next": "zz"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    ticket.refresh_from_db()
    assert ticket.unit == units["build"]
