from urllib.parse import urlsplit, urlunsplit

from django import forms

from .models import MASK, Camera, mask_credentials


class CameraForm(forms.ModelForm):
    """Shows the source with its password masked; a source still masked keeps the stored password."""

    class Meta:
        model = Camera
        fields = [
            "name",
            "hall",
            "department",
            "window_number",
            "source_url",
            "enabled",
            "staffed",
            "office_opens",
            "office_closes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["source_url"] = mask_credentials(self.instance.source_url)

    def clean_source_url(self):
        url = self.cleaned_data["source_url"].strip()
        typed = urlsplit(url)
        if typed.password != MASK or not self.instance.pk:
            return url
        stored = urlsplit(self.instance.source_url)
        host = typed.hostname or ""
        if typed.port:
            host = f"{host}:{typed.port}"
        return urlunsplit(typed._replace(netloc=f"{typed.username}:{stored.password}@{host}"))
