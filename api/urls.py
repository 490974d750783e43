from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("children", views.ChildViewSet, basename="child")
router.register("concerns", views.ConcernViewSet, basename="concern")

urlpatterns = router.urls
