"""滞后原因 suggestions: accuracy on the labelled reasons, the admin's rules, the endpoint."""

from django.urls import reverse

from duban.progress.models import ReasonCategory
from duban.textkit import reasons
from duban.textkit.models import ReasonKeyword, active_rules
from tests.textkit.reason_cases import OTHER, REASONS

ACCURACY_FLOOR = 0.8


def accuracy():
    right = 0
    wrong = []
    for text, label in REASONS:
        found = reasons.suggest(text)
        said = found.category if found else OTHER  # no suggestion: the unit files it as 其他
        if said == label:
            right += 1
        else:
            wrong.append((text, label, said))
    return right / len(REASONS), wrong


def test_accuracy_on_the_labelled_reasons():
    assert len(REASONS) >= 60
    value, wrong = accuracy()
    print(f"\n滞后原因类别建议: {len(REASONS)} reasons, accuracy {value:.3f}")
    for text, label, said in wrong:
        print(f"  {text} → {said}（应为 {label}）")
    assert value >= ACCURACY_FLOOR, wrong


def test_a_settled_matter_does_not_count():
    found = reasons.suggest("资金已到位，但施工许可尚未取得。")
    assert found.category == "前期手续与审批"
    assert "资金" not in found.keywords


def test_nothing_matched_is_no_suggestion():
    assert reasons.suggest("其他原因。") is None
    assert reasons.suggest("") is None


def test_the_admins_keywords_replace_the_built_in_ones(office):
    assert "资金与要素保障" in active_rules()
    other = ReasonCategory.objects.get(name="其他")
    ReasonKeyword.objects.create(category=other, keyword="资金", weight=5)
    assert active_rules() == {"其他": [("资金", 5)]}


def test_the_endpoint_suggests_while_typing(client, people):
    client.force_login(people["bob"])
    url = reverse("textkit:suggest_reason")
    data = client.get(url, {"text": "规划许可尚未取得批复"}).json()
    category = ReasonCategory.objects.get(name="前期手续与审批")
    assert data == {
        "category": category.pk,
        "name": "前期手续与审批",
        "keywords": ["规划许可", "批复"],
    }
    assert client.get(url, {"text": "无"}).json() == {"category": None}
    assert client.get(url, {"text": "x" * 3000}).status_code == 400


def test_the_endpoint_needs_a_login(client):
    response = client.get(reverse("textkit:suggest_reason"), {"text": "资金未到位"})
    assert response.status_code == 302


def test_the_batch_page_asks_for_suggestions(client, people, tasks):
    client.force_login(people["bob"])
    body = client.get(reverse("progress:batch")).content.decode()
    assert f'data-reason-suggest-url="{reverse("textkit:suggest_reason")}"' in body
    assert "textkit/reason_suggest.js" in body
