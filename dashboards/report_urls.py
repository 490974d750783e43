from django.urls import path

from . import report_views

app_name = "reports"

urlpatterns = [
    path("themes/", report_views.themes, name="themes"),
    path("clinic-pack/", report_views.clinic_pack, name="clinic_pack"),
    path("annual/", report_views.annual, name="annual"),
]
