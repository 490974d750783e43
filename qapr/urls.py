from django.urls import path

from . import views

app_name = "qapr"

urlpatterns = [
    path("", views.qapr_due, name="qapr_due"),
    path("start/<int:child_pk>/", views.qapr_start, name="qapr_start"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/<int:pk>/done/", views.recommendation_done, name="recommendation_done"),
    path("<int:pk>/", views.qapr_detail, name="qapr_detail"),
    path("<int:pk>/edit/", views.qapr_edit, name="qapr_edit"),
    path("<int:pk>/concern/", views.qapr_concern, name="qapr_concern"),
    path("<int:pk>/recommendations/add/", views.recommendation_add, name="recommendation_add"),
    path("<int:pk>/finalise/", views.qapr_finalise, name="qapr_finalise"),
    path("<int:pk>/reopen/", views.qapr_reopen, name="qapr_reopen"),
]
