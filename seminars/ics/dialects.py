"""Per-source rules that turn a SUMMARY and DESCRIPTION into a title, speakers and an abstract.

Each source that writes talks its own way is a small Dialect subclass listed in DIALECTS;
dialect_for() picks one by the calendar's PRODID and falls back to the generic rules.
"""

import re
from dataclasses import replace

from seminars.ics import export
from seminars.ics.records import EventRecord, SpeakerRecord
from seminars.names import name_key

_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")

# Where a speaker field splits into parts. Parentheses are matched too, so that the splitter
# can skip what is inside them: "Jane Doe (Physics, Oxford)" is one part. Whitespace is
# collapsed before splitting, hence the single optional spaces. A comma may come before "and"
# in a list ("A, B, and C").
_SEPARATOR = re.compile(r"[()]| ?[,;](?: (?:and|&))? ?| (?:and|&) ", re.IGNORECASE)
_JOINERS = {",": ", ", ";": "; ", "and": " and ", "&": " & "}

# A speaker who is not known yet. Matched against one part of the field, so that
# "Jane Doe and TBC" keeps Jane Doe.
_NO_SPEAKER = re.compile(
    r"(?:speakers?:? )?(?:tb[acd]|to be (?:confirmed|announced|determined|arranged))"
    r"|various(?: speakers)?",
    re.IGNORECASE,
)
_NO_SPEAKER_EDGES = " .:()[]"

_HONORIFICS = re.compile(
    r"^(?:(?:prof(?:essor)?|dr|mr|mrs|ms|mx|miss|sir|dame|assoc(?:iate)?|asst|assistant"
    r"|emerit(?:us|a))(?:\. ?| ))+",
    re.IGNORECASE,
)
# Degrees and honours written after a name; case-sensitive, so that "Md" stays a given name.
_POSTNOMINAL = r"(?:Ph\.? ?D|D\.? ?Phil|MD|FRS|FREng|FRSE|FMedSci|FBA|OBE|MBE|CBE|KBE|DBE)\.?"
_TRAILING_POSTNOMINALS = re.compile(rf"(?:,? {_POSTNOMINAL})+$")
_POSTNOMINAL_PART = re.compile(_POSTNOMINAL)
_GENERATION_PART = re.compile(r"(?:Jr|Sr|II|III|IV)\.?")
_NAME_EDGES = ' ,;:-–—"“”'

# Words that make a part of a speaker field an organisation rather than a person.
_ORGANISATION_WORD = re.compile(
    r"\b(?:universit\w*|univ|institut\w*|colleg\w*|laborator\w*|labs?|schools?|hochschule"
    r"|polytechn\w*|politecnico|cent(?:re|er|ro)s?|d[eé]part\w*|dept|facult\w*|division|unit"
    r"|hospital|clinic|foundation|council|society|academy|observatory|museum|agency|ministry"
    r"|research|group|inc|ltd|llc|gmbh|plc|corp\w*|company"
    r"|google|deepmind|microsoft|amazon|meta|facebook|ibm|intel|nvidia|openai|huawei|samsung"
    r"|sciences?|engineering|mathematics|physics|chemistry|biology|medicine|economics|studies"
    r"|technolog\w*)\b",
    re.IGNORECASE,
)
# "ETH Zürich", "KTH Stockholm": an acronym followed by more words. Three letters or more,
# so that initials such as "JJ Thomson" are not taken for one.
_LEADING_ACRONYM = re.compile(r"[A-Z]{3,} ")

# "... - by Markus Boeck (University of Cambridge)" in a talks.cam abstract. The pattern
# starts with the literal "y " and looks back for the "b", so that re can skip ahead to
# candidates quickly: abstracts are long, and this runs on every talks.cam event.
_BY_MENTION = re.compile(
    r"y (?<=\b[Bb]y )(?P<name>[^\W\d_][^\n(),;:]{0,100})\((?P<affiliation>[^()\n]{1,200})\)"
)
# "Speaker: Dr. Jane Doe" at the start of a line, and the "Affiliation: ..." line under it.
_SPEAKER_LINE = re.compile(
    r"^[ \t]*speakers?(?:\(s\))?[ \t]*:(?P<speakers>[^\n]*)"
    r"(?:\n[ \t]*affiliation[ \t]*:(?P<affiliation>[^\n]*))?\n?",
    re.IGNORECASE | re.MULTILINE,
)


