"""Slugs for URLs: readable, ASCII, and unique where a model needs them to be."""

from django.utils.text import slugify

# A unique slug's base is cut shorter than the slug fields, leaving room for "-2", "-3"…
UNIQUE_BASE_LENGTH = 45


def slug_for(text: str, *, max_length: int = 50, fallback: str = "item") -> str:
    """Return an ASCII slug for `text`, cut at a word boundary to `max_length`."""
    slug = slugify(text.replace("ß", "ss"))[:max_length].rstrip("-")
    return slug or fallback


def unique_slug(model, text: str, *, taken: set[str] | None = None, fallback: str = "item") -> str:
    """Return a slug for `text` that no `model` row (and nothing in `taken`) uses yet."""
    base = slug_for(text, max_length=UNIQUE_BASE_LENGTH, fallback=fallback)
    used = set(model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    used |= taken or set()
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    return slug
