"""A speaker's own edit link for a talk: a signed link, no account, that lets the speaker
edit the talk's title, abstract and materials, how they are shown on it, their bio and
photo; until 30 days after the talk, or until the organiser revokes it."""
