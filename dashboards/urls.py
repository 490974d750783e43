from django.urls import path

from . import list_views, views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("list/", list_views.figure_list, name="figure_list"),
]
