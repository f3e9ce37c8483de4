"""Chinese (中文): the self-check's messages, exercise titles, descriptions and hints.

Each table maps the English text (as written in the code) or an exercise's name to Chinese.
`tests/selfcheck/test_language.py` checks that nothing is missing.
"""

MESSAGES: dict[str, str] = {}

TITLES: dict[str, str] = {}

HINTS: dict[str, str] = {}

DESCRIPTIONS: dict[str, str] = {}
