"""Issue 15: the task tick in one round trip on PostgreSQL.

``roadmaps_task_tick`` does what ``roadmaps.plans.services`` does for a tick in its
transaction (lock the roadmap's row, write the task, complete or reopen the roadmap,
raise the calendar feed's generation) as one statement: a VOLATILE PL/pgSQL
function takes a fresh snapshot for each statement after the lock, as the
transaction's statements would, so the last of concurrent ticks still sees every
other one. Its plans are cached per connection, where the separate statements
were parsed and planned on every tick. The vocabulary (which statuses count as
finished, the roadmap's status names) comes in as arguments from the models.

SQLite (the embedded mode) keeps the statements of ``services``: nothing is made there.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION roadmaps_task_tick(
    p_task_id bigint, p_user_id bigint, p_status varchar, p_now timestamptz,
    p_finished varchar[], p_active varchar, p_completed varchar, p_archived varchar
) RETURNS TABLE (
    id bigint, title varchar, phase_title varchar, milestone_title varchar, kind varchar,
    start_date date, due_date date, estimated_minutes integer, status varchar,
    completed_at timestamptz, note varchar, roadmap_id bigint, updated_at timestamptz,
    roadmap_status varchar, feed_digests varchar[]
) LANGUAGE plpgsql VOLATILE AS $tick$
DECLARE
    v_roadmap bigint;
    v_roadmap_status varchar;
    v_finished boolean := p_status = ANY (p_finished);
    v_wanted varchar := p_active;
    v_digests varchar[];
BEGIN
    -- The lock every write to a roadmap's tasks takes first.
    SELECT r.id, r.status INTO v_roadmap, v_roadmap_status
      FROM roadmaps_roadmap r JOIN roadmaps_task t ON t.roadmap_id = r.id
     WHERE t.id = p_task_id AND r.user_id = p_user_id
       FOR UPDATE OF r;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE roadmaps_task t
       SET status = p_status,
           completed_at = CASE WHEN v_finished THEN COALESCE(t.completed_at, p_now) END,
           updated_at = p_now
     WHERE t.id = p_task_id AND t.roadmap_id = v_roadmap;
    IF NOT FOUND THEN  -- a re-plan removed the task while this tick waited for the lock
        RETURN;
    END IF;
    -- A task left unfinished is itself the proof that the roadmap is unfinished.
    IF v_finished AND NOT EXISTS (
        SELECT 1 FROM roadmaps_task t WHERE t.roadmap_id = v_roadmap AND t.status <> ALL (p_finished)
    ) THEN
        v_wanted := p_completed;
    END IF;
    IF v_roadmap_status <> p_archived AND v_roadmap_status <> v_wanted THEN
        UPDATE roadmaps_roadmap r SET status = v_wanted, updated_at = p_now WHERE r.id = v_roadmap;
        v_roadmap_status := v_wanted;
    END IF;
    WITH touched AS (
        UPDATE roadmaps_calendarfeed f SET generation = f.generation + 1
         WHERE f.user_id = p_user_id RETURNING f.token_digest
    )
    SELECT coalesce(array_agg(touched.token_digest), '{}') INTO v_digests FROM touched;
    RETURN QUERY
        SELECT t.id, t.title, t.phase_title, t.milestone_title, t.kind, t.start_date, t.due_date,
               t.estimated_minutes, t.status, t.completed_at, t.note, t.roadmap_id, t.updated_at,
               v_roadmap_status, v_digests
          FROM roadmaps_task t WHERE t.id = p_task_id;
END
$tick$;
"""

DROP = "DROP FUNCTION IF EXISTS roadmaps_task_tick(bigint, bigint, varchar, timestamptz, varchar[], varchar, varchar, varchar);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("roadmaps", "0006_issue17_milestone_records_for_existing_roadmaps")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
