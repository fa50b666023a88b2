"""schema.org Event data for talk pages (JSON-LD), as search engines read it."""

from urllib.parse import urlsplit

from . import joining, materials

_ATTENDANCE_MODES = {
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
    "in person": "https://schema.org/OfflineEventAttendanceMode",
    "": "https://schema.org/OfflineEventAttendanceMode",
}


def talk_event(talk, *, page_url: str) -> dict:
    """The schema.org Event describing `talk`."""
    if talk.all_day:
        # Dates; schema.org's endDate is the last day itself, not the day after as in iCalendar.
        start, end = (day.isoformat() for day in talk.local_days())
    else:
        start = talk.start.isoformat()
        end = talk.end.isoformat() if talk.end else None
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": talk.title,
        "startDate": start,
        "eventStatus": "https://schema.org/EventCancelled"
        if talk.is_cancelled
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": _ATTENDANCE_MODES[talk.attendance],
        "url": page_url,
        "superEvent": {"@type": "EventSeries", "name": talk.series.name},
    }
    if end:
        data["endDate"] = end
    if talk.abstract:
        data["description"] = talk.abstract[:5000]
    places = []
    if talk.venue:
        places.append({"@type": "Place", "name": talk.venue})
    online = joining.join_link(talk) or talk.livestream_url
    if online.startswith(("https://", "http://")):
        places.append({"@type": "VirtualLocation", "url": online})
    if places:
        data["location"] = places[0] if len(places) == 1 else places
    if materials.public(talk):  # slides and recording, once the talk is over
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page_url))
        works = []
        if slides := materials.slides_link(talk):
            url = origin + slides if slides.startswith("/") else slides
            works.append({"@type": "PresentationDigitalDocument", "name": "Slides", "url": url})
        if talk.recording_url.startswith(("https://", "http://")):
            works.append({"@type": "VideoObject", "name": "Recording", "url": talk.recording_url})
        if works:
            data["subjectOf"] = works
    speakers = [_person(s) for s in talk.speaker_list]
    if speakers:
        data["performer"] = speakers
    return data


def _person(speaker) -> dict:
    person = {"@type": "Person", "name": speaker.name}
    if speaker.affiliation:
        person["affiliation"] = {"@type": "Organization", "name": speaker.affiliation}
    return person
