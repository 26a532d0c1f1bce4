from django.core.management.base import BaseCommand, CommandError

from supervision.services.scores import current_month, department_scores_compute, month_parse, previous_month


class Command(BaseCommand):
    help = (
        "Compute and keep every department's score and rank for one month (default: the previous month); "
        "computing a month again replaces it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month to score, YYYY-MM (local time); default: the previous month.")

    def handle(self, *args, month=None, **options):
        if month is None:
            chosen = previous_month()
        else:
            try:
                chosen = month_parse(month)
            except ValueError as error:
                raise CommandError(f"--month: {error}") from None
        if chosen > current_month():
            raise CommandError(f"--month {chosen:%Y-%m} has not begun yet: there is nothing to score")
        if chosen == current_month():
            self.stderr.write(f"{chosen:%Y-%m} is not over yet: its scores are the figures so far.")

        rows = department_scores_compute(month=chosen)
        self.stdout.write(f"{chosen:%Y-%m}: {len(rows)} departments scored")
        for row in rows:
            self.stdout.write(f"{row.rank:>4}  {row.score:>7}  {row.department.code}  {row.department.name}")
