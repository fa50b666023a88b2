"""Whether a talk's location only says that it is online: the one rule.

Calendars put "Online", "Zoom", "via Zoom", "Microsoft Teams Meeting", a bare meeting URL or
"Online (link on registration)" where a room would go. Such a location is not a venue: the
talk is online, and a URL in it is the way to join. A location naming a room as well
("Room 101 and Zoom") is a venue, left as it is. Used by the import (ics/events.py) and by
a talk's own validation (an organiser typing "Online" in the admin).
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

# Words for "online" in the corpus' languages (English, German, Dutch, French, Spanish,
# Portuguese, Italian, Polish, Swedish), and the video-call services calendars name.
_WORDS = (
    r"online|on-line|on line|virtual|virtuell|virtuel(?:le)?|digital|remote|remotely|webinar|"
    r"webcast|livestream|live stream|streaming|stream|videoconference|video conference|"
    r"video call|videocall|conference call|en ligne|à distance|a distance|distanciel|"
    r"en línea|en linea|em linha|zdalnie|w sieci|distans|"
    r"zoom|microsoft teams|ms teams|teams|google meet|hangouts|webex|skype|jitsi|jitsi meet|"
    r"bluejeans|blue jeans|bigbluebutton|big blue button|bbb|gotomeeting|gotowebinar|whereby|"
    r"discord|mumble|gather|gather\.town|wonder\.me|youtube|twitch|"
    r"online-veranstaltung|onlineveranstaltung|online-seminar|online-event|videokonferenz"
)
# What may stand beside them and still say nothing of a place.
_FILLER = (
    r"via|on|by|over|through|per|über|uber|auf|op|sur|par|por|pela|pelo|przez|på|"
    r"only|just|nur|alleen|seulement|solo|só|apenas|tylko|endast|"
    r"meeting|meetings|call|session|event|talk|seminar|lecture|webinar|"
    r"link|links|url|id|meeting id|password|passcode|code|pin|port|"
    r"and|or|und|oder|en|of|et|ou|y|o|e|i|lub|och|the|a|an|der|die|das|het|de|le|la|el|"
    r"tba|tbc|tbd|to follow|follows|will follow|see description|see below|see above|"
    r"details|info|information"
)
_WORD = re.compile(rf"(?<![\w.-])(?:{_WORDS})(?![\w-])", re.IGNORECASE)
_FILL = re.compile(rf"(?<![\w.-])(?:{_FILLER})(?![\w-])", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# A bare host such as "mumble.example.org", with a port or path, where a room would be: in
# lower case and with a common top-level domain, so that "St.Louis" is no host.
_HOST = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|org|net|io|cc|us|me|edu|gov|de|uk|nl|fr|eu|app|tv|"
    r"gg|ch|at|be|ca|au|jp|br|es|it|pl|se|info)(?::\d+)?(?:/\S*)?(?![\w.-])"
)
# A note in brackets about getting in: "(link on registration)", "(password by email)".
_NOTE = re.compile(
    r"[(\[][^()\[\]]*\b(?:link|registration|register|registered|anmeldung|inscription|"
    r"inscripción|password|passcode|email|e-mail|request|anfrage|demande)\b[^()\[\]]*[)\]]",
    re.IGNORECASE,
)
_LEFT = re.compile(r"[\w]+", re.UNICODE)

_web_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Place:
    """What a location says: the venue (empty when it only says "online"), whether the talk
    is online only, and the http(s) URL it gave to join, if any."""

    venue: str
    online: bool = False
    join_url: str = ""


def place(location: str) -> Place:
    """What `location` says of where a talk happens."""
    text = " ".join(location.split())
    if not text:
        return Place("")
    urls = _URL.findall(text)
    rest = _URL.sub(" ", text)
    rest = _NOTE.sub(" ", rest)
    said_online = bool(urls) or bool(_WORD.search(rest)) or bool(_HOST.search(rest))
    rest = _HOST.sub(" ", rest)
    rest = _WORD.sub(" ", rest)
    rest = _FILL.sub(" ", rest)
    # Meeting numbers ("Zoom 123 4567 8901") are no room either.
    leftover = [w for w in _LEFT.findall(rest) if not w.isdigit()]
    if not said_online or leftover:
        return Place(text)
    join = next((u.rstrip(".,;)") for u in urls if _is_web_url(u.rstrip(".,;)"))), "")
    return Place("", online=True, join_url=join)


def online_only(location: str) -> bool:
    """Whether `location` only says the talk is online (and so is no venue)."""
    return place(location).online


def _is_web_url(url: str) -> bool:
    try:
        _web_url(url)
    except ValidationError:
        return False
    return True
