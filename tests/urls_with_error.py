"""The real URLs plus one view that fails, to see the 500 page."""

from django.urls import path

from config.urls import handler500, urlpatterns as real_urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("a fault for the test")


urlpatterns = [*real_urlpatterns, path("boom/", boom)]
