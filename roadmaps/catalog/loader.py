"""Loads the curated catalog (fixtures/catalog/*.json) into the database.

Idempotent: rows are matched by slug and written only when a value differs, so
a second load reports nothing changed. Phases, milestones and career levels
that left the fixture are removed; roles, tracks and skills are never deleted
here because learners' roadmaps may point at them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from roadmaps.catalog.services import catalog_changed
from roadmaps.models import Milestone, Phase, Role, RoleLevel, Skill, Track

DEFAULT_CATALOG_DIR = Path(settings.BASE_DIR) / "fixtures" / "catalog"


@dataclass
class LoadReport:
    changes: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(count for key, count in self.changes.items() if not key.endswith("unchanged"))

    def summary(self) -> str:
        parts = [f"{key}: {count}" for key, count in sorted(self.changes.items())]
        return ", ".join(parts) or "nothing to load"


def read_catalog(directory: Path = DEFAULT_CATALOG_DIR) -> dict[str, list[dict]]:
    return {
        name: json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("skills", "roles", "tracks")
    }


@transaction.atomic
def load_catalog(directory: Path = DEFAULT_CATALOG_DIR) -> LoadReport:
    data = read_catalog(directory)
    report = LoadReport()
    skills = {item["slug"]: _load_skill(item, report) for item in data["skills"]}
    roles = {item["slug"]: _load_role(position, item, skills, report) for position, item in enumerate(data["roles"])}
    for position, item in enumerate(data["tracks"]):
        _load_track(position, item, roles, skills, report)
    if report.changed:
        catalog_changed()
    return report


def _upsert(model, report: LoadReport, lookup: dict, values: dict):
    obj = model.objects.filter(**lookup).first()
    label = model._meta.model_name
    if obj is None:
        report.changes[f"{label} created"] += 1
        return model.objects.create(**lookup, **values)
    stale = {name: value for name, value in values.items() if getattr(obj, name) != value}
    if stale:
        for name, value in stale.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(stale))
        report.changes[f"{label} updated"] += 1
    else:
        report.changes[f"{label} unchanged"] += 1
    return obj


def _set_related(manager, wanted: list, report: LoadReport, label: str) -> None:
    current = {obj.pk for obj in manager.all()}
    if current != {obj.pk for obj in wanted}:
        manager.set(wanted)
        report.changes[f"{label} links updated"] += 1


def _load_skill(item: dict, report: LoadReport) -> Skill:
    values = {
        "name": item["name"],
        "category": item["category"],
        "description": item.get("description", ""),
    }
    return _upsert(Skill, report, {"slug": item["slug"]}, values)


def _load_role(position: int, item: dict, skills: dict[str, Skill], report: LoadReport) -> Role:
    values = {
        "name": item["name"],
        "category": item["category"],
        "mission": item["mission"],
        "aliases": item.get("aliases", []),
        "salary_note": item.get("salary_note", ""),
        "source_note": item.get("source_note", ""),
        "position": position,
    }
    role = _upsert(Role, report, {"slug": item["slug"]}, values)
    _set_related(role.essential_skills, [skills[s] for s in item["essential_skills"]], report, "role")
    _set_related(role.important_skills, [skills[s] for s in item.get("important_skills", [])], report, "role")
    levels = item.get("progression", [])
    for order, level in enumerate(levels, start=1):
        level_values = {"title": level["title"], "years": level["years"], "focus": level["focus"]}
        _upsert(RoleLevel, report, {"role": role, "order": order}, level_values)
    role.progression.filter(order__gt=len(levels)).delete()
    return role


def _load_track(position, item: dict, roles: dict[str, Role], skills, report: LoadReport) -> None:
    values = {
        "name": item["name"],
        "audience": item["audience"],
        "description": item.get("description", ""),
        "min_weeks": item["min_weeks"],
        "max_weeks": item["max_weeks"],
        "source_note": item.get("source_note", ""),
        "position": position,
    }
    track = _upsert(Track, report, {"slug": item["slug"]}, values)
    _set_related(track.roles, [roles[s] for s in item["roles"]], report, "track")
    kept_milestones = []
    for phase_item in item["phases"]:
        kept_milestones += _load_phase(track, phase_item, skills, report)
    track.phases.exclude(order__in=[p["order"] for p in item["phases"]]).delete()
    Milestone.objects.filter(phase__track=track).exclude(slug__in=kept_milestones).delete()
    by_slug = {m.slug: m for m in Milestone.objects.filter(phase__track=track)}
    for phase_item in item["phases"]:
        for milestone_item in phase_item["milestones"]:
            wanted = [by_slug[s] for s in milestone_item.get("prerequisites", [])]
            _set_related(by_slug[milestone_item["slug"]].prerequisites, wanted, report, "milestone")


def _load_phase(track: Track, item: dict, skills, report: LoadReport) -> list[str]:
    values = {"title": item["title"], "start_week": item["start_week"], "end_week": item["end_week"]}
    phase = _upsert(Phase, report, {"track": track, "order": item["order"]}, values)
    # Free the order numbers first: a milestone may move between positions.
    slugs = [m["slug"] for m in item["milestones"]]
    phase.milestones.exclude(slug__in=slugs).delete()
    for order, milestone_item in enumerate(item["milestones"], start=1):
        milestone_values = {
            "phase": phase,
            "order": order,
            "title": milestone_item["title"],
            "description": milestone_item.get("description", ""),
            "kind": milestone_item["kind"],
            "estimated_hours": milestone_item["estimated_hours"],
            "optional": bool(milestone_item.get("optional", False)),
        }
        milestone = _upsert(Milestone, report, {"slug": milestone_item["slug"]}, milestone_values)
        _set_related(milestone.skills, [skills[s] for s in milestone_item["skills"]], report, "milestone")
    return slugs
