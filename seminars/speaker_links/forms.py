"""The speaker's form: the talk, how they are shown on it, their bio and photo, materials."""

from django import forms
from django.core.exceptions import ValidationError

from .. import materials, photos
from ..models import Speaker, Talk, TalkSpeaker


def _field(model, name, **kwargs):
    return model._meta.get_field(name).formfield(**kwargs)


class SpeakerEditForm(forms.Form):
    title = _field(Talk, "title")
    abstract = _field(Talk, "abstract", widget=forms.Textarea(attrs={"rows": 10}))
    name = _field(Speaker, "name", label="Your name", help_text="As this talk shows it.")
    affiliation = _field(
        TalkSpeaker,
        "shown_affiliation",
        label="Your affiliation",
        help_text="As this talk shows it.",
    )
    homepage = _field(TalkSpeaker, "shown_homepage", label="Your homepage", assume_scheme="https")
    bio = _field(
        Speaker,
        "bio",
        label="A short bio",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photo = forms.FileField(
        required=False,
        label="Your photo",
        help_text="JPEG, PNG, WebP or GIF; scaled to at most 800 px, its metadata removed.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    remove_photo = forms.BooleanField(required=False, label="Remove my photo")
    slides_file = forms.FileField(
        required=False,
        label="Slides (PDF)",
        help_text="Shown with the talk once it is over.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    remove_slides = forms.BooleanField(required=False, label="Remove the uploaded slides")
    slides_url = _field(Talk, "slides_url", assume_scheme="https", help_text="Or a link to them.")
    recording_url = _field(Talk, "recording_url", assume_scheme="https")

    def __init__(self, *args, talk_speaker: TalkSpeaker, **kwargs):
        talk, speaker = talk_speaker.talk, talk_speaker.speaker
        shown = talk_speaker.shown_speaker
        initial = {
            "title": talk.title,
            "abstract": talk.abstract,
            "name": shown.name,
            "affiliation": shown.affiliation,
            "homepage": shown.homepage,
            "bio": speaker.bio,
            "slides_url": talk.slides_url,
            "recording_url": talk.recording_url,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.talk_speaker = talk_speaker

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        return photos.checked(upload) if upload else None

    def clean_slides_file(self):
        upload = self.cleaned_data.get("slides_file")
        if upload:
            materials.check_pdf(upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("photo") and data.get("remove_photo"):
            raise ValidationError("Upload a new photo or remove yours, not both.")
        if data.get("slides_file") and data.get("remove_slides"):
            raise ValidationError("Upload new slides or remove the old ones, not both.")
        return data
