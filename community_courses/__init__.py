"""Online courses at community learning centres: lessons from catalog materials,
enrolment and participation counts, the learning-needs survey, before/after satisfaction
surveys and practice sessions. Filled by the community-courses issue."""
