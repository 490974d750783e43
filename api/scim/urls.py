"""Under /scim/v2/: the paths Entra ID calls, with or without a closing slash."""

from django.urls import re_path

from . import views

app_name = "scim"

urlpatterns = [
    re_path(r"^Users/?$", views.UsersView.as_view(), name="users"),
    re_path(r"^Users/(?P<pk>[0-9]{1,18})/?$", views.UserView.as_view(), name="user"),
    re_path(r"^Groups/?$", views.GroupsView.as_view(), name="groups"),
    re_path(r"^Groups/(?P<pk>[0-9]{1,18})/?$", views.GroupView.as_view(), name="group"),
    re_path(r"^ServiceProviderConfig/?$", views.ServiceProviderConfigView.as_view(), name="config"),
    re_path(r"^ResourceTypes/?$", views.ResourceTypesView.as_view(), name="types"),
    re_path(
        r"^ResourceTypes/(?P<name>[A-Za-z]+)/?$", views.ResourceTypesView.as_view(), name="type"
    ),
    re_path(r"^Schemas/?$", views.SchemasView.as_view(), name="schemas"),
    re_path(r"^Schemas/(?P<urn>[A-Za-z0-9:.]+)/?$", views.SchemasView.as_view(), name="schema"),
]
