"""Milestones a learner completes and can show.

- ``states``: a milestone's status, hours and dates from its tasks, through the one
  rule in ``planner.milestones``; pure, over tasks already loaded.
- ``selectors``: the milestone records of a roadmap or a learner, with their tasks.
- ``services``: completing, skipping or reopening a milestone (all its tasks at once)
  and recording its evidence link and note.
- ``api``: ``GET /api/roadmaps/{id}/milestones/``, ``PATCH /api/milestones/{id}/``.
- ``views``: the roadmap page's milestone forms (they work without JavaScript).
"""
