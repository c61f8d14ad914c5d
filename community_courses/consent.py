"""The consent texts residents agree to (Decree 13/2023/NĐ-CP). Each purpose has a
version; a change of wording is a new version, and every ``ConsentRecord`` keeps the text
exactly as it was shown (in the language of the page), so what someone agreed to can
always be read back."""

from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.TextChoices):
    """What a consent is given for (``ConsentRecord.purpose``)."""

    ENROLMENT = "enrolment", _("Joining a course")
    LEARNING_NEEDS = "learning_needs", _("Learning-needs survey")


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    version: str
    text: str
    language: str


_TEXTS = {
    ConsentPurpose.ENROLMENT: (
        "2026-1",
        _(
            "I agree that the centre keeps my name, card ID, age group and ward, and my progress and answers "
            "in this course, to run the course and count participation (Decree 13/2023/NĐ-CP). The data is "
            "used only by the centre and the education authorities, never sold or published with my name. "
            "I can download it or ask for it to be erased from my account at any time."
        ),
    ),
    ConsentPurpose.LEARNING_NEEDS: (
        "2026-1",
        _(
            "I agree that the centre keeps my answers, age group and ward, without my name, to plan courses "
            "(Decree 13/2023/NĐ-CP). Results are only shown for groups of several people."
        ),
    ),
}


def consent_text(purpose: str) -> ConsentText:
    """The current consent text of ``purpose``, in the active language."""
    version, text = _TEXTS[purpose]
    return ConsentText(purpose=purpose, version=version, text=str(text), language=translation.get_language() or "")
