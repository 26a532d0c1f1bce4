from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import Category


class CatalogueSearchForm(forms.Form):
    """The query string of the public catalogue: a keyword and the two facet filters."""

    q = forms.CharField(label=_("Keyword"), max_length=100, required=False)
    department = forms.CharField(label=_("Department"), max_length=32, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("All"))] + Category.choices, required=False)

    def filters(self) -> dict[str, str]:
        """The valid part of the query: a value that does not validate is left out, not guessed at."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}
