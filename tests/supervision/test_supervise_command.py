import io

from django.core.management import call_command

from duban.supervision.models import Notice
from tests.factories import judge


def test_propose_prints_proposals_and_dry_run_keeps_nothing(office, people, tasks):
    judge(tasks["east"], "lagging", period="2022-07", flags={"lagging_streak": {"periods": 2}})
    judge(tasks["west"], "lagging", period="2022-07", flags={"overdue": {"days": 9}})
    out = io.StringIO()
    call_command(
        "supervise",
        "propose",
        "--period",
        "2022-07",
        "--as-of",
        "2022-08-05",
        "--dry-run",
        stdout=out,
    )
    text = out.getvalue()
    assert "督办单建议（未保存）：2 条" in text
    assert "MS-02 社区食堂建设｜东苑居民区｜蓝色提醒单｜连续滞后" in text
    assert "ZB-01 垃圾分类示范创建｜西苑居民区｜黄色警示单｜超期｜已超过完成时限9天" in text
    assert not Notice.objects.exists()
    out = io.StringIO()
    call_command("supervise", "propose", "--period", "2022-07", "--as-of", "2022-08-05", stdout=out)
    assert "已保存 2 条督办单建议" in out.getvalue()
    assert Notice.objects.filter(state="proposed").count() == 2


def test_unjudged_month_says_so(office, people, tasks):
    err = io.StringIO()
    call_command(
        "supervise", "propose", "--period", "2022-09", "--dry-run", stdout=io.StringIO(), stderr=err
    )
    assert "尚未研判" in err.getvalue()
