from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User
from .validators import validate_id_number, validate_mobile, validate_plain_text


class StyledFormMixin:
    """Gives each widget the Bootstrap class its kind needs; templates/includes/field.html lays it out.

    Every form of the portal's pages is one of these, so it is also where every text field refuses
    control and bidirectional characters (``validate_plain_text``): no form can forget it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
                field.validators.append(validate_plain_text)
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            field.widget.attrs.setdefault("class", css)


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    pass


class LoginForm(StyledFormMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Account (mobile number for citizens)"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class RegistrationForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("Identity card number"),
        max_length=18,
        help_text=_("18 characters; a final x may be typed in either case."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_id_number(self):
        id_number = self.cleaned_data["id_number"].strip().upper()
        validate_id_number(id_number)
        if User.objects.filter(id_number=id_number).exists():
            raise forms.ValidationError(_("An account with this identity card number already exists; please log in."))
        return id_number

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"]
        if User.objects.filter(username=mobile).exists() or User.objects.filter(mobile=mobile).exists():
            raise forms.ValidationError(_("An account with this mobile number already exists; please log in."))
        return mobile

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(username=cleaned.get("mobile", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