class Dialect:
    """How a source writes talks into its events; this base class holds the generic rules."""

    name = "generic"
    prodid_marker = ""  # text in the casefolded PRODID that identifies the source

    def refine(self, record: EventRecord) -> EventRecord:
        """Return a copy with speakers from the description's Speaker lines, and links from
        the "Recording: URL" (Slides, Livestream, Join online) lines that end it; both removed.

        The title is kept as it is: a SUMMARY from an unknown source is never split into
        title and speakers. When the description has no such lines, nothing changes.
        """
        record = _with_link_lines(record, _COMMON_LINK_LINE)
        found = _read_speaker_lines(record.description)
        if found is None:
            return replace(record)
        speakers, abstract = found
        return replace(record, speakers=speakers, description=abstract)


class TalksCam(Dialect):
    """talks.cam.ac.uk, whose SUMMARY is "<title> - <free-text speaker field>"."""

    name = "talks.cam"
    prodid_marker = "talks.cam"

    def refine(self, record: EventRecord) -> EventRecord:
        """Return a copy with the title and speakers split out of SUMMARY; the abstract is kept."""
        title, field = _split_talkscam_summary(record.title)
        known = _mentioned_affiliations(record.description) if field else {}
        return replace(record, title=title, speakers=_parse_speakers(field, known))


class SeminarsExport(Dialect):
    """Feeds exported by this site (seminars/ics/export.py), read back exactly.

    The DESCRIPTION starts with "Speaker:" lines, each with an optional "Affiliation:" line
    under it, and ends with the talk's link lines and the talk page's URL; the SUMMARY ends
    with the speakers' names in parentheses, after export.CANCELLED_PREFIX for a cancelled
    talk. All of that is taken off again, leaving the title and the abstract. URL is the
    talk's page there, never the talk's own link, which is the "More:" line. The CATEGORIES
    (the talk's series) are kept in the record as they are.
    """

    name = "seminars"
    prodid_marker = "seminars calendar export"

    def refine(self, record: EventRecord) -> EventRecord:
        """Return a copy with the speakers and links read from the description, as written,
        in order."""
        description = record.description
        if record.url and description.endswith(record.url):
            description = description.removesuffix(record.url).rstrip()
        title = record.title
        if record.status == "cancelled":
            title = title.removeprefix(export.CANCELLED_PREFIX)
        record = replace(record, title=title, description=description, url="")
        record = _with_link_lines(record, _OUR_LINK_LINE)
        description = record.description
        speakers, abstract = _read_export_speakers(description)
        names = f" ({', '.join(s.name for s in speakers)})"
        # The export adds speakers to the SUMMARY too: without them there, the Speaker lines
        # are the talk's own abstract.
        if not speakers or not record.title.endswith(names):
            return replace(record, description=description)
        title = record.title.removesuffix(names)
        return replace(record, title=title, speakers=speakers, description=abstract)


DIALECTS: tuple[Dialect, ...] = (TalksCam(), SeminarsExport())  # tried in order; first match wins
GENERIC = Dialect()


def dialect_for(prodid: str) -> Dialect:
    """Return the dialect of the calendar with this PRODID, else the generic one."""
    prodid = (prodid or "").casefold()
    return next((d for d in DIALECTS if d.prodid_marker in prodid), GENERIC)


# The record fields that link lines (as export.links_block writes them) fill, by label
# casefolded: all of them in our own feeds, the online links in anyone's.
_OUR_LINKS = {label.casefold(): name for name, label in export.LINK_LABELS.items()}
_COMMON_LINKS = {label: name for label, name in _OUR_LINKS.items() if name != "url"}


def _link_line(labels) -> re.Pattern:
    alternatives = "|".join(map(re.escape, labels))
    return re.compile(rf"^[ \t]*({alternatives})[ \t]*:[ \t]*(https?://\S+)[ \t]*$", re.IGNORECASE)


_OUR_LINK_LINE = _link_line(_OUR_LINKS)
_COMMON_LINK_LINE = _link_line(_COMMON_LINKS)


