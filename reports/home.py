"""The librarian's admin home ("their day"): the panels ``construct_homepage_panels``
adds to the Wagtail dashboard for a member of a library's staff — one panel per library
they work for (loans due today and overdue, holds to fetch, hold-shelf items about to
expire, imports and card batches running) and the next quarterly report deadline.
Superusers and users outside every staff group get none of them."""

from django.utils import timezone

from wagtail.admin.ui.components import Component

from .periods import report_deadline_next
from .selectors.home import home_libraries, librarian_day


class LibrarianDayPanel(Component):
    name = "librarian_day"
    template_name = "reports/home/librarian_day.html"
    order = 50

    def __init__(self, *, library, several: bool):
        self.library = library
        self.several = several

    class Media:
        css = {"all": ["reports/home/home.css"]}

    def get_context_data(self, parent_context):
        today = timezone.localdate()
        return {"day": librarian_day(library=self.library, today=today), "several": self.several}


class ReportDeadlinePanel(Component):
    name = "report_deadline"
    template_name = "reports/home/report_deadline.html"
    order = 40

    class Media:
        css = {"all": ["reports/home/home.css"]}

    def get_context_data(self, parent_context):
        return {"deadline": report_deadline_next(timezone.now())}


def librarian_home_panels(user) -> list[Component]:
    """The panels of ``user``'s home: none unless they work at a library (one query)."""
    libraries = list(home_libraries(user=user))
    if not libraries or not user.has_perm("lending.view_loan"):
        return []
    several = len(libraries) > 1
    return [ReportDeadlinePanel(), *(LibrarianDayPanel(library=library, several=several) for library in libraries)]
