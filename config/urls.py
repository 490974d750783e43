from django.contrib import admin
from django.urls import include, path

from api import schema as api_schema
from notifications import health as health_views
from prp import views as prp_views

admin.site.site_header = "Administration"
admin.site.site_title = "Administration"

urlpatterns = [
    path("", prp_views.home, name="home"),
    path("sign-in/", prp_views.SignInView.as_view(), name="login"),
    path("sign-out/", prp_views.SignOutView.as_view(), name="logout"),
    # The code step of signing in, single sign-on, your account, the session's keep-alive.
    path("", include("prp.security.urls")),
    path("health/", health_views.health, name="health"),
    path("accessibility/", prp_views.accessibility_statement, name="accessibility"),
    path("children/", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    path("qapr/", include("qapr.urls")),
    path("reports/", include("dashboards.report_urls")),
    path("dashboard/", include("dashboards.urls")),
    path("imports/", include("imports.urls")),
    path("api/v1/", include("api.urls")),
    path("api/schema/", api_schema.SchemaView.as_view(), name="api_schema"),
    path("api/docs/", api_schema.docs, name="api_docs"),
    # Staff accounts provisioned by the council's directory (Entra ID), as SCIM 2.0.
    path("scim/v2/", include("api.scim.urls")),
    path("", include("escalations.urls")),
    # One sign-in page for everyone, the admin included; signed in without admin rights: 403.
    path("admin/login/", prp_views.admin_sign_in),
    path("admin/", admin.site.urls),
]

handler400 = "prp.errors.bad_request"
handler403 = "prp.errors.permission_denied"
handler404 = "prp.errors.page_not_found"
handler500 = "prp.errors.server_error"
