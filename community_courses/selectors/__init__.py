"""Reads of the courses app: ``participation`` (counts and completion, never names),
``survey_results`` (before/after statistics with small-group suppression) and
``needs`` (the learning-needs demand report)."""