def _with_link_lines(record: EventRecord, pattern: re.Pattern) -> EventRecord:
    """Take the block of link lines off the end of the description into the record's links;
    a link the event gave otherwise (CONFERENCE) stays."""
    lines = record.description.split("\n")
    links = {}
    while lines and (match := pattern.match(lines[-1])):
        links.setdefault(_OUR_LINKS[match[1].casefold()], match[2])
        lines.pop()
    if not links:
        return record
    links = {name: url for name, url in links.items() if not getattr(record, name)}
    return replace(record, description="\n".join(lines).rstrip(), **links)


def _split_talkscam_summary(summary: str) -> tuple[str, str]:
    """Split "<title> - <speakers>" at the last " - ", since titles may contain one too."""
    summary = summary.strip()
    if summary.endswith(" -"):  # an empty speaker field, its space lost to stripping
        return summary[:-2].rstrip(), ""
    title, separator, field = summary.rpartition(" - ")
    if not separator or not title.strip():
        return summary, ""
    return title.strip(), field.strip()


def _mentioned_affiliations(description: str) -> dict[str, str]:
    """Map name_key(name) to affiliation for the people an abstract introduces."""
    known: dict[str, str] = {}
    for match in _BY_MENTION.finditer(description):
        key = name_key(_clean_name(match["name"]))
        affiliation = _clean_affiliation(match["affiliation"])
        if key and affiliation:
            known.setdefault(key, affiliation)
    found = _read_speaker_lines(description)
    for speaker in found[0] if found else ():
        key = name_key(speaker.name)
        if key and speaker.affiliation:
            known.setdefault(key, speaker.affiliation)
    return known


def _read_speaker_lines(description: str) -> tuple[list[SpeakerRecord], str] | None:
    """Return the speakers of the Speaker lines and the description without them, or None."""
    speakers: list[SpeakerRecord] = []
    kept: list[str] = []
    position = 0
    for match in _SPEAKER_LINE.finditer(description):
        line_speakers = _parse_speakers(match["speakers"])
        # An Affiliation line under "Speakers: A, B" is read as shared by both.
        affiliation = _clean_affiliation(match["affiliation"] or "")
        speakers.extend(
            s if s.affiliation or not affiliation else replace(s, affiliation=affiliation)
            for s in line_speakers
        )
        kept.append(description[position : match.start()])
        position = match.end()
    if not kept:
        return None
    kept.append(description[position:])
    return _unique(speakers), "".join(kept).strip()


def _read_export_speakers(description: str) -> tuple[list[SpeakerRecord], str]:
    """Split our export's leading Speaker/Affiliation lines from the rest of the description."""
    lines = description.split("\n")
    speakers: list[SpeakerRecord] = []
    index = 0
    while index < len(lines) and lines[index].startswith(export.SPEAKER_LABEL):
        name = lines[index].removeprefix(export.SPEAKER_LABEL).strip()
        index += 1
        affiliation = ""
        if index < len(lines) and lines[index].startswith(export.AFFILIATION_LABEL):
            affiliation = lines[index].removeprefix(export.AFFILIATION_LABEL).strip()
            index += 1
        speakers.append(SpeakerRecord(name, affiliation))
    if index < len(lines) and lines[index].strip():
        return [], description  # not our block: no blank line after it
    return speakers, "\n".join(lines[index:]).strip()


