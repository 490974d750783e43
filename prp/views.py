from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django_otp import user_has_device

from .admin_site import REFUSED
from .forms import SignInForm
from .security import two_factor
from .security.idle import idle_exempt
from .selectors import start_sections
from .statement import statement_html
from .waiting import waiting_for


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "prp/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        return context

    def form_valid(self, form):
        user = form.get_user()
        if not user_has_device(user):
            return super().form_valid(form)
        # The right password is half of it: the person is signed in once they enter a code.
        two_factor.pending_start(self.request, user)
        url = reverse("two_factor_verify")
        next_url = self.get_redirect_url()
        return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


@method_decorator([idle_exempt, two_factor.two_factor_not_required], name="dispatch")
class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have been signed out.")
        return response


@login_not_required
def admin_sign_in(request):
    """The admin's sign-in is the service's. Signed in already: the admin, or a 403 without
    admin rights (the sign-in page would send them back to the admin, and round again)."""
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            raise PermissionDenied(REFUSED)
        return redirect("admin:index")
    query = request.META.get("QUERY_STRING")
    return redirect(f"{reverse('login')}?{query}" if query else reverse("login"))


@require_GET
def home(request):
    """Each person's start: what they are likely to have come to do, by role."""
    context = {"sections": start_sections(request.user), "waiting": waiting_for(request.user)}
    return render(request, "prp/home.html", context)


@require_GET
@login_not_required
@two_factor.two_factor_not_required
def accessibility_statement(request):
    """Open to everyone, signed in or not, and before a two-factor code: someone who cannot
    get past signing in must still be able to read how to get help."""
    return render(request, "prp/accessibility.html", {"statement": statement_html()})
