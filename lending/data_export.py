"""A reader's data export (``lending.services.personal_data.reader_data_export``) as a
JSON file and as a readable PDF (``library_site.printing.text_pdf``), both in the page's language."""

import contextlib
import datetime
import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from library_site.printing.text_pdf import TextPdf

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?$")


def reader_data_json(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def _labels() -> dict[str, str]:
    return {
        "reader": _("About you"),
        "memberships": _("Memberships"),
        "cards": _("Library cards"),
        "loans": _("Loans"),
        "holds": _("Holds"),
        "digital_loans": _("Digital loans"),
        "digital_holds": _("Digital holds"),
        "notices": _("Emails sent to you"),
        "erasure_requests": _("Erasure requests"),
        "course_enrolments": _("Courses joined"),
        "lesson_visits": _("Lessons opened"),
        "lesson_completions": _("Lessons completed"),
        "survey_responses": _("Survey answers (not anonymous)"),
        "consents": _("Consents given"),
        "learning_needs": _("Learning-needs survey"),
        # Field names
        "full_name": _("Full name"),
        "id": _("ID"),
        "id_issuer": _("ID issued by"),
        "date_of_birth": _("Date of birth"),
        "email": _("Email"),
        "phone": _("Phone"),
        "has_photo": _("Photo on file"),
        "has_account": _("Sign-in account"),
        "registered_at": _("Registered at"),
        "library": _("Library"),
        "category": _("Category"),
        "class": _("Class"),
        "school_year": _("School year"),
        "status": _("Status"),
        "since": _("Since"),
        "left_on": _("Left on"),
        "consent_given_at": _("Consent given at"),
        "consent_version": _("Consent text version"),
        "consent_given_by": _("Consent given by"),
        "number": _("Card number"),
        "serial": _("Serial"),
        "issued_at": _("Issued at"),
        "valid_until": _("Valid until"),
        "revoked_at": _("Revoked at"),
        "revoked_because": _("Revoked because"),
        "title": _("Title"),
        "barcode": _("Barcode"),
        "borrowed_at": _("Borrowed at"),
        "due_on": _("Due on"),
        "renewals": _("Renewals"),
        "returned_at": _("Returned at"),
        "ended_as": _("Ended as"),
        "returned_at_kiosk": _("Returned at kiosk"),
        "pickup_library": _("Pickup library"),
        "placed_at": _("Placed at"),
        "collect_by": _("Collect by"),
        "closed_at": _("Closed at"),
        "access_until": _("Access until"),
        "kind": _("Kind"),
        "sent_at": _("Sent at"),
        "requested_at": _("Requested at"),
        "reason": _("Reason"),
        "decided_at": _("Decided at"),
        "note": _("Note from the library"),
        "course": _("Course"),
        "centre": _("Centre"),
        "joined_at": _("Joined at"),
        "joined_through": _("Joined through"),
        "age_group": _("Age group"),
        "ward": _("Ward"),
        "completed_at": _("Completed at"),
        "lesson": _("Lesson"),
        "day": _("Day"),
        "times_opened": _("Times opened"),
        "phase": _("Phase"),
        "submitted_at": _("Submitted at"),
        "answers": _("Answers"),
        "question": _("Question"),
        "answer": _("Answer"),
        "purpose": _("Purpose"),
        "version": _("Version"),
        "language": _("Language"),
        "text": _("Text"),
        "given_at": _("Given at"),
    }


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and ISO_DATE.match(value):
        # Dates as people read them here: 02/09/2013, 01/09/2026 08:00.
        with contextlib.suppress(ValueError):
            if len(value) == 10:
                return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
            return datetime.datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value) or "—"
    return str(value)


def reader_data_pdf(data: dict) -> bytes:
    labels = _labels()
    pdf = TextPdf(title=_("Personal data held about %(name)s") % {"name": data["reader"]["full_name"]})
    pdf.text(_("Personal data held about %(name)s") % {"name": data["reader"]["full_name"]}, size=16, bold=True)
    pdf.text(
        _("Generated on %(date)s by the city's digital library system (Decree 13/2023/NĐ-CP).")
        % {"date": _value(data["generated_at"])},
        size=9,
    )
    for section, content in data.items():
        if section in {"format_version", "generated_at"}:
            continue
        pdf.space(8)
        pdf.text(labels.get(section, section), size=12.5, bold=True)
        rows = [content] if isinstance(content, dict) else content
        if not rows:
            pdf.text(_("Nothing recorded."), size=10, indent=10)
            continue
        for index, row in enumerate(rows):
            if index:
                pdf.space(4)
            for key, value in row.items():
                if key == "answers":
                    pdf.text(f"{labels['answers']}:", size=10, indent=10)
                    for answer in value:
                        pdf.text(f"{answer['question']}: {_value(answer['answer'])}", size=9.5, indent=22)
                    continue
                pdf.text(f"{capfirst(labels.get(key, key))}: {_value(value)}", size=10, indent=10)
    return pdf.render()
