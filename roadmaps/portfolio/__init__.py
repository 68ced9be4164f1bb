"""The learner's public progress page ("portfolio").

- ``services``: turn the page on (a new 256-bit address each time) or off (the
  address answers 404 at once), and whether search engines may index it.
- ``selectors``: the page by its token, and what it shows, in a fixed number of queries.
- ``api``: ``GET/POST /api/me/portfolio/``.
- ``views``: the public page (no login) and the learner's page to manage it.

The public page shows the display name, target roles, progress per roadmap and
completed milestones with their evidence links: never the e-mail address, notes,
or anything else from the profile.
"""
