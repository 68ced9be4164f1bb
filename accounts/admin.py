from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Profile, User
from roadmaps.calendar import services as calendar_services


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["known_skills"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [ProfileInline]

    # The calendar feed answers from its cached entry without the database: whatever
    # an admin changes about a learner (deactivation, the profile's zone) reaches it
    # at once, and a deleted learner's feed URL dies with them.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        calendar_services.feed_touch(user_id=form.instance.pk)

    def delete_model(self, request, obj):
        calendar_services.feed_revoke(user=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            calendar_services.feed_revoke(user=user)
        super().delete_queryset(request, queryset)
