from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_start, name="import_start"),
    path("confirm/", views.import_confirm, name="import_confirm"),
    path("template/", views.template_download, name="template_download"),
]
