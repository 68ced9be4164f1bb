"""The curator's admin: roles with their career levels, tracks with phases and milestones inline."""

from django.contrib import admin

from roadmaps.catalog.services import catalog_changed
from roadmaps.models import (
    CalendarExport,
    Milestone,
    NudgeDelivery,
    Phase,
    Roadmap,
    Role,
    RoleLevel,
    Skill,
    Task,
    Track,
)


class CatalogAdmin(admin.ModelAdmin):
    """Every save or delete counts as a catalog change, for calendar feeds to follow."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        catalog_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalog_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalog_changed()


@admin.register(Skill)
class SkillAdmin(CatalogAdmin):
    list_display = ["name", "slug", "category"]
    list_filter = ["category"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class RoleLevelInline(admin.TabularInline):
    model = RoleLevel
    extra = 0


@admin.register(Role)
class RoleAdmin(CatalogAdmin):
    list_display = ["name", "slug", "category", "position"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "mission"]
    filter_horizontal = ["essential_skills", "important_skills"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RoleLevelInline]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    show_change_link = True


@admin.register(Track)
class TrackAdmin(CatalogAdmin):
    list_display = ["name", "slug", "min_weeks", "max_weeks", "position"]
    search_fields = ["name", "slug", "audience"]
    filter_horizontal = ["roles"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PhaseInline]


class MilestoneInline(admin.StackedInline):
    model = Milestone
    extra = 0
    filter_horizontal = ["skills", "prerequisites"]
    fields = ["order", "slug", "title", "kind", "estimated_hours", "description", "skills", "prerequisites"]


@admin.register(Phase)
class PhaseAdmin(CatalogAdmin):
    list_display = ["title", "track", "order", "start_week", "end_week"]
    list_filter = ["track"]
    list_select_related = ["track"]
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(CatalogAdmin):
    list_display = ["title", "slug", "phase", "kind", "estimated_hours"]
    list_filter = ["kind", "phase__track"]
    list_select_related = ["phase__track"]
    search_fields = ["title", "slug"]
    filter_horizontal = ["skills", "prerequisites"]


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["sequence", "title", "start_date", "due_date", "estimated_minutes", "status"]
    readonly_fields = fields
    can_delete = False


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "role", "track", "start_date", "end_date", "status"]
    list_filter = ["status", "track"]
    list_select_related = ["user", "role", "track"]
    search_fields = ["user__email"]
    inlines = [TaskInline]


@admin.register(NudgeDelivery)
class NudgeDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user", "week_start", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__email"]


@admin.register(CalendarExport)
class CalendarExportAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "roadmap", "status", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["user", "roadmap"]
