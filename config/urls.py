from django.contrib import admin
from django.urls import include, path

from prp import views as prp_views

admin.site.site_header = "Administration"
admin.site.site_title = "Administration"

urlpatterns = [
    path("", prp_views.home, name="home"),
    path("sign-in/", prp_views.SignInView.as_view(), name="login"),
    path("sign-out/", prp_views.SignOutView.as_view(), name="logout"),
    path("children/", include("cases.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "prp.errors.bad_request"
handler403 = "prp.errors.permission_denied"
handler404 = "prp.errors.page_not_found"
handler500 = "prp.errors.server_error"
