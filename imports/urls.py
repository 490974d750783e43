from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_start, name="import_start"),
    path("confirm/", views.import_confirm, name="import_confirm"),
    path("runs/<int:pk>/", views.import_progress, name="import_progress"),
    path("template/", views.template_download, name="template_download"),
]
