from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("settings/", views.notification_settings, name="notification_settings"),
    path("mark-all-read/", views.notification_mark_all_read, name="notification_mark_all_read"),
    path("<int:pk>/", views.notification_detail, name="notification_detail"),
    path("notify/receipts/", views.notify_receipt, name="notify_receipt"),
    path("<int:pk>/open/", views.notification_open, name="notification_open"),
]
