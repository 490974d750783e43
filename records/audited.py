"""The registry of audited models: every change to the models that hold case data, and to the
configuration that decides deadlines and who sees what, is recorded (prp.audit is the
mechanism; this floor knows the models of every app, so the list lives here)."""

from __future__ import annotations

from cases import models as cases
from escalations import models as escalations
from prp import models as prp
from prp.audit import NOISE, register, register_two_factor
from qapr import models as qapr


def register_models() -> None:
    """Record every change to the models that hold case data, and to the configuration that
    decides deadlines and who sees what."""
    for model in (
        cases.Allocation,
        cases.KeyDate,
        cases.Review,
        cases.ReviewStep,
        cases.PlannedReview,
        cases.PlannedStep,
        cases.SignificantChange,
        cases.ReviewRule,
        escalations.Concern,
        escalations.ConcernChild,
        escalations.SubConcern,
        escalations.Discussion,
        escalations.Attachment,
        escalations.Stage,
        escalations.StageCopy,
        escalations.ExternalAgencyNote,
        escalations.SafeguardingContact,
        qapr.Qapr,
        qapr.Recommendation,
        prp.Team,
        prp.OrgUnit,
        prp.Post,
        prp.ClosureDay,
        prp.ProtocolCategory,
        prp.ResponseOption,
    ):
        register(model)
    # The chase scans' bookmarks (the day a reminder last went) are not changes anyone made:
    # the reminders themselves are in the outbox, and the scans stamp thousands of rows at once.
    register(escalations.Task, leave_out={*NOISE, "last_chased_on"})
    register(escalations.Action, leave_out={*NOISE, "overdue_notified_on"})
    register(cases.Child, m2m={"named_users"})
    register(prp.Protocol, m2m={"cafcass_told_roles"})
    register(escalations.GoodPracticeNote, m2m={"copied_to"})
    register(prp.ProtocolStage, m2m={"raised_by", "copy_to", "may_pass_to"})
    # Never the password hash; the last sign-in changes at every sign-in and is not a change
    # anyone made to the account.
    register(
        prp.User,
        leave_out={"password", "last_login"},
        m2m={"roles", "groups", "user_permissions"},
    )
    register_two_factor()
