from datetime import date

from ..models import NumberCounter


def number_next(*, prefix: str, day: date) -> str:
    """The next human-readable number of the day under ``prefix``: SP-20261122-000123.

    Call inside the transaction that uses the number: the counter row stays locked until it ends,
    so two filings never get the same number and a rolled-back one gives its number back.
    """
    key = f"{prefix}-{day:%Y%m%d}"
    counter, _created = NumberCounter.objects.select_for_update().get_or_create(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"{key}-{counter.value:06d}"
