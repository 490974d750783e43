"""The administrators' import page: choose the kind, upload, see the preview, confirm."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prp.exports import FORMATS, download

from . import services
from .forms import ConfirmImportForm, ImportForm
from .kinds import all_kinds
from .models import ImportRun
from .summary import summary_lines


def _administrators_only(request) -> None:
    if not request.user.is_administrator:
        raise PermissionDenied("Only administrators can import records.")


def _page(request, form, **extra):
    context = {
        "form": form,
        "kinds": all_kinds().values(),
        "runs": ImportRun.objects.select_related("started_by")[:10],
        **extra,
    }
    return render(request, "imports/import_start.html", context)


@require_http_methods(["GET", "POST"])
def import_start(request):
    _administrators_only(request)
    if request.method != "POST":
        return _page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form)
    uploads = [services.Upload(f.name, f.read()) for f in form.cleaned_data["files"]]
    run, plan = services.import_preview(
        kind=form.cleaned_data["kind"], uploads=uploads, by=request.user
    )
    context = {
        "run": run,
        "plan": plan,
        "kind": all_kinds()[run.kind],
        "confirm": plan.ok,
    }
    return render(request, "imports/import_preview.html", context)


@require_POST
def import_confirm(request):
    _administrators_only(request)
    form = ConfirmImportForm(request.POST)
    if not form.is_valid():
        raise Http404
    run = get_object_or_404(ImportRun, pk=form.cleaned_data["run"], started_by=request.user)
    try:
        if services.runs_in_background(run):
            services.import_confirm_later(run=run, by=request.user)
            return redirect("imports:import_progress", run.pk)
        plan = services.import_confirm(run=run, by=request.user)
    except services.ImportRefused as refused:
        messages.error(request, str(refused))
        return redirect("imports:import_start")
    lines = summary_lines(plan, confirmed=plan.ok)
    if plan.ok:
        messages.success(request, f"Import done: {lines[0]}.")
    else:
        messages.error(
            request,
            "Nothing was imported: the records changed since the check. " + " ".join(lines[2:5]),
        )
    return redirect("imports:import_start")


@require_GET
def template_download(request):
    """An empty template for a kind (its column names; the page has the guide), CSV or Excel."""
    _administrators_only(request)
    kind = all_kinds().get(request.GET.get("kind", ""))
    fmt = request.GET.get("format", "csv")
    if kind is None or fmt not in FORMATS:
        raise Http404
    if kind.files or kind.xml:
        raise Http404  # a return comes from the case-management system, not a template
    headers = [c.name for c in kind.columns]
    return download(
        request, headers, [], filename=f"{kind.code}-template", fmt=fmt, title=kind.label
    )


@require_GET
def import_progress(request, pk: int):
    """A background import's page: it reloads itself (no JavaScript) until the run is done."""
    _administrators_only(request)
    run = get_object_or_404(ImportRun, pk=pk, started_by=request.user)
    context = {
        "run": run,
        "running": run.status == ImportRun.Status.RUNNING,
        "problems": run.errors,
    }
    return render(request, "imports/import_progress.html", context)
