"""Request names: the rows of the load test's table, shared by the locustfile and the report."""

FLOOR = "floor: GET /ping/"
FEED_FULL = "feed: GET, no If-None-Match"
FEED_CONDITIONAL = "feed: GET, If-None-Match"
DASHBOARD = "dashboard: GET /dashboard/"
PROGRESS = "dashboard data: GET progress"
TICK = "tick: PATCH task status"
CREATE = "create: POST /api/roadmaps/"
# Saturation mode: the feed owners' ticks during the feed phases (not the measured type).
OWNER_TICK = "owners' ticks (background)"

# The order of the table: the floor first, then the calendar apps, then the learners.
ORDER = (FLOOR, FEED_FULL, FEED_CONDITIONAL, DASHBOARD, PROGRESS, TICK, CREATE)
