"""Settings package: ``base`` is shared, ``dev``/``test``/``production`` select an environment.

Every value that differs between machines comes from the environment through
``library_site.settings.env``; topics with many knobs (email, search) live in their
own modules and are imported by ``base``.
"""
