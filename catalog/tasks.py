"""Background work of the catalog, run by the task worker (``manage.py db_worker``)."""

import logging

from django.utils import timezone

from django_tasks import task

from catalog.importing import catalog_import
from catalog.models import ImportJob

logger = logging.getLogger(__name__)


@task()
def catalog_import_run(job_id: int) -> str:
    """Preview (validate only) or commit the file of an ``ImportJob``, recording progress
    on the job row so the admin page can show it."""
    job = ImportJob.objects.select_related("library", "user").get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.RUNNING, processed=0, error="")

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed=done, total=total)

    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        report = catalog_import(
            library=job.library,
            filename=job.filename,
            data=data,
            dry_run=not job.commit_requested,
            user=job.user,
            progress=progress,
        )
    except Exception as exc:  # the job row must say what went wrong, whatever it was
        logger.exception("Catalog import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        return ImportJob.Status.FAILED
    status = ImportJob.Status.IMPORTED if job.commit_requested and report.committed else ImportJob.Status.PREVIEWED
    ImportJob.objects.filter(pk=job_id).update(
        status=status, report=report.as_dict(), processed=report.total, total=report.total, finished_at=timezone.now()
    )
    return status
