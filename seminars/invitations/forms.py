"""The forms of invitations: the admin's (who to invite to which series), and the account
the invitation's page makes."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import Invitation


class InvitationForm(forms.ModelForm):
    """The admin's add form; the series offered are the user's own (the admin's scoping)."""

    class Meta:
        model = Invitation
        fields = ["email", "series"]

    def clean(self):
        cleaned = super().clean()
        email, series = cleaned.get("email"), cleaned.get("series")
        if not (email and series):
            return cleaned
        if series.organisers.filter(email__iexact=email).exists():
            raise forms.ValidationError(f"{email} organises {series} already.")
        if Invitation.objects.waiting_or_open(email=email, series=series).exists():
            raise forms.ValidationError(
                f"An invitation of {email} to {series} is already on its way or waiting to be "
                "accepted; to send its email again, choose it in the list and “Send again”."
            )
        return cleaned


class AccountForm(UserCreationForm):
    """A new account for the invitation's address: a username and a password, twice, checked
    by the site's password validators (against the address too)."""

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.email = email  # so the validators compare the password with it
        self.fields["username"].widget.attrs["autocomplete"] = "username"
