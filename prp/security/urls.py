from django.urls import path

from . import idle, oidc, views

urlpatterns = [
    path("sign-in/code/", views.two_factor_verify, name="two_factor_verify"),
    path(
        "sign-in/council/",
        oidc.CouncilSignInStart.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "sign-in/council/callback/",
        oidc.CouncilSignInCallback.as_view(),
        name="oidc_authentication_callback",
    ),
    path("account/", views.account, name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/two-factor/set-up/", views.two_factor_set_up, name="two_factor_set_up"),
    path(
        "account/two-factor/backup-codes/",
        views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("account/two-factor/turn-off/", views.two_factor_turn_off, name="two_factor_turn_off"),
    path("session/", idle.session_status, name="session_status"),
    path("session/keep-alive/", idle.session_keep_alive, name="session_keep_alive"),
]
