"""The officer's admin home panel: the totals of their area (every library for a
superuser) for the current quarter, with a link to the overview /admin/reports/libraries/.
Shown to education officers and superusers only; library staff keep their own panels."""

from wagtail.admin.ui.components import Component

from .selectors.officer import officer_overview
from .views.figures import quarter_dates
from .views.officer import current_quarter, overview_libraries, user_may_see_overview


class OfficerAreaPanel(Component):
    name = "officer_area"
    template_name = "reports/officer/home_panel.html"
    order = 45

    def __init__(self, *, user):
        self.user = user

    class Media:
        css = {"all": ["reports/officer/officer.css"]}

    def get_context_data(self, parent_context):
        year, quarter = current_quarter()
        start, end = quarter_dates(year, quarter)
        overview = officer_overview(
            libraries=overview_libraries(self.user).order_by("name", "pk"), start=start, end=end
        )
        return {"total": overview.total, "quarter": f"{year}Q{quarter}", "overview": overview}


def officer_home_panels(user) -> list[Component]:
    return [OfficerAreaPanel(user=user)] if user_may_see_overview(user) else []
