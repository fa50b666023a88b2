"""Template tags and filters of the public pages (`{% load seminars %}`): talk times in the
visitor's zone, day headings, links. They format; they never query beyond what views pass."""
