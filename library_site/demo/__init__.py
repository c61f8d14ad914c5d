"""Demo data shared helpers. Each app contributes its part of the demo through a
``demo.py`` module listed in ``library_site.portals.management.commands.load_demo``."""
