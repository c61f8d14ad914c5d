"""Admin forms for records and copies: the owning library is limited to the libraries
the signed-in librarian works for (superusers choose any)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm

from catalog.isbn import isbn_normalise
from catalog.models import LessonUnit
from catalog.services.lessons import record_lessons_set
from library_site.libraries.forms import library_field_for_user


class LibraryOwnedAdminForm(WagtailAdminModelForm):
    library_field = "library"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.library_field)
        if field is not None and self.for_user is not None:
            library_field_for_user(field, user=self.for_user)


class RecordAdminForm(LibraryOwnedAdminForm):
    # Wider than the stored 13 digits: librarians type ISBN-10s and hyphens.
    isbn = forms.CharField(
        label=_("ISBN"),
        required=False,
        max_length=24,
        help_text=_("ISBN-10 or ISBN-13, with or without hyphens; stored as ISBN-13."),
    )

    def clean_isbn(self):
        value = self.cleaned_data.get("isbn", "").strip()
        return isbn_normalise(value) if value else ""

    # The reverse side of ``LessonUnit.records``: a form-only field (``record.lessons`` is
    # not a field of Record), saved by ``catalog.services.lessons.record_lessons_set``.
    lesson_units = forms.ModelMultipleChoiceField(
        label=_("Lessons"),
        queryset=LessonUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 14}),
        help_text=_(
            "The curriculum lessons this record serves (they count towards the digital-coverage index). "
            "Lessons of the record's subjects and grades come first. Hold Ctrl (⌘ on a Mac) to choose several; "
            "every lesson chosen here stays linked, whoever linked it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("lesson_units")
        if field is None:
            return
        field.queryset = LessonUnit.objects.select_related("subject", "grade")
        record = self.instance
        current: list[int] = []
        subject_ids: set[int] = set()
        grade_ids: set[int] = set()
        if record.pk:
            current = list(record.lessons.values_list("pk", flat=True))
            subject_ids = {subject.pk for subject in record.subjects.all()}
            grade_ids = {grade.pk for grade in record.grades.all()}
            self.initial.setdefault("lesson_units", current)
        field.widget.choices = lesson_choices(
            lessons=field.queryset, subject_ids=subject_ids, grade_ids=grade_ids, current=set(current)
        )

    def save(self, commit=True):
        record = super().save(commit=commit)
        if "lesson_units" in self.cleaned_data:
            lessons = self.cleaned_data["lesson_units"]
            if commit:
                record_lessons_set(record=record, lessons=lessons)
            else:
                save_m2m = self.save_m2m

                def save_m2m_and_lessons():
                    save_m2m()
                    record_lessons_set(record=record, lessons=lessons)

                self.save_m2m = save_m2m_and_lessons
        return record


def lesson_choices(*, lessons, subject_ids: set[int], grade_ids: set[int], current: set[int]) -> list:
    """Lessons grouped per subject and grade (``<optgroup>``), in curriculum order; the
    groups of the record's subjects × grades and those holding a linked lesson first."""
    groups: dict[tuple[int, int], tuple[str, list]] = {}
    for lesson in lessons:
        key = (lesson.subject_id, lesson.grade_id)
        if key not in groups:
            groups[key] = (f"{lesson.subject.name} · {lesson.grade.name}", [])
        label = _("%(code)s · Lesson %(number)d. %(title)s") % {
            "code": lesson.code,
            "number": lesson.number,
            "title": lesson.title,
        }
        groups[key][1].append((lesson.pk, label))

    def first(key) -> bool:
        subject_id, grade_id = key
        mine = subject_id in subject_ids and (not grade_ids or grade_id in grade_ids)
        return mine or any(pk in current for pk, _label in groups[key][1])

    keys = [key for key in groups if first(key)] + [key for key in groups if not first(key)]
    return [groups[key] for key in keys]
