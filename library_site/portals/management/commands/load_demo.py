"""Build the demo data set: libraries and portals first, then each app's part.

Every part is idempotent, so running the command twice changes nothing."""

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from library_site.portals.demo import DEMO_PASSWORD, DEMO_PORT

# Each entry is a ``load(*, stdout)`` function; later issues append theirs (catalog,
# lending, community_courses) after the portals they depend on.
DEMO_PARTS = [
    "library_site.portals.demo.load",
    "catalog.demo.load",
    "lending.demo.load",
    "community_courses.demo.load",
]


class Command(BaseCommand):
    help = "Load the Vietnamese demo data set (libraries, portals, posts, staff). Safe to run again."

    def handle(self, *args, **options):
        results = {}
        for dotted_path in DEMO_PARTS:
            self.stdout.write(f"Loading {dotted_path.rsplit('.', 2)[0]} …")
            results[dotted_path] = import_string(dotted_path)(stdout=self.stdout)
        logins = results["library_site.portals.demo.load"]["logins"]
        base = f"http://127.0.0.1:{DEMO_PORT}"
        self.stdout.write(self.style.SUCCESS("\nDemo data ready."))
        self.stdout.write(f"  Portals:     {base}/")
        self.stdout.write(f"  Admin login: {base}/admin/")
        for username, role in logins:
            self.stdout.write(f"    {username:<24} password: {DEMO_PASSWORD}   ({role})")
        self.stdout.write("  (passwords of accounts that already existed are left as they were)")
        self.stdout.write("  The city administrator sets up two-step sign-in (an authenticator app) at first sign-in.")
        reader_login = results.get("lending.demo.load", {}).get("reader_login")
        if reader_login:
            id_number, code, name = reader_login
            self.stdout.write(f"  Reader sign-in: {base}/ban-doc/dang-nhap/")
            self.stdout.write(f"    {id_number:<24} activation code: {code}   ({name}, student; first sign-in)")
