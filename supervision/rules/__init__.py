"""The evaluators of the monitoring rules: one per kind, each a set-based query (DESIGN.md §5).

An evaluator takes (rule, at, calendar) and returns a queryset of *findings* as of ``at``:
rows with ``finding_subject``, ``finding_level``, ``finding_department``, ``finding_case`` and
``finding_detail`` (or, for a rule with a handful of subjects, the holiday calendar's years, a
list of ``Finding``). The sweep (supervision.services.sweep) turns findings into alerts without
looping over cases. A rule whose evaluator is REPORTED gets its findings from the app that
watches the subject (video for cameras, the exchange for packets) through ``rule_sync``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ..constants import Subject
from . import calendar, cases, penalties, people

REPORTED = "reported"


@dataclass(frozen=True)
class Evaluator:
    function: Callable
    subject: str
    # A condition that can stop holding (a late case concluded): its alert closes by itself.
    # Events (a refusal, a return) never clear: an inspector closes their alerts.
    clears: bool


EVALUATORS = {
    "case_deadline": Evaluator(cases.case_deadline, Subject.CASE, clears=True),
    "step_deadline": Evaluator(cases.step_deadline, Subject.CASE, clears=True),
    "intake_response": Evaluator(cases.intake_response, Subject.CASE, clears=True),
    "returns": Evaluator(cases.returns, Subject.CASE, clears=False),
    "refusals": Evaluator(cases.refusals, Subject.CASE, clears=False),
    "supplements": Evaluator(cases.supplements, Subject.CASE, clears=False),
    "suspensions": Evaluator(cases.suspensions, Subject.CASE, clears=True),
    "fees": Evaluator(cases.fees, Subject.CASE, clears=False),
    "penalty_filing": Evaluator(penalties.penalty_filing, Subject.PENALTY_CASE, clears=False),
    "penalty_amount": Evaluator(penalties.penalty_amount, Subject.PENALTY_CASE, clears=False),
    "penalty_deadline": Evaluator(penalties.penalty_deadline, Subject.PENALTY_CASE, clears=True),
    "complaints": Evaluator(people.complaints, Subject.COMPLAINT, clears=True),
    "ratings": Evaluator(people.ratings, Subject.RATING, clears=True),
    "holiday_calendar": Evaluator(calendar.holiday_calendar, Subject.CALENDAR, clears=True),
}
