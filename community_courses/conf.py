"""Settings of the courses app, with their defaults.

``SURVEY_MIN_GROUP_SIZE`` (default 5): survey results, free-text answers and
demographic rows of the participation report covering fewer people than this are not
shown, so no one's answers can be singled out."""

from django.conf import settings

DEFAULT_SURVEY_MIN_GROUP_SIZE = 5


def survey_min_group_size() -> int:
    return max(1, int(getattr(settings, "SURVEY_MIN_GROUP_SIZE", DEFAULT_SURVEY_MIN_GROUP_SIZE)))
