"""`python -m library_site.db_ready`: exit 1 with a clear message when the database in
DATABASE_URL does not answer (used by `make test` before the PostgreSQL pass)."""

import os
import sys

import dj_database_url


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return 0
    import psycopg  # only when the URL is PostgreSQL: a SQLite-only install may lack the driver

    try:
        psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname=config["NAME"],
            connect_timeout=5,
        ).close()
    except psycopg.OperationalError as exc:
        print(
            f"PostgreSQL at {config['HOST']}:{config['PORT'] or 5432} (database {config['NAME']!r}) does not answer:\n"
            f"  {str(exc).strip()}\n"
            "Start it, point POSTGRES_TEST_URL at a server that runs, or set SKIP_POSTGRES=1 to run on SQLite only.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
