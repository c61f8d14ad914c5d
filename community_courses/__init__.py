"""Online courses at community learning centres: course and lesson pages in each
centre's portal (lessons from catalog materials), enrolment, participation counts and
completion, the public learning-needs survey, before/after satisfaction surveys paired
per participant, practice sessions at partner centres, and the kiosk page. See
``models`` for the data and ``services``/``selectors`` for the rules."""
