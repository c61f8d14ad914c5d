"""Writes of the courses app, keyword-only: ``enrolment`` (joining, lesson visits and
completions), ``surveys`` (before/after sheets, learning needs) and ``practice``
(practice-session registrations under a row lock)."""
