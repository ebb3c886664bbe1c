from django.contrib import admin

from duban.textkit.models import ReasonKeyword


@admin.register(ReasonKeyword)
class ReasonKeywordAdmin(admin.ModelAdmin):
    list_display = ("keyword", "category", "weight")
    list_filter = ("category",)
    search_fields = ("keyword",)
