"""A second URLconf for tests/core/test_links.py."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("another/help/", lambda request: HttpResponse(), name="help")]
