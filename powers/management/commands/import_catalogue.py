from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from powers.catalogue_io import CatalogueRejected, catalogue_import


class Command(BaseCommand):
    help = (
        "Import a catalogue file (XLSX, or CSV in UTF-8 or GB18030; see docs/catalogue-format.md). "
        "All or nothing: any error and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")
        parser.add_argument(
            "--user",
            help="Import as this user, whose permissions apply and who is recorded in the history "
            "(default: the first superuser).",
        )
        parser.add_argument(
            "--create-departments",
            action="store_true",
            help="Create departments the file names that do not exist yet (code and name from the file).",
        )

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, create_departments: bool, **options):
        if not file.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        try:
            summary = catalogue_import(
                source=file, user=self._user(user), dry_run=dry_run, create_departments=create_departments
            )
        except CatalogueRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)d error(s) in %(file)s; nothing was imported.")
                % {"count": len(rejected.errors), "file": file}
            ) from None
        figures = summary.as_dict()
        if dry_run:
            message = _(
                "Dry run, nothing written. %(rows)d rows: %(created)d items would be created, %(new_versions)d "
                "would get a new version, %(unchanged)d are unchanged; %(departments_created)d departments would "
                "be created."
            )
        else:
            message = _(
                "Imported %(rows)d rows: %(created)d items created, %(new_versions)d new versions published, "
                "%(unchanged)d unchanged; %(departments_created)d departments created."
            )
        self.stdout.write(self.style.SUCCESS(message % figures))

    def _user(self, username: str | None):
        users = get_user_model().objects
        if username:
            found = users.filter(username=username).first()
            if found is None:
                raise CommandError(_("No user is called %(username)s.") % {"username": username})
            return found
        found = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if found is None:
            raise CommandError(_("There is no superuser to import as: name a user with --user."))
        return found
