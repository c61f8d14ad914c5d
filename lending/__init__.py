"""Readers and circulation: reader cards with student-ID QR codes synced from school
rosters, checkout, return, renew, holds, digital loans, notices and the kiosk. Filled by
the reader-card and circulation issues."""
