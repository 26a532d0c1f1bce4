"""Imports started from the admin and run by a worker, with their progress and outcome."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportJob
from .errors import CatalogueRejected, RowError
from .importing import catalogue_import

logger = logging.getLogger(__name__)
IMPORT_PERMISSION = "powers.add_poweritem"


@transaction.atomic
def import_job_create(*, user, file: UploadedFile, dry_run: bool) -> ImportJob:
    """Stores the uploaded file and has a worker import it once the job is committed."""
    if not user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied(_("You may not import catalogue items."))
    job = ImportJob(file=file, dry_run=dry_run, created_by=user)
    job.full_clean()
    job.save()
    from ..tasks import catalogue_import_run  # the task module imports this one

    catalogue_import_run.delay_on_commit(job.pk)
    logger.info("import_job_created job=%s by=%s dry_run=%s", job.pk, user.pk, dry_run)
    return job


def import_job_run(*, job_id: int) -> None:
    """Runs a waiting job; a job that is running or finished already is left alone.

    Not one transaction: the progress (rows checked) is committed as it goes, so that the job page
    shows it; the import itself is one transaction inside.
    """
    if not ImportJob.objects.filter(pk=job_id, state=ImportJob.State.PENDING).update(state=ImportJob.State.RUNNING):
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    try:
        with job.file.open("rb") as source:
            summary = catalogue_import(source=source, user=job.created_by, dry_run=job.dry_run, progress=progress)
    except CatalogueRejected as rejected:
        _finish(job_id, ImportJob.State.FAILED, errors=[error.as_dict() for error in rejected.errors])
    except BaseException:
        # Whatever stopped it (the time limit, a lost database), the job must not look running forever.
        message = _("The import stopped unexpectedly; nothing was written. The worker's log says why.")
        _finish(job_id, ImportJob.State.FAILED, errors=[RowError(None, "", message, "crashed").as_dict()])
        raise
    else:
        _finish(job_id, ImportJob.State.SUCCEEDED, summary=summary.as_dict())


def _finish(job_id: int, state: str, *, errors: list | None = None, summary: dict | None = None) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        state=state, errors=errors or [], summary=summary or {}, finished_at=timezone.now()
    )
    logger.info("import_job_finished job=%s state=%s errors=%s", job_id, state, len(errors or []))
