"""What every `duban` command shares: the office, year, month and period arguments,
parsed once, answered in one Chinese line when they are wrong."""

import datetime as dt
import re

from django.core.management.base import CommandError

from duban.core.periods import MAX_YEAR, MIN_YEAR, Period, PeriodError
from duban.core.periods import parse_year as _parse_year
from duban.org.models import Office


def resolve_office(name, *, district=False):
    """The office a command works on.

    With a name, that office. Without one: the only office of the deployment; with
    `district=True` (reports, which cover a district across its streets) the one
    top-level office. Several candidates ask for --office by name.
    """
    offices = Office.objects.all()
    if name:
        try:
            return offices.get(name=name)
        except Office.DoesNotExist:
            names = "、".join(offices.values_list("name", flat=True))
            raise CommandError(f"找不到街道/区“{name}”。现有：{names or '（无）'}")
    candidates = list(offices.filter(parent__isnull=True) if district else offices)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise CommandError("数据库中还没有任何街道/区，请先运行 duban migrate")
    names = "、".join(o.name for o in candidates)
    raise CommandError(f"系统中有多个街道/区（{names}），请用 --office 指定一个")


def parse_year(value, option="--year"):
    try:
        return _parse_year(value)
    except PeriodError:
        text = str(value if value is not None else "").strip()
        if text.isascii() and text.isdigit() and len(text) == 4:
            raise CommandError(f"{option} 超出范围：{int(text)}")
        raise CommandError(f"{option} 应为四位年份，收到“{value}”")


def parse_period(value, option="--period"):
    """A report period: 2022-07, 2022Q3, 2022-H1 or 2022."""
    try:
        period = Period.parse(value)
    except PeriodError as error:
        raise CommandError(str(error))
    if not MIN_YEAR <= period.year <= MAX_YEAR:
        raise CommandError(f"{option} 年份超出范围：{period.year}")
    return period


def parse_month(value, option="--period"):
    """A reporting month such as 2022-07."""
    text = str(value or "").strip()
    if not re.fullmatch(r"\d{4}-\d{1,2}", text):
        raise CommandError(f"{option} 应为报送月份，如 2022-07；收到“{value}”")
    try:
        period = Period.parse(text)
    except PeriodError as error:
        raise CommandError(f"{option} 有误：{error}")
    if not MIN_YEAR <= period.year <= MAX_YEAR:
        raise CommandError(f"{option} 年份超出范围：{period.year}")
    return period


def parse_date(value, option="--date"):
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CommandError(f"{option} 应为存在的日期，如 2022-07-25；收到“{value}”")
