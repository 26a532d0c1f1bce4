"""The citizen's forms: an application, a supplement or correction, a withdrawal, a tracking lookup.

Every uploaded file is checked by content and size here (``inspect_upload``), so the applicant
sees what is wrong beside the material it concerns; the services check again before storing.
"""

import hashlib
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import StyledFormMixin
from portal.validators import validate_id_number, validate_mobile

from ..services.cases import Upload
from ..uploads import accepted_extensions, inspect_upload

MATERIAL_PREFIX = "material_"


class MaterialFileField(forms.FileField):
    """One file for one of the item's materials, acceptable by its content."""

    def __init__(self, *, material, required: bool, **kwargs):
        self.material = material
        super().__init__(
            label=material.name,
            required=required,
            widget=forms.FileInput(attrs={"class": "form-control", "accept": accepted_extensions()}),
            help_text=_("PDF, JPEG or PNG."),
            error_messages={
                "required": _("“%(name)s” is a required material: attach it.") % {"name": material.name},
            },
            **kwargs,
        )

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            inspect_upload(upload)
        return upload


class MaterialUploadsMixin:
    """Adds one file field per material; ``uploads()`` gives what was attached, for the services."""

    def add_material_fields(self, materials, *, required=None) -> None:
        for material in materials:
            self.fields[f"{MATERIAL_PREFIX}{material.pk}"] = MaterialFileField(
                material=material, required=material.required if required is None else required
            )

    def material_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith(MATERIAL_PREFIX)]

    def other_fields(self) -> list:
        return [
            self[name]
            for name, field in self.fields.items()
            if not name.startswith(MATERIAL_PREFIX) and not field.widget.is_hidden
        ]

    def uploads(self) -> list[Upload]:
        return [
            Upload(material=field.material, file=self.cleaned_data[name])
            for name, field in self.fields.items()
            if isinstance(field, MaterialFileField) and self.cleaned_data.get(name)
        ]


class ApplicationForm(MaterialUploadsMixin, StyledFormMixin, forms.Form):
    """The applicant's details as filed, what is applied for, and one file per material."""

    applicant_name = forms.CharField(label=_("Full name"), max_length=100)
    applicant_id_number = forms.CharField(
        label=_("Identity card number"),
        max_length=18,
        help_text=_("18 characters; a final x may be typed in either case."),
    )
    applicant_mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        validators=[validate_mobile],
        help_text=_("Notices about the case are sent to this number."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    applicant_email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    applicant_address = forms.CharField(label=_("Address"), required=False, max_length=200)
    description = forms.CharField(
        label=_("What you apply for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything the department should know about your application."),
    )

    DETAILS = (
        "applicant_name",
        "applicant_id_number",
        "applicant_mobile",
        "applicant_email",
        "applicant_address",
        "description",
    )

    def __init__(self, *args, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_material_fields(materials)

    @staticmethod
    def initial_for(user) -> dict:
        """Prefilled from the account: the name, identity card number and mobile it was registered with."""
        return {"applicant_name": user.name, "applicant_id_number": user.id_number, "applicant_mobile": user.mobile}

    def clean_applicant_name(self):
        return self.cleaned_data["applicant_name"].strip()

    def clean_applicant_id_number(self):
        id_number = self.cleaned_data["applicant_id_number"].strip().upper()
        validate_id_number(id_number)
        return id_number

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.DETAILS}


class SupplementForm(MaterialUploadsMixin, StyledFormMixin, forms.Form):
    """The materials a supplement request lists (each required), or any corrected files for a returned case."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note to the department"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, materials, all_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_material_fields(materials, required=all_required)


class WithdrawForm(StyledFormMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(
        label=_("I withdraw this application. This cannot be undone."),
        error_messages={"required": _("Tick the box to confirm that you withdraw the application.")},
    )


class TrackForm(StyledFormMixin, forms.Form):
    number = forms.CharField(
        label=_("Case number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "SP-20260105-000001", "autocomplete": "off"}),
    )
    code = forms.CharField(
        label=_("Query code"),
        max_length=8,
        help_text=_("The 8 characters given when you applied, also printed on every notice."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class VerifyForm(StyledFormMixin, forms.Form):
    """A document to check: the PDF itself, or the SHA-256 digest printed beside it on the case page."""

    MAX_BYTES = 10 * 1024 * 1024

    document = forms.FileField(
        label=_("Document (PDF)"),
        required=False,
        widget=forms.FileInput(attrs={"class": "form-control", "accept": ".pdf,application/pdf"}),
    )
    digest = forms.CharField(
        label=_("Or its SHA-256 digest"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_digest(self):
        digest = self.cleaned_data["digest"].strip().lower()
        if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise forms.ValidationError(_("A SHA-256 digest is 64 characters, 0–9 and a–f."))
        return digest

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("document")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError(_("The file is larger than any document the portal issues."))
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            cleaned["digest"] = digest.hexdigest()
        elif not cleaned.get("digest") and not self.errors:
            raise forms.ValidationError(_("Choose the document's PDF, or paste its digest."))
        return cleaned
