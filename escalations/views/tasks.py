"""My tasks: the stages delegated to me, and the page where I answer one."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from escalations import downloads, rules, selectors, services
from escalations.forms.tasks import TaskFilterForm, TaskResponseForm
from escalations.models import Task, TaskState
from escalations.services import TASK_END_REASONS
from prp import audit
from prp.exports import wanted_format
from prp.forms import call_service

PAGE_SIZE = 25


@require_GET
def task_inbox(request):
    form = TaskFilterForm(request.GET or None)
    include_done = form.include_done()
    tasks = selectors.task_inbox(request.user, include_done=include_done, due=form.due_choice())
    if fmt := wanted_format(request):
        return downloads.tasks(request, tasks, fmt=fmt)
    paginator = Paginator(tasks, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "include_done": include_done,
        "due_label": form.due_label(),
        **due_context(),
    }
    return render(request, "escalations/task_inbox.html", context)


@require_http_methods(["GET", "POST"])
def task_detail(request, pk: int):
    task = selectors.task_get(request.user, pk)
    form = None
    if request.method == "GET":
        audit.record_view(request, task)
    if request.method == "POST":
        if task.assignee_id != request.user.pk:
            raise PermissionDenied("Only the person this is delegated to can respond.")
        sending = "save_draft" not in request.POST
        form = TaskResponseForm(request.POST, task=task, sending=sending)
        service = services.task_respond if sending else services.task_save_draft
        if form.is_valid() and call_service(
            form, service, task=task, by=request.user, **form.service_kwargs()
        ):
            if not sending:
                messages.success(request, "Draft saved. It has not been sent.")
                return redirect("escalations:task_detail", pk=task.pk)
            messages.success(request, f"Response sent to {task.stage.concern.raised_by}")
            return redirect("escalations:task_inbox")
    elif rules.may_respond(request.user, task):
        form = TaskResponseForm(task=task)
    return render(request, "escalations/task_detail.html", _detail_context(request, task, form))


# Helpers shared with the raiser's pages --------------------------------------------------------


def due_context() -> dict:
    """What the status tag compares due dates with."""
    today = rules.today()
    return {"today": today, "tomorrow": today + dt.timedelta(days=1)}


def label_retractions(tasks) -> None:
    """Give each retracted task the words for its reason, for the templates."""
    for task in tasks:
        task.retract_reason_label = TASK_END_REASONS.get(task.retract_reason, task.retract_reason)


def _detail_context(request, task: Task, form: TaskResponseForm | None) -> dict:
    selectors.load_concern_for_task(task)
    concern = task.stage.concern
    stages = list(concern.stages.all())
    earlier = []
    for stage in stages:
        if stage.pk == task.stage_id:
            break
        earlier.append(stage)
    this_stage = next((stage for stage in stages if stage.pk == task.stage_id), task.stage)
    answered = any(t.state == TaskState.RESPONDED for t in this_stage.tasks.all())
    label_retractions([task])
    for stage in earlier:
        label_retractions(stage.tasks.all())
    today = rules.today()
    children = [(link, link.child.age_on(today)) for link in concern.concern_children.all()]
    return {
        "task": task,
        "stage": task.stage,
        "concern": concern,
        "children": children,
        "earlier_stages": earlier,
        "form": form,
        "can_respond": form is not None and rules.may_respond(request.user, task),
        **rules.task_page_flags(request.user, task, answered=answered),
        **due_context(),
    }
