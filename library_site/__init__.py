"""The Wagtail project: settings, URLs and the library portals.

Sub-apps:
- ``library_site.libraries`` — the ``Library`` organisation and what each library owns
  in Wagtail (its Site, page tree, media collection and staff group).
- ``library_site.portals`` — the portal page models (city landing, library home,
  activity posts, about page) and the demo data loader.
"""
