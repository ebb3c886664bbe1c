"""Answers shared by every app's views."""

import mimetypes
from io import BytesIO

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

from duban.core.periods import PeriodError, parse_year
from duban.core.textchars import CONTROL, without_controls


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


def id_param(value):
    """A record's id as sent in a query string or form (`?task=12`): the int, or None
    when it is missing or not one (letters, a sign, more digits than any id has), so
    that a view answers 404 or ignores it instead of passing junk to the database."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def id_params(values):
    """The ids among several sent values (`?selected=3&selected=9`), junk left out."""
    return [pk for pk in map(id_param, values) if pk is not None]


def back_to(request, target, fallback, *args):
    """Redirect to `target` (a form's `next`, a notification's link) when it is a path
    on this site, else to `fallback` (a URL name and its arguments, or a path): a link in a
    form or a message never leads off the site."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        # a path, redirected to as it is (redirect() would first try any other text
        # as a URL name: "zz" was a 500)
        return HttpResponseRedirect(target)
    return redirect(fallback, *args)


CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}


def download(data, filename):
    """A file to save, named in Chinese (RFC 6266 filename*), its type from the name;
    `data` is bytes or an openpyxl workbook."""
    if hasattr(data, "save") and not isinstance(data, bytes | bytearray):
        buffer = BytesIO()
        data.save(buffer)
        data = buffer.getvalue()
    kind = filename.rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(kind) or (
        mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class ControlCharactersMiddleware:
    """Forms and query strings without control characters (`core.textchars`): a NUL
    typed into any field reached PostgreSQL (refused: a 500), a pasted \\x07 reached a
    Word report (which then could not be written). They are dropped from the values,
    as a paste into Word drops them; files and JSON bodies (the API checks its own)
    are left alone. Reading the form here costs nothing: CSRF's check reads it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _cleaned(request.GET)
        if request.method == "POST" and not request.content_type.startswith("application/json"):
            request.POST = _cleaned(request.POST)
        return self.get_response(request)


def _cleaned(query):
    if not any(CONTROL.search(value) for _, values in query.lists() for value in values):
        return query
    cleaned = query.copy()
    for key, values in query.lists():
        cleaned.setlist(key, [without_controls(value) for value in values])
    cleaned._mutable = False
    return cleaned


__all__ = ["PeriodError", "bad_request", "download", "id_param", "id_params", "year_param"]
