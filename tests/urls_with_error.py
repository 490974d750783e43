"""The real URLs plus one view that fails, to see the 500 page."""

from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as real_urlpatterns


def boom(request):
    raise RuntimeError("a fault for the test")


urlpatterns = [*real_urlpatterns, path("boom/", boom)]
