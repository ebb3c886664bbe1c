"""Answers shared by every app's views."""

from django.shortcuts import render

from duban.core.periods import PeriodError, parse_year


def bad_request(request, message):
    """The 400 page, saying in Chinese what was wrong with the request."""
    return render(request, "400.html", {"message": message}, status=400)


def year_param(request, name="year"):
    """An optional year in the query string, through the one parser: None when absent;
    PeriodError (Chinese) when present and not a year of MIN_YEAR–MAX_YEAR."""
    value = request.GET.get(name, "")
    if not value.strip():
        return None
    return parse_year(value)


__all__ = ["PeriodError", "bad_request", "year_param"]
