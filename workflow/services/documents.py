import hashlib

from django.core.files.base import ContentFile

from ..documents import render_document
from ..models import Case, CaseDocument


def document_issue(*, case: Case, kind: str) -> CaseDocument:
    """Render and keep one of the case's documents; issued once, kept as issued."""
    content = render_document(case, kind)
    document = CaseDocument(case=case, kind=kind, sha256=hashlib.sha256(content).hexdigest())
    document.file.save(f"{case.number}-{kind}.pdf", ContentFile(content), save=False)
    document.save()
    return document
