"""Admin saves and deletes that change talks take the talks' locks first (seminars.locks):
while an import of their calendar runs, the form comes back as posted, saying so, with
nothing saved, or the delete says it did not happen; never a wait past the request's
deadline."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from ..locks import Busy, SourceBusy, changing_talks


def busy_message(busy: Busy, *, calendar: str, undone: str) -> str:
    """Why a change was refused for its locks: `calendar` names the talks' calendar ("This
    talk's calendar"), `undone` says what did not happen."""
    if isinstance(busy, SourceBusy):
        return f"{calendar} is being imported: {undone}. Try again in a minute."
    # SQLite has one lock for the whole database: which change holds it is not known.
    return (
        f"Another change is being saved (an import, most likely): {undone}. Try again in a minute."
    )


class LockedChanges:
    """A ModelAdmin mixin: a POST to the change or delete page holds the talks that
    `locked_talk_ids()` names, their sources first, for the whole save."""

    calendar = "This talk's calendar"  # what the refusal calls the talks' calendar

    def locked_talk_ids(self, request, object_id) -> list[int]:
        """The talks a save or delete of `object_id` changes, as far as this user may see."""
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if refusal := getattr(request, "lock_refusal", ""):
            form = _refusing(form, refusal)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with changing_talks(self.locked_talk_ids(request, object_id)):
                return super().changeform_view(request, object_id, form_url, extra_context)
        except Busy as busy:
            request.lock_refusal = busy_message(
                busy, calendar=self.calendar, undone="nothing was saved"
            )
        # The form again, invalid, with what was posted; outside a transaction, it only reads.
        return self._changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        try:
            with changing_talks(self.locked_talk_ids(request, object_id)):
                return super().delete_view(request, object_id, extra_context)
        except Busy as busy:
            message = busy_message(busy, calendar=self.calendar, undone="it was not deleted")
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _refusing(form_class: type[forms.ModelForm], refusal: str) -> type[forms.ModelForm]:
    """`form_class`, refusing to validate with `refusal` as its error: nothing is saved."""

    def clean(self):
        super(refused, self).clean()
        raise ValidationError(refusal)

    refused = type(form_class.__name__, (form_class,), {"clean": clean})
    return refused
