from celery import shared_task

from . import catalogue_io


# A 10,000-item catalogue takes well under a minute; the limits leave room for a slow machine.
@shared_task(ignore_result=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def catalogue_import_run(job_id: int) -> None:
    """Runs a catalogue import started from the admin; a job already run is left alone."""
    catalogue_io.import_job_run(job_id=job_id)