def _parse_speakers(field: str, known: dict[str, str] | None = None) -> list[SpeakerRecord]:
    """Read a free-text speaker field into speakers, in order.

    A comma may separate two people ("Markus Böck, Jeff Niu") or a person and their
    affiliation ("Jane Doe, University of Oxford"). `known` maps the name_key of people the
    description names to their affiliation: it settles that question and fills in
    affiliations the field leaves out.
    """
    known = known or {}
    known_affiliations = {name_key(affiliation) for affiliation in known.values()}
    # (name, affiliation pieces): an affiliation may span parts, so it is joined at the end.
    people: list[tuple[str, list[str]]] = []
    last = ""  # what the previous part was: "name", "affiliation" or "" for neither
    for separator, part in _split_top_level(_SPACES.sub(" ", field).strip()):
        if not _LETTER.search(part) or _NO_SPEAKER.fullmatch(part.strip(_NO_SPEAKER_EDGES)):
            continue
        if _POSTNOMINAL_PART.fullmatch(part):
            continue
        if _GENERATION_PART.fullmatch(part):
            if last == "name":  # "Martin Luther King, Jr."
                people[-1] = (f"{people[-1][0]} {part}", people[-1][1])
            last = ""
            continue
        head, affiliation = _split_parenthesised(part)
        if _is_affiliation(
            head,
            separator,
            has_person=bool(people),
            after_affiliation=last == "affiliation",
            known=known,
            known_affiliations=known_affiliations,
        ):
            if people:  # an organisation before any name belongs to nobody
                pieces = people[-1][1]
                pieces.extend((_JOINERS[separator], part) if pieces else (part,))
            last = "affiliation"
            continue
        name = _clean_name(head)
        if _LETTER.search(name):
            people.append((name, [affiliation] if affiliation else []))
            last = "name"
        else:
            last = ""
    speakers = []
    for name, pieces in people:
        # The name as the field writes it wins; the description only adds the affiliation.
        affiliation = _clean_affiliation("".join(pieces)) or known.get(name_key(name), "")
        speakers.append(SpeakerRecord(name, affiliation))
    return _unique(speakers)


def _split_top_level(text: str) -> list[tuple[str, str]]:
    """Split at commas, semicolons, "and" and "&" outside parentheses.

    Return (separator, part) pairs; the separator is the one before the part: "" for the
    first, else ",", ";", "and" or "&" (the last word of ", and").
    """
    parts = []
    depth = start = 0
    separator = ""
    for match in _SEPARATOR.finditer(text):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            parts.append((separator, text[start : match.start()].strip()))
            separator = token.split()[-1].lower()
            start = match.end()
    parts.append((separator, text[start:].strip()))
    return parts


def _split_parenthesised(part: str) -> tuple[str, str]:
    """Split "Jane Doe (MIT)" into ("Jane Doe", "MIT"); ("Jane (Janet) Doe", "") otherwise."""
    head, paren, tail = part.partition("(")
    # No closing parenthesis at all: the field was cut off inside the affiliation.
    if paren and (tail.endswith(")") or ")" not in tail):
        return head.strip(), tail.removesuffix(")")
    return part, ""


def _is_affiliation(
    text: str,
    separator: str,
    *,
    has_person: bool,
    after_affiliation: bool,
    known: dict[str, str],
    known_affiliations: set[str],
) -> bool:
    """Tell whether one part of a speaker field names an organisation rather than a person."""
    key = name_key(_clean_name(text))
    if key and key in known:
        return False
    if key and key in known_affiliations:
        return True
    if _ORGANISATION_WORD.search(text):
        return True
    if _LEADING_ACRONYM.match(text) and not text.isupper():
        return True
    if " " in text or not has_person or not text[:1].isupper():
        return False
    # One capitalised word after a name: "Jane Doe, Google" is a person and an affiliation,
    # but "Jane Doe and Cher" two people, unless the word continues an affiliation
    # ("Department of Physics and Astronomy").
    return separator in (",", ";") or after_affiliation


def _clean_name(text: str) -> str:
    """Return a name without honorifics, degrees, or stray punctuation around it."""
    name = _SPACES.sub(" ", text).strip(_NAME_EDGES)
    name = _TRAILING_POSTNOMINALS.sub("", _HONORIFICS.sub("", name))
    return name.strip(_NAME_EDGES)


def _clean_affiliation(text: str) -> str:
    affiliation = _SPACES.sub(" ", text).strip(" ,;:")
    if _NO_SPEAKER.fullmatch(affiliation.strip(_NO_SPEAKER_EDGES)):
        return ""
    return affiliation


def _unique(speakers: list[SpeakerRecord]) -> list[SpeakerRecord]:
    """Drop later mentions of the same person, keeping the order of first mention."""
    seen = set()
    unique = []
    for speaker in speakers:
        key = name_key(speaker.name)
        if key in seen:
            continue
        if key:  # names in other scripts have an empty key and cannot be compared
            seen.add(key)
        unique.append(speaker)
    return unique
