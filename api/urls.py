from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("children", views.ChildViewSet, basename="child")
router.register("concerns", views.ConcernViewSet, basename="concern")
router.register("figures", views.FiguresViewSet, basename="figures")


def about_a_child(viewset):
    return viewset.as_view({"get": "list", "post": "create"})


urlpatterns = [
    *router.urls,
    path(
        "children/<int:child_pk>/allocations/",
        about_a_child(views.AllocationViewSet),
        name="child-allocations",
    ),
    path(
        "children/<int:child_pk>/key-dates/",
        about_a_child(views.KeyDateViewSet),
        name="child-key-dates",
    ),
    path(
        "children/<int:child_pk>/reviews/",
        about_a_child(views.ReviewViewSet),
        name="child-reviews",
    ),
]
