from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors, services
from .forms import RegistrationForm
from .roles import Role


def home(request):
    return render(request, "portal/home.html")


@require_GET
@never_cache
def healthz(request):
    report = selectors.health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.citizen_register(
            name=form.cleaned_data["name"],
            mobile=form.cleaned_data["mobile"],
            id_number=form.cleaned_data["id_number"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.name})
        return redirect("home")
    return render(request, "registration/register.html", {"form": form})


@login_required
def profile(request):
    roles = [Role(name).label for name in sorted(request.user.roles) if name in Role.values]
    return render(request, "portal/profile.html", {"roles": roles})
