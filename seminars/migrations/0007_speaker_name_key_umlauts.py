"""Recompute every speaker's name_key: ä, ö and ü now count as ae, oe and ue, and an "e"
after a, o or u is no longer dropped (so "Michael" and "Michal" are two people).

The rules are copied here, as they were on either side of this change, so that the migration
does what it did whatever later becomes of seminars/names.py.
"""

import re
import unicodedata

from django.db import migrations

BATCH = 1000
_UMLAUT = re.compile("([aou])\u0308")
_OLD_TRANSLITERATED_UMLAUT = re.compile(r"(?<=[aou])e(?=[b-df-hj-np-tv-z])")
_NOT_ALNUM = re.compile(r"[\W_]+")


def _ascii_words(decomposed: str) -> list[str]:
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = (
        ascii_only.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("đ", "d")
    )
    ascii_only = ascii_only.replace("ł", "l").replace("œ", "oe")
    return _NOT_ALNUM.sub(" ", ascii_only).split()


def name_key(name: str) -> str:
    """seminars.names.name_key as of this migration."""
    decomposed = _UMLAUT.sub(r"\1e", unicodedata.normalize("NFKD", name.casefold()))
    return " ".join(_ascii_words(decomposed))


def old_name_key(name: str) -> str:
    """seminars.names.name_key before this migration."""
    words = _ascii_words(unicodedata.normalize("NFKD", name.casefold()))
    return " ".join(_OLD_TRANSLITERATED_UMLAUT.sub("", word) for word in words)


def _recompute(apps, key):
    Speaker = apps.get_model("seminars", "Speaker")
    changed = []
    for speaker in Speaker.objects.only("name", "name_key").iterator(chunk_size=BATCH):
        if speaker.name_key != key(speaker.name):
            speaker.name_key = key(speaker.name)
            changed.append(speaker)
    Speaker.objects.bulk_update(changed, ["name_key"], batch_size=BATCH)


def recompute_name_keys(apps, schema_editor):
    _recompute(apps, name_key)


def restore_old_name_keys(apps, schema_editor):
    _recompute(apps, old_name_key)


class Migration(migrations.Migration):
    dependencies = [("seminars", "0006_delete_publishedfeed")]

    operations = [migrations.RunPython(recompute_name_keys, restore_old_name_keys)]
