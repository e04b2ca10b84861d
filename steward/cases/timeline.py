"""How timeline events read to staff, in their language.

This module imports nothing from the rest of the app (the models use it), so the stored codes'
labels are registered: the cases app's own from its `AppConfig.ready()`, apps above it (decisions:
outcomes) from theirs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Stored codes (statuses, sources, reasons, outcomes) and how they read.
_LABELS: dict[str, dict[str, StrOrPromise]] = {}


def register_labels(field: str, choices: Iterable[tuple[str, StrOrPromise]]) -> None:
    _LABELS.setdefault(field, {}).update(choices)


def label(field: str, value: object) -> str:
    """The human label of a stored code; an unknown code as it is (never an error on old data)."""
    if value is None:
        return ""
    found = _LABELS.get(field, {}).get(str(value))
    return str(found) if found is not None else str(value)


def staff_name(user: Any) -> str:
    """What reporters and colleagues see: a first name or role, never the full account."""
    return getattr(user, "first_name", "") or user.get_username()


def describe(kind: str, data: Mapping[str, Any]) -> str:
    texts = {
        "opened": _("Case opened from a report received by %(channel)s") % {"channel": data.get("channel", "")},
        "report_added": _("Report %(report)s added to this case") % {"report": data.get("report", "")},
        "triaged": _("Triaged as %(priority)s (proposed %(proposed)s)") % {
            "priority": data.get("priority", ""), "proposed": data.get("proposed", "")},
        "assigned": _("Assigned to %(assignee)s") % {"assignee": data.get("assignee", "")},
        "unassigned": _("Assignment removed"),
        "status": _("Status changed from “%(old)s” to “%(new)s”") % {
            "old": label("status", data.get("old")), "new": label("status", data.get("new"))},
        "note": _("Internal note added"),
        "titled": _("Title changed"),
        "untitled": _("Title removed"),
        "message_to_reporter": _("Message sent to the reporter"),
        "message_from_reporter": _("The reporter sent a message"),
        "evidence_added": _("The reporter added %(count)s file(s)") % {"count": data.get("count", 0)},
        "merged_in": _("Case %(source)s merged into this case") % {"source": data.get("source", "")},
        "merged_away": _("Merged into case %(target)s") % {"target": data.get("target", "")},
        "split_out": _("Report %(report)s moved to new case %(target)s") % {
            "report": data.get("report", ""), "target": data.get("target", "")},
        "split_from": _("Opened from report %(report)s split off case %(source)s") % {
            "report": data.get("report", ""), "source": data.get("source", "")},
        "party_added": _("%(role)s recorded") % {"role": data.get("role", "")},
        "safety_alert": _("Security notified of a possible safety threat"),
        "conflict": _("Conflict of interest recorded for %(staff)s (%(source)s)") % {
            "staff": data.get("staff", ""), "source": label("source", data.get("source"))},
        "possible_conflict": _("Possible conflict of interest noticed for %(staff)s (a reporter gave their email address)") % {
            "staff": data.get("staff", "")},
        "conflict_confirmed": _("Possible conflict of interest confirmed for %(staff)s") % {"staff": data.get("staff", "")},
        "conflict_dismissed": _("Possible conflict of interest dismissed for %(staff)s") % {"staff": data.get("staff", "")},
        "consultation_requested": _("%(kind)s consultation requested from %(consultant)s") % {
            "kind": data.get("about", ""), "consultant": data.get("consultant", "")},
        "consultation_answered": _("%(kind)s consultation answered") % {"kind": data.get("about", "")},
        "consultation_withdrawn": _("%(kind)s consultation with %(consultant)s withdrawn") % {
            "kind": data.get("about", ""), "consultant": data.get("consultant", "")},
        "consultation_override": _("Decision allowed without waiting for the %(kinds)s consultation") % {
            "kinds": ", ".join(label("consultation_kind", kind) for kind in data.get("kinds", []))},
        # A ladder level reads by the name it was decided with; other outcomes by their label.
        "decided": _("Decision recorded: %(outcome)s") % {
            "outcome": data.get("level_name") or label("outcome", data.get("outcome"))},
        "decision_messages": _("Decision messages written (%(count)s), sent through the outbox") % {
            "count": data.get("count", "")},
        "proposed": _("Decision proposed: %(outcome)s") % {
            "outcome": data.get("level_name") or label("outcome", data.get("outcome"))},
        "proposal_changed": _("Proposed decision changed: %(outcome)s") % {
            "outcome": data.get("level_name") or label("outcome", data.get("outcome"))},
        "proposal_withdrawn": _("Proposed decision withdrawn"),
        "proposal_approved": _("Proposed decision signed off"),
        "proposal_rejected": _("Proposed decision rejected (dissent recorded)"),
        "response_requested": _("The reported person was asked to respond"),
        "response_received": _("The reported person's response was recorded"),
        "reporters_told": _("The reporters were told the proposed outcome"),
        "reporter_feedback": (_("A reporter gave feedback on the proposed outcome: agrees") if data.get("agrees") is True
                              else _("A reporter gave feedback on the proposed outcome: disagrees")
                              if data.get("agrees") is False else _("A reporter gave feedback on the proposed outcome")),
        "appeal_filed": _("Decision appealed by the %(appellant)s") % {
            "appellant": label("appellant", data.get("appellant"))},
        "appeal_decided": _("Appeal decided: %(outcome)s") % {"outcome": label("appeal_outcome", data.get("outcome"))},
        "erased": _("Case erased (%(reason)s)") % {"reason": label("reason", data.get("reason"))},
        # Interim measures, the end of a ban and the return (steward/decisions/interim.py, returns.py).
        "interim_imposed": _("Interim measure imposed: %(restriction)s, until %(ends_on)s") % {
            "restriction": label("restriction", data.get("restriction")), "ends_on": data.get("ends_on", "")},
        "interim_ended": _("Interim measure ended: %(restriction)s (%(because)s)") % {
            "restriction": label("restriction", data.get("restriction")),
            "because": label("interim_ended", data.get("because"))},
        "return_invited": _("Invitation to onboarding sent to the person before the ban ends"),
        "onboarding_done": _("The person acknowledged the code of conduct, version %(version)s") % {
            "version": data.get("guidelines", "")},
        "ban_ended": _("Ban ended: %(level)s") % {"level": data.get("level_name", "")},
        "reinstated": _("The person was reinstated"),
        "check_in_done": _("Check-in after %(months)s month(s) recorded") % {"months": data.get("months", "")},
        "breach_recorded": _("Breach of the ban recorded; the case awaits a new decision (the ladder's next step: "
                             "%(leads_to)s)") % {"leads_to": data.get("leads_to") or "—"},
    }
    return texts.get(kind, kind.replace("_", " ").capitalize())
