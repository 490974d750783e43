from django.urls import path

from .views import concern, lists, notes, outcome, tasks

app_name = "escalations"

urlpatterns = [
    # Lists
    path("concerns/", lists.concern_list, name="concern_list"),
    path("concerns/clinic/", lists.weekly_clinic, name="weekly_clinic"),
    # Raising a concern (a draft built section by section, then raised)
    path("concerns/new/", concern.concern_start, name="concern_start"),
    path("concerns/<int:pk>/", concern.concern_detail, name="concern_detail"),
    path("concerns/<int:pk>/edit/", concern.concern_edit, name="concern_edit"),
    path("concerns/<int:pk>/audit/", concern.concern_audit, name="concern_audit"),
    path("concerns/<int:pk>/sub-concerns/add/", concern.sub_concern_add, name="sub_concern_add"),
    path(
        "concerns/<int:pk>/sub-concerns/<int:sub_pk>/remove/",
        concern.sub_concern_remove,
        name="sub_concern_remove",
    ),
    path("concerns/<int:pk>/discussions/add/", concern.discussion_add, name="discussion_add"),
    path("concerns/<int:pk>/actions/add/", concern.action_add, name="action_add"),
    path(
        "concerns/<int:pk>/actions/<int:action_pk>/change/",
        concern.action_edit,
        name="action_edit",
    ),
    path(
        "concerns/<int:pk>/actions/<int:action_pk>/remove/",
        concern.action_remove,
        name="action_remove",
    ),
    path(
        "concerns/<int:pk>/actions/<int:action_pk>/done/",
        concern.action_done,
        name="action_done",
    ),
    path("concerns/<int:pk>/attachments/add/", concern.attachment_add, name="attachment_add"),
    path(
        "concerns/<int:pk>/attachments/<int:attachment_pk>/",
        concern.attachment_download,
        name="attachment_download",
    ),
    path(
        "concerns/<int:pk>/attachments/<int:attachment_pk>/remove/",
        concern.attachment_remove,
        name="attachment_remove",
    ),
    path("concerns/<int:pk>/raise/", concern.concern_raise, name="concern_raise"),
    path("concerns/<int:pk>/raise/check/", concern.concern_raise_check, name="concern_raise_check"),
    path(
        "concerns/<int:pk>/safeguarding-contact/",
        concern.safeguarding_contact,
        name="safeguarding_contact",
    ),
    path("concerns/<int:pk>/withdraw/", concern.draft_withdraw, name="draft_withdraw"),
    # The raiser's decisions
    path("concerns/<int:pk>/outcome/", outcome.outcome_record, name="outcome_record"),
    path("concerns/<int:pk>/close-referral/", outcome.referral_close, name="referral_close"),
    path(
        "concerns/<int:pk>/stages/<int:stage_pk>/redelegate/",
        outcome.stage_redelegate,
        name="stage_redelegate",
    ),
    # Delegated tasks
    path("tasks/", tasks.task_inbox, name="task_inbox"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/retract/", outcome.task_retract, name="task_retract"),
    path("tasks/<int:pk>/reactivate/", outcome.task_reactivate, name="task_reactivate"),
    path("tasks/<int:pk>/pass-on/", outcome.task_pass_on, name="task_pass_on"),
    path("tasks/<int:pk>/take-back/", outcome.task_take_back, name="task_take_back"),
    # Notes
    path("good-practice/", notes.good_practice_list, name="good_practice_list"),
    path("good-practice/new/", notes.good_practice_new, name="good_practice_new"),
    path(
        "children/<int:child_pk>/agency-notes/new/",
        notes.agency_note_new,
        name="agency_note_new",
    ),
]
