"""The public trail checkpoints (external zone): what each zone's trail counted, signed, and when."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..selectors.trail import public_checkpoints


@require_safe
def public_checkpoints_page(request):
    return render(request, "workflow/trail/public_checkpoints.html", {"rows": public_checkpoints()})
