"""Catalogue import and export in the admin, for the PowerItem admin to mix in.

    import/           upload a file (and ask for a dry run): a job is queued for a worker
    import/<job_id>/  the job: a progress bar that refreshes itself, then the errors or the summary
    export/           the published catalogue as XLSX (?format=csv for CSV)

Only users with powers.add_poweritem may use them; the import itself also checks, row by row,
the departments the user may edit and the right to publish.
"""

import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import catalogue_io
from .catalogue_io.jobs import IMPORT_PERMISSION
from .models import ImportJob

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a 10,000-item XLSX is a few megabytes
ERRORS_SHOWN = 500


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_("XLSX, or CSV in UTF-8 or GB18030, in the catalogue format; the first row holds the headers."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"), required=False, help_text=_("Check the file and report what would change; write nothing.")
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        head = file.read(8192)
        file.seek(0)
        if not catalogue_io.looks_like_catalogue_file(head):
            raise forms.ValidationError(_("This is neither an XLSX workbook nor a CSV text file."))
        return file


class CatalogueImportAdminMixin:
    import_template = "admin/powers/importjob_form.html"
    import_job_template = "admin/powers/importjob_detail.html"
    import_status_template = "admin/powers/importjob_status.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{name}_import"),
            path("import/<int:job_id>/", view(self.import_job_view), name=f"{name}_import_job"),
            path("export/", view(self.export_view), name=f"{name}_export"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION)

    def _context(self, request, **context) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, **context}

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = CatalogueImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            job = catalogue_io.import_job_create(
                user=request.user, file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
            )
            return redirect(self._job_url(job))
        recent = ImportJob.objects.select_related("created_by")[:10]
        context = self._context(request, title=_("Import catalogue items"), form=form, recent=recent)
        return TemplateResponse(request, self.import_template, context)

    def import_job_view(self, request, job_id: int):
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob, pk=job_id)
        context = self._context(
            request,
            title=_("Catalogue import %(number)d") % {"number": job.pk},
            job=job,
            polling=job.state in (ImportJob.State.PENDING, ImportJob.State.RUNNING),
            errors=job.errors[:ERRORS_SHOWN],
            errors_hidden=max(0, len(job.errors) - ERRORS_SHOWN),
            job_url=self._job_url(job),
        )
        template = self.import_status_template if request.htmx else self.import_job_template
        return TemplateResponse(request, template, context)

    def export_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        fmt = request.GET.get("format", catalogue_io.XLSX)
        if fmt not in catalogue_io.FORMATS:
            fmt = catalogue_io.XLSX
        buffer = io.BytesIO()
        catalogue_io.catalogue_export(buffer, fmt=fmt)
        buffer.seek(0)
        filename = f"catalogue-{timezone.localdate():%Y%m%d}.{fmt}"
        return FileResponse(buffer, as_attachment=True, filename=filename, content_type=catalogue_io.CONTENT_TYPES[fmt])

    def _job_url(self, job: ImportJob) -> str:
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_import_job", args=[job.pk])
