"""专项督查 kept by 督查管理员 on the product pages (once only in the Django admin):
add a topic of its office's year, change its figures and its tasks, delete it. Another
street's topics answer 404; the tasks offered are the office's own of that year."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.forms import IdsChoiceField
from duban.core.periods import MAX_YEAR, MIN_YEAR, PeriodError, parse_year
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.scope import offices_in_scope
from duban.supervision.models import Topic


class TopicForm(forms.ModelForm):
    year = forms.IntegerField(label="年度", min_value=MIN_YEAR, max_value=MAX_YEAR)

    class Meta:
        model = Topic
        fields = [
            "office",
            "year",
            "name",
            "target_value",
            "done_value",
            "target_unit",
            "note",
            "tasks",
            "order",
        ]
        field_classes = {"tasks": IdsChoiceField}
        widgets = {
            "note": forms.Textarea(attrs={"rows": 2}),
            "tasks": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offices = offices_in_scope(user)
        self.fields["office"].queryset = offices
        self.fields["office"].empty_label = None
        self.fields["office"].error_messages["invalid_choice"] = "请选择本街道"
        if offices.count() == 1:
            self.fields["office"].widget = forms.HiddenInput()
            self.initial.setdefault("office", offices.first().pk)
        self.fields["name"].error_messages["required"] = "请填写专项名称"
        self.fields["year"].error_messages.update(
            {
                "required": "请填写年度",
                "invalid": "年度应为四位数字，如 2022",
                "min_value": f"年度应在 {MIN_YEAR} 至 {MAX_YEAR} 之间",
                "max_value": f"年度应在 {MIN_YEAR} 至 {MAX_YEAR} 之间",
            }
        )
        self.fields["order"].required = False
        year = self._year()
        tasks = KeyTask.objects.editable_by(user).filter(office__in=offices)
        if year is not None:
            tasks = tasks.filter(year=year)
        self.fields["tasks"].queryset = tasks.order_by("code")
        self.fields["tasks"].label_from_instance = lambda t: f"{t.code} {t.title}"
        self.fields["tasks"].error_messages["invalid_choice"] = "所选事项不属于本街道该年度"

    def _year(self):
        value = self.data.get("year") if self.is_bound else self.initial.get("year")
        if value is None and self.instance.pk:
            value = self.instance.year
        try:
            return parse_year(value)
        except PeriodError:
            return None

    def clean_order(self):
        return self.cleaned_data.get("order") or 0

    def _not_negative(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and value < 0:
            raise forms.ValidationError("不能为负数")
        return value

    def clean_target_value(self):
        return self._not_negative("target_value")

    def clean_done_value(self):
        return self._not_negative("done_value")

    def clean(self):
        cleaned = super().clean()
        office, year = cleaned.get("office"), cleaned.get("year")
        for task in cleaned.get("tasks") or []:
            if (office and task.office_id != office.pk) or (year and task.year != year):
                self.add_error("tasks", f"事项“{task.code}”不属于所选街道的{year}年度")
                break
        name = cleaned.get("name")
        if office and year and name:
            clash = Topic.objects.filter(office=office, year=year, name=name.strip())
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", f"{year}年已有同名专项“{name.strip()}”")
        return cleaned

    def validate_unique(self):
        """Said in Chinese by `clean`."""


def _supervisor(request):
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以维护专项")


def _topic(request, pk):
    return get_object_or_404(Topic, pk=pk, office__in=offices_in_scope(request.user))


def _save(request, form):
    try:
        with transaction.atomic():
            topic = form.save()
    except IntegrityError:
        form.add_error("name", "已有同名专项，请刷新后重试")
        return None
    return topic


@login_required
def topic_new(request):
    _supervisor(request)
    try:
        year = parse_year(request.GET.get("year") or timezone.localdate().year)
    except PeriodError:
        raise Http404("年度不存在") from None
    form = TopicForm(request.POST or None, user=request.user, initial={"year": year})
    if request.method == "POST" and form.is_valid() and (topic := _save(request, form)):
        messages.success(request, f"已添加专项“{topic.name}”")
        return redirect(f"{reverse('supervision:topics')}?year={topic.year}")
    return render(request, "supervision/topic_form.html", {"form": form, "topic": None})


@login_required
def topic_edit(request, pk):
    _supervisor(request)
    topic = _topic(request, pk)
    form = TopicForm(request.POST or None, user=request.user, instance=topic)
    if request.method == "POST" and form.is_valid() and (saved := _save(request, form)):
        messages.success(request, f"专项“{saved.name}”已保存")
        return redirect(f"{reverse('supervision:topics')}?year={saved.year}")
    return render(request, "supervision/topic_form.html", {"form": form, "topic": topic})


@login_required
@require_POST
def topic_delete(request, pk):
    _supervisor(request)
    topic = _topic(request, pk)
    name, year = topic.name, topic.year
    topic.delete()
    messages.success(request, f"已删除专项“{name}”")
    return redirect(f"{reverse('supervision:topics')}?year={year}")
