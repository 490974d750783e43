from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from cases import downloads
from escalations import selectors as concern_selectors
from escalations.rules import may_start_concern
from prp import audit
from prp.exports import download_document, wanted_format

from . import audit_page, selectors
from .forms import ChildSearchForm

PAGE_SIZE = 25


@require_GET
def child_list(request):
    form = ChildSearchForm(request.GET or None, user=request.user)
    search, mine_only = form.cleaned_search()
    children = selectors.child_list(request.user, search=search, mine_only=mine_only)
    if fmt := wanted_format(request):
        return downloads.children(request, children, fmt=fmt)
    paginator = Paginator(children, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "search": search,
        "mine_only": mine_only,
        "today": timezone.localdate(),
    }
    return render(request, "cases/child_list.html", context)


@require_GET
def child_detail(request, pk: int):
    child = selectors.child_get(request.user, pk)
    audit.record_view(request, child)
    context = {
        "child": child,
        "age": child.age_on(timezone.localdate()),
        "siblings": selectors.sibling_list(request.user, child),
        "concerns": concern_selectors.concerns_about_child(request.user, child),
        "agency_notes": selectors.agency_notes_for_child(child),
        "may_raise": may_start_concern(request.user),
        "open_changes": selectors.open_change_count(child),
        "today": timezone.localdate(),
        "may_see_audit": audit.may_see_child_audit(request.user, child),
    }
    return render(request, "cases/child_detail.html", context)


@require_GET
def child_audit(request, pk: int):
    """Who has viewed or changed the child's record: 404 for anyone who cannot see the child,
    403 for those who can but may not see the trail."""
    child = selectors.child_get(request.user, pk)
    if not audit.may_see_child_audit(request.user, child):
        raise PermissionDenied("You cannot see who has viewed this record.")
    audit.record_view(request, child)
    context = {
        "subject": child.full_name,
        "back_url": reverse("cases:child_detail", args=[child.pk]),
        "back_text": f"Back to {child.full_name}",
        "scope": "the child's record, reviews, QAPRs and the concerns about them you can see",
        **audit.page_context(request, audit_page.child_audit_entries(request.user, child)),
    }
    return render(request, "prp/record_audit.html", context)


def _date_param(value: str | None):
    """A yyyy-mm-dd date from the query, or None: a bad date is ignored, never a 500."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _period(start, end) -> str:
    """The dates a chronology covers, in words: "1 January 2026 to 31 March 2026"."""
    from django.utils.dateformat import format as date_format

    def day(value):
        return date_format(value, "j F Y")

    if start and end:
        return f"{day(start)} to {day(end)}"
    if start:
        return f"From {day(start)}"
    if end:
        return f"Up to {day(end)}"
    return "Everything recorded"


@require_GET
def child_chronology(request, pk: int):
    """The chronology page, and the same as a PDF (?format=pdf) for a court bundle or an
    inspection: the same filters, and staff by name or by role (?staff=role)."""
    from . import chronology

    # child_get is the visibility rule: a restricted child is a 404 for anyone not named.
    child = selectors.child_get(request.user, pk)
    audit.record_view(request, child)
    start = _date_param(request.GET.get("from"))
    end = _date_param(request.GET.get("to"))
    kinds = [k for k in request.GET.getlist("kind") if k in chronology.KINDS]
    staff = request.GET.get("staff")
    staff = staff if staff in chronology.STAFF_BY else "name"
    entries = chronology.chronology(request.user, child, start, end, kinds)
    lines = chronology.shown(entries, by_role=staff == "role")
    context = {
        "child": child,
        "lines": lines,
        "kinds": chronology.KINDS.items(),
        "chosen": kinds,
        "start": start,
        "end": end,
        "staff": staff,
        "staff_by": chronology.STAFF_BY.items(),
    }
    if request.GET.get("format") == "pdf":
        return _chronology_pdf(request, context)
    query = request.GET.copy()
    query["format"] = "pdf"
    context["pdf_query"] = query.urlencode()
    return render(request, "cases/child_chronology.html", context)


def _chronology_pdf(request, context):
    # Imported here: WeasyPrint loads Pango at import, which only a PDF download needs.
    from prp.pdf import render_pdf

    from . import chronology

    child = context["child"]
    by_role = context["staff"] == "role"
    producer = chronology.staff_label(request.user, by_role=by_role)
    title = f"Chronology for {child.full_name} ({child.reference})"
    kinds = dict(chronology.KINDS)
    context |= {
        "title": title,
        "authority_name": settings.AUTHORITY_NAME,
        "period": _period(context["start"], context["end"]),
        "kinds_shown": [kinds[k] for k in context["chosen"]] or ["Every kind"],
        "produced_by": producer,
        "produced_at": timezone.localtime(),
    }
    content = render_pdf("cases/child_chronology_pdf.html", context)
    name = slugify(child.reference) or child.pk
    return download_document(
        request,
        content,
        filename=f"chronology-{name}-{timezone.localdate():%Y-%m-%d}",
        fmt="pdf",
        title=title,
        rows=len(context["lines"]),
    )
