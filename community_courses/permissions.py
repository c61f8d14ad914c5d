"""Who may do what with courses in the admin.

Course and lesson pages follow each centre's page permissions (its staff group edits
its own portal subtree). Survey templates are read by every centre's staff (they are
questionnaires, not personal data) and changed only by the centre that owns them;
shared templates (no centre) only by city administrators. Practice sessions, enrolments
and every report are scoped to the user's own centres."""

from catalog.permissions import LibraryOwnedPermissionPolicy

STAFF_PERMISSIONS = [
    ("community_courses", "add_surveytemplate"),
    ("community_courses", "change_surveytemplate"),
    ("community_courses", "view_surveytemplate"),
    ("community_courses", "add_practicesession"),
    ("community_courses", "change_practicesession"),
    ("community_courses", "delete_practicesession"),
    ("community_courses", "view_practicesession"),
    # Reading the participation and survey reports and the learning-needs report.
    ("community_courses", "view_enrolment"),
    ("community_courses", "view_learningneed"),
]


def survey_template_policy(model):
    return LibraryOwnedPermissionPolicy(model)


def practice_session_policy(model):
    return LibraryOwnedPermissionPolicy(model, read_scoped=True)


def user_may_read_reports(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_perm("community_courses.view_enrolment"))
