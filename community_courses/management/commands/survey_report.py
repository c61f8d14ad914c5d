"""Print or write a course's before/after survey results (the same figures as the admin
results page, with the same small-group suppression)."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from community_courses.exporting import survey_results_json, survey_results_tables, tables_csv, tables_xlsx
from community_courses.models import CoursePage
from community_courses.selectors.survey_results import survey_results


class Command(BaseCommand):
    help = "Survey results of one course: survey_report --course SLUG --format json|csv|xlsx [--out PATH]"

    def add_arguments(self, parser):
        parser.add_argument("--course", required=True, help="The course page's slug (or its page id).")
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("--out", help="File to write; default: standard output (not for xlsx).")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="Language of the headings (vi, en).")

    def handle(self, *args, course, format, out, language, **options):
        courses = CoursePage.objects.filter(slug=course)
        if course.isdigit():
            courses = CoursePage.objects.filter(pk=int(course)) | courses
        matches = list(courses[:3])
        if not matches:
            raise CommandError(f"No course with the slug or id {course!r}.")
        if len(matches) > 1:
            listing = ", ".join(f"{page.pk} ({page.get_parent().get_parent().title})" for page in matches)
            raise CommandError(f"Several courses are called {course!r}; give the page id instead: {listing}.")
        if format == "xlsx" and not out:
            raise CommandError("XLSX is a binary file: give --out PATH.")
        with translation.override(language):
            results = survey_results(course=matches[0])
            if format == "json":
                content = json.dumps(survey_results_json(results), ensure_ascii=False, indent=2) + "\n"
            elif format == "csv":
                content = tables_csv(survey_results_tables(results))
            else:
                content = tables_xlsx(survey_results_tables(results))
        if out:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(out, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as handle:
                handle.write(content)
            self.stderr.write(f"Wrote {out}")
        else:
            self.stdout.write(content, ending="")
